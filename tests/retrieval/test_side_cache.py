"""The judge's store of passage vectors: bounded by bytes, least recently used out first."""

from __future__ import annotations

import numpy as np

from retrieval.judge.side_cache import SideCache


def _state(tokens: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # 8 + 8 + 8 bytes a token
    return (
        np.zeros((tokens, 4), dtype=np.float16),
        np.ones(tokens, dtype=np.int64),
        np.zeros((tokens, 2), dtype=np.int32),
    )


def test_least_recently_used_goes_first_when_full() -> None:
    one = _state(10)  # 240 bytes
    cache = SideCache(max_bytes=3 * 240)
    for text in ("a", "b", "c"):
        cache.put(text, one)
    assert cache.get("a") is one  # "a" is now the most recent
    cache.put("d", one)
    assert cache.get("b") is None
    assert [cache.get(t) is not None for t in ("a", "c", "d")] == [True, True, True]
    assert cache.bytes == 3 * 240


def test_replacing_a_text_counts_its_bytes_once_and_clear_empties() -> None:
    cache = SideCache(max_bytes=10_000)
    cache.put("a", _state(10))
    cache.put("a", _state(20))
    assert len(cache) == 1 and cache.bytes == 480
    cache.clear()
    assert len(cache) == 0 and cache.bytes == 0 and cache.get("a") is None


def test_a_state_larger_than_the_cache_is_not_kept() -> None:
    cache = SideCache(max_bytes=1000)
    cache.put("huge", _state(50))
    assert cache.get("huge") is None and cache.bytes == 0
