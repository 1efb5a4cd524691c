"""The weekly gap digest: when it is due, what it says, and which gaps an added article closed.

Pure apart from `recheck`, which re-runs questions through the retriever it is given.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, Field

from library.gaps import GapQuestion
from library.history import write_atomic
from retrieval.models import SearchResult

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DIGEST_WINDOW = timedelta(days=7)


class DigestSlot(BaseModel):
    weekday: int  # Monday is 0
    hour: int
    minute: int


def parse_digest_slot(text: str) -> DigestSlot | None:
    """`"mon 08:00"` to a weekly slot (UTC); `"off"` to None; ValueError saying what to write."""
    value = text.strip().lower()
    if value in ("off", "none", "no", ""):
        return None
    match = re.fullmatch(r"([a-z]{3})[a-z]*\s+(\d{1,2}):(\d{2})", value)
    if not match or match.group(1) not in _DAYS:
        raise ValueError(f"{text!r} is not a weekly time: write e.g. `mon 08:00` (UTC), or `off`")
    hour, minute = int(match.group(2)), int(match.group(3))
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r}: the time must be between 00:00 and 23:59")
    return DigestSlot(weekday=_DAYS.index(match.group(1)), hour=hour, minute=minute)


def last_slot(slot: DigestSlot, now: datetime) -> datetime:
    """The most recent moment (at or before `now`) the digest was due."""
    due = now.replace(hour=slot.hour, minute=slot.minute, second=0, microsecond=0)
    due -= timedelta(days=(now.weekday() - slot.weekday) % 7)
    return due if due <= now else due - timedelta(days=7)


def digest_due(slot: DigestSlot | None, now: datetime, last_posted: datetime | None) -> bool:
    """True when this week's digest is due and has not been posted since its slot."""
    if slot is None:
        return False
    return last_posted is None or last_posted < last_slot(slot, now)


def recheck(
    questions: Sequence[GapQuestion], search: Callable[[str], SearchResult], source: str
) -> list[str]:
    """Refused questions that now get an answer from `source` (re-run through the retriever)."""
    answered: list[str] = []
    for question in dict.fromkeys(q.question for q in questions if q.abstained):
        result = search(question)
        if not result.abstained and any(hit.source == source for hit in result.hits[:3]):
            answered.append(question)
    return answered


# -- what was posted (a small file in the data dir) --------------------------------------------

STATE_FILE = "gap-digest.json"


class DigestGroup(BaseModel):
    label: str
    questions: list[str]


class DigestState(BaseModel):
    """When the last digest went out, its groups, and the threads coaches opened from it."""

    last_posted: datetime | None = None
    groups: list[DigestGroup] = Field(default_factory=list)
    threads: dict[str, int] = Field(default_factory=dict, description="thread id -> group")

    @classmethod
    def load(cls, data_dir: Path) -> DigestState:
        try:
            return cls.model_validate_json((Path(data_dir) / STATE_FILE).read_bytes())
        except (FileNotFoundError, ValueError):
            return cls()

    def save(self, data_dir: Path) -> None:
        write_atomic(Path(data_dir) / STATE_FILE, self.model_dump_json(indent=1).encode())
