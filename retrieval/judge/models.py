"""The judge's verdicts and its seam: a cross-encoder that reads a question or claim *with* a
passage, where the bi-encoder only compares their vectors (pure: no I/O, no heavy imports)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from retrieval.errors import CoachError


class JudgeError(CoachError):
    """The judge model cannot be used (missing file, unknown choice, unreadable folder)."""


class Relevance(BaseModel):
    """Does this passage answer the question? Three probabilities that sum to 1."""

    model_config = ConfigDict(frozen=True)

    answers: float
    touches: float
    not_covered: float


class Support(BaseModel):
    """Does this passage say what the claim says? Three probabilities that sum to 1."""

    model_config = ConfigDict(frozen=True)

    supported: float
    contradicted: float
    unsupported: float


class Judge(Protocol):
    """A cross-encoder over (question, passage) and (claim, passage) pairs.

    Passages are plain text, as the caller builds them ("title › heading\\n\\ntext").
    """

    # Shown in `coach status` and an answer's mode, e.g.
    # "club-coach-judge v5 (onnx int8) + support reader".
    name: str

    def relevance(self, question: str, passages: Sequence[str]) -> list[Relevance]:
        """One verdict per passage, in the order given."""
        ...

    def support(self, pairs: Sequence[tuple[str, str]]) -> list[Support]:
        """One verdict per (claim, passage) pair, in the order given."""
        ...
