"""Near-duplicate collapse and per-source diversity (pure ranking steps)."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.search.fusion import collapse_near_duplicates, diversify


def unit_vectors(*cosines_to_first: float) -> np.ndarray:
    """Vector 0 is e1; vector i has cosine `cosines_to_first[i-1]` with it (in the e1-e2 plane,
    each turned a different way in e3 so the later ones are not duplicates of each other)."""
    rows = [np.array([1.0, 0.0, 0.0, 0.0])]
    for i, cos in enumerate(cosines_to_first):
        rest = np.sqrt(max(0.0, 1.0 - cos * cos))
        axis = 1 + i % 3
        row = np.zeros(4)
        row[0], row[axis] = cos, rest
        rows.append(row)
    return np.asarray(rows, dtype=np.float32)


@pytest.mark.parametrize(
    ("order", "cosines", "threshold", "kept"),
    [
        ([0, 1, 2], (0.99, 0.10), 0.97, [0, 2]),  # 1 is a copy of 0
        ([1, 0, 2], (0.99, 0.10), 0.97, [1, 2]),  # the higher-ranked copy wins
        ([0, 1, 2], (0.96, 0.10), 0.97, [0, 1, 2]),  # similar is not a duplicate
        ([0, 1], (0.97,), 0.97, [0]),  # the threshold itself counts as a duplicate
        ([0, 1, 2, 3], (0.50, 0.20, 0.10), 0.97, [0, 1, 2, 3]),
        ([0, 1, 2], (0.99, 0.10), 1.01, [0, 1, 2]),  # collapse switched off
        ([], (0.99,), 0.97, []),
    ],
)
def test_collapse_near_duplicates(
    order: list[int], cosines: tuple[float, ...], threshold: float, kept: list[int]
) -> None:
    assert collapse_near_duplicates(order, unit_vectors(*cosines), threshold) == kept


def test_collapse_compares_with_every_kept_item_not_just_the_first() -> None:
    # 2 duplicates 1 (not 0): it must still go.
    vectors = np.asarray([[1, 0], [0, 1], [0.01, 0.99995]], dtype=np.float32)
    assert collapse_near_duplicates([0, 1, 2], vectors, 0.97) == [0, 1]


@pytest.mark.parametrize(
    ("order", "groups", "k", "per_group", "chosen"),
    [
        ([0, 1, 2, 3, 4], "aaabc", 3, 2, [0, 1, 3]),  # third "a" waits behind b
        ([0, 1, 2, 3, 4], "aaabc", 5, 2, [0, 1, 3, 4, 2]),  # then tops up the list
        ([0, 1, 2, 3, 4], "abcde", 3, 1, [0, 1, 2]),  # already diverse: untouched
        ([4, 3, 2, 1, 0], "aaabc", 2, 1, [4, 3]),  # follows the given order
        ([0, 1, 2], "aaa", 3, 1, [0, 1, 2]),  # one source only: still k results
        ([0, 1, 2], "aab", 10, 1, [0, 2, 1]),  # k beyond the items: all of them
        ([0, 1, 2], "abc", 1, 3, [0]),
        ([], "", 3, 1, []),
    ],
)
def test_diversify(
    order: list[int], groups: str, k: int, per_group: int, chosen: list[int]
) -> None:
    assert diversify(order, list(groups), k, per_group) == chosen


def test_diversify_caps_each_source_while_others_remain() -> None:
    groups = ["a"] * 6 + ["b"] * 6 + ["c"] * 6
    order = list(range(18))
    picked = diversify(order, groups, 6, 2)
    assert len(picked) == 6
    assert {groups[i] for i in picked} == {"a", "b", "c"}
    assert all(sum(groups[i] == g for i in picked) == 2 for g in "abc")
