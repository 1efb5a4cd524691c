"""Seams between the core and its adapters, as small Protocols."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from retrieval.models import Chunk, SearchResult


class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return L2-normalised float32 vectors, one row per text."""
        ...


class Retriever(Protocol):
    def search(self, query: str, k: int = 5) -> SearchResult: ...

    def chunks(self) -> list[Chunk]:
        """Every chunk currently served (for resolving citations, /sources, ...)."""
        ...
