"""Seams between the core and its adapters, as small Protocols."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from retrieval.models import SearchResult


class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return L2-normalised float32 vectors, one row per text."""
        ...


class Retriever(Protocol):
    """What answerers need from retrieval (HybridRetriever has all of it)."""

    def search(self, query: str, k: int = 5) -> SearchResult: ...

    def related_topics(self, query: str, n: int = 3) -> list[str]:
        """Covered topics near `query`, offered when the answer abstains."""
        ...
