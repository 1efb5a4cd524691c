"""A member's question as every surface takes it: one limit, one error (no heavy imports, so
a one-shot `coach ask` need not load the planner to check its question)."""

from __future__ import annotations

from answering.config import MAX_QUESTION_CHARS
from retrieval.errors import CoachError


class InputError(CoachError):
    """What the person typed cannot be used; the message says what to type instead."""


def clean_question(text: str) -> str:
    """The question as the answer layer should see it; InputError when there is none."""
    question = " ".join(text.split())
    if len(question) < 3:
        raise InputError(
            "Ask a question about strength training, e.g. `/ask how often should I lift?`"
        )
    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(
            f"That question is {len(question)} characters; keep it under {MAX_QUESTION_CHARS} "
            "(one question at a time)."
        )
    return question
