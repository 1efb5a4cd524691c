"""Near-duplicate passages: word shingles compared by containment (pure, no model needed).

Containment (shared shingles over the smaller passage) rather than Jaccard: a pasted
article that repeats one of ours inside a longer passage is still a duplicate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import BaseModel

from retrieval.models import Chunk
from retrieval.text import split_words

SHINGLE_WORDS = 5
NEAR_DUPLICATE = 0.6  # share of the smaller passage's shingles found in the other


class DuplicatePair(BaseModel):
    """A passage that nearly repeats another one (in another file)."""

    source: str
    heading: str
    other_source: str
    other_heading: str
    overlap: float


def shingles(text: str, size: int = SHINGLE_WORDS) -> frozenset[str]:
    words = split_words(text)
    if len(words) < size:
        return frozenset({" ".join(words)}) if words else frozenset()
    return frozenset(" ".join(words[i : i + size]) for i in range(len(words) - size + 1))


def containment(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def near_duplicates(
    new: Sequence[Chunk], existing: Iterable[Chunk], *, threshold: float = NEAR_DUPLICATE
) -> list[DuplicatePair]:
    """Each passage of `new` that nearly repeats a passage of another file in `existing`."""
    others = [(c, shingles(c.text)) for c in existing]
    pairs: list[DuplicatePair] = []
    for chunk in new:
        mine = shingles(chunk.text)
        best: tuple[float, Chunk] | None = None
        for other, theirs in others:
            if other.source == chunk.source:
                continue
            score = containment(mine, theirs)
            if score >= threshold and (best is None or score > best[0]):
                best = (score, other)
        if best is not None:
            pairs.append(
                DuplicatePair(
                    source=chunk.source,
                    heading=chunk.heading or "(introduction)",
                    other_source=best[1].source,
                    other_heading=best[1].heading or "(introduction)",
                    overlap=round(best[0], 2),
                )
            )
    return pairs
