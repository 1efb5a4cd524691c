"""The red-flag head's training messages: `messages.jsonl`, written for training only.

Each line is `{"text", "label": "red_flag" | "ordinary", "why"}`: club-chat phrasings of
warning signs and of ordinary training talk that uses body words. No eval text is reused
(`python -m training.red_flags.check_disjoint` proves it).
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

MESSAGES = Path(__file__).resolve().parent / "messages.jsonl"
LABELS = ("ordinary", "red_flag")


class Message(BaseModel):
    text: str
    label: str
    why: str = ""


def load_messages(path: Path = MESSAGES) -> list[Message]:
    """The labelled messages; a bad label is an error naming its line."""
    rows: list[Message] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        row = Message(**json.loads(line))
        if row.label not in LABELS:
            raise ValueError(f"{path.name}:{n}: label {row.label!r} is not one of {LABELS}")
        rows.append(row)
    return rows
