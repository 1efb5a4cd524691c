"""Sentence splitting for extractive answers and citation checks (pure)."""

from __future__ import annotations

import re

# Split after . ! ? (or after a closing quote/bracket that follows one), keeping the closer.
_SPLIT = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))\s+(?=[\"'(\[]?[A-Z0-9])")
_ABBREV = re.compile(r"\b(?:e\.g|i\.e|vs|etc|approx|min|sec|Dr|Mr|Mrs|Ms|St)\.$", re.IGNORECASE)


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences; list items and lines stay whole."""
    sentences: list[str] = []
    for block in re.split(r"\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)", text):
        block = " ".join(block.split())
        block = re.sub(r"^(?:[-*•]|\d+[.)])\s+", "", block)
        if not block:
            continue
        pending = ""
        for part in _SPLIT.split(block):
            pending = f"{pending} {part}".strip() if pending else part
            if _ABBREV.search(pending):
                continue
            sentences.append(pending)
            pending = ""
        if pending:
            sentences.append(pending)
    return sentences
