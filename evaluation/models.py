"""What the retrieval evaluation reads and compares: eval-set rows and one system's ranked answer.

Shared by the harness and the naive baseline, which neither imports the other for them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

from retrieval.search.abstention import Evidence


class ExpectedPassage(BaseModel):
    """Where the answer is: a heading path in `source`, or a phrase its passage must contain.

    Phrases suit pasted pages whose headings the system has to recover itself: the
    expectation does not depend on what the heading recovery makes of the page.
    """

    source: str
    heading: str = ""
    contains: str = ""


class EvalItem(BaseModel):
    id: str
    question: str
    kind: Literal["in_scope", "out_of_scope"]
    expected: list[ExpectedPassage] = Field(default_factory=list)
    # Phrases of which any one, in the answer a member reads, carries the answer (round 4).
    answer_contains: list[str] = Field(default_factory=list)

    @field_validator("answer_contains", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class Ranked(BaseModel):
    """One system's answer to one question: ranked passages and whether it abstained."""

    passages: list[tuple[str, str, str]] = Field(description="(source, heading, text) by rank")
    abstained: bool
    evidence: Evidence | None = None
    # Position on the index's own calibrated scale (0 off-topic, 1 covered); the baseline has
    # none, so it is judged on its raw top similarity.
    confidence: float | None = None
    partial: bool = False
    # The answer as a member reads it (None: not rendered for this question or system).
    answer: str | None = None
