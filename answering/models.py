"""Answer models: what an answerer returns and what a conversation remembers (no I/O)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from retrieval.models import Hit


class Citation(BaseModel):
    n: int
    chunk_id: str
    source: str
    title: str
    heading: str
    quote: str

    @classmethod
    def from_hit(cls, n: int, hit: Hit, quote: str) -> Citation:
        return cls(
            n=n,
            chunk_id=hit.chunk_id,
            source=hit.source,
            title=hit.title,
            heading=hit.heading,
            quote=quote,
        )


AnswerMode = Literal["extractive", "llm", "extractive_fallback", "red_flag"]
# How squarely the guides cover the question (retrieval's calibrated abstention, issue 9):
# "partial" answers open with a caveat and their footer says so.
AnswerSupport = Literal["direct", "partial"]


class Turn(BaseModel):
    """One earlier exchange in a conversation (a thread, a console session)."""

    question: str
    answer: str = ""


class Answer(BaseModel):
    question: str
    answer: str
    citations: list[Citation]
    abstained: bool
    mode: AnswerMode = "extractive"
    support: AnswerSupport = "direct"
    timings_ms: dict[str, float] = Field(default_factory=dict)
    # Topics the guides do cover, offered when abstaining.
    suggestions: list[str] = Field(default_factory=list)
    # The judge model in force when this answer was made (its name), or "off" (COACH_JUDGE).
    judge: str = "off"
