"""Pure ranking steps: reciprocal-rank fusion, near-duplicate collapse, source diversity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[int]], weights: Mapping[str, float], k: float = 60.0
) -> dict[int, float]:
    """Fuse ranked lists of item indices; an item missing from a list gets nothing from it."""
    fused: dict[int, float] = {}
    for name, ranking in rankings.items():
        weight = weights.get(name, 1.0)
        for rank, item in enumerate(ranking):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank + 1)
    return fused


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
