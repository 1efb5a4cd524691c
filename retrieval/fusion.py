"""Pure ranking steps after scoring: near-duplicate collapse and source diversity."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def collapse_near_duplicates(
    order: Sequence[int], vectors: np.ndarray, threshold: float = 0.97
) -> list[int]:
    """Keep the first of any items whose vectors are nearly identical (pasted twice, mirrored)."""
    kept: list[int] = []
    for item in order:
        if kept and float(np.max(vectors[kept] @ vectors[item])) >= threshold:
            continue
        kept.append(item)
    return kept


def diversify(order: Sequence[int], groups: Sequence[str], k: int, per_group: int) -> list[int]:
    """Top k with at most `per_group` items of one source, topped up if sources run out."""
    chosen: list[int] = []
    overflow: list[int] = []
    counts: dict[str, int] = {}
    for item in order:
        group = groups[item]
        if counts.get(group, 0) < per_group:
            chosen.append(item)
            counts[group] = counts.get(group, 0) + 1
        else:
            overflow.append(item)
        if len(chosen) == k:
            return chosen
    return chosen + overflow[: k - len(chosen)]
