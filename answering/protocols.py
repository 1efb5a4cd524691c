"""The answerer seam: anything that turns a question (and earlier turns) into a cited Answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from answering.models import Answer, Turn


class Answerer(Protocol):
    def answer(self, question: str, history: Sequence[Turn] = ()) -> Answer: ...
