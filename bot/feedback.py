"""Kept for older imports: the store lives in `bot.store`, the gap report in `bot.gaps`."""

from __future__ import annotations

from bot.gaps import GapGroup, GapQuestion, group_gaps
from bot.store import AnswerRecord, FeedbackRecord, FeedbackStore, PlanRecord, Vote

__all__ = [
    "AnswerRecord",
    "FeedbackRecord",
    "FeedbackStore",
    "GapGroup",
    "GapQuestion",
    "PlanRecord",
    "Vote",
    "group_gaps",
]
