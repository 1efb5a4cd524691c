"""Pure ranking steps after scoring: near-duplicate collapse and source diversity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def collapse_near_duplicates(
    order: Sequence[int],
    vectors: np.ndarray,
    threshold: float = 0.97,
    keys: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[int]:
    """Keep the first of items that are the same passage: equal `keys` (the same paragraph
    pasted under another title embeds differently) or nearly identical vectors.
    Stops once `limit` items are kept: callers only read the top of the list."""
    kept: list[int] = []
    seen: set[str] = set()
    for item in order:
        if limit is not None and len(kept) == limit:
            break
        if keys is not None and keys[item] in seen:
            continue
        if kept and float(np.max(vectors[kept] @ vectors[item])) >= threshold:
            continue
        kept.append(item)
        if keys is not None:
            seen.add(keys[item])
    return kept


def diversify(
    order: Sequence[int], groups: Sequence[str] | Mapping[int, str], k: int, per_group: int
) -> list[int]:
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
