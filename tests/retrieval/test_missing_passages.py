"""A message about passages missing from the index counts all of them, across every segment."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval.chroma_store import COLLECTION_PREFIX, heading_id, load_generation
from retrieval.errors import IndexUnavailableError
from retrieval.live_index import open_store
from retrieval.models import Chunk

DIM = 8


def _segment(store, name: str, count: int) -> list[str]:
    chunks = [
        Chunk(chunk_id=f"{name}-{i}", source=f"{name}.md", title=name, text=f"passage {i}")
        for i in range(count)
    ]
    vectors = np.zeros((count, DIM), np.float32)
    vectors[:, 0] = 1.0
    store.add(store.create(name), chunks, vectors, vectors.copy())
    return [c.chunk_id for c in chunks]


def test_all_missing_passages_are_counted(tmp_path: Path) -> None:
    store = open_store(tmp_path / "data")
    live = {
        f"{COLLECTION_PREFIX}a": _segment(store, f"{COLLECTION_PREFIX}a", 16),
        f"{COLLECTION_PREFIX}b": _segment(store, f"{COLLECTION_PREFIX}b", 59),
    }
    for name, ids in live.items():  # every passage gone, as after a half-lost store
        store.get(name).delete(ids=[*ids, *(heading_id(i) for i in ids)])
    with pytest.raises(IndexUnavailableError, match=r"\b75 of 75 passages are missing"):
        load_generation(store, live)
