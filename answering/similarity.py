"""Embedding similarity for the citation check's borderline cases (the embedder is the adapter)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np

from retrieval.protocols import Embedder
from retrieval.text import split_lines

MAX_CACHED = 20_000

# (sentence, passage texts) -> best cosine similarity to a passage sentence; from the pipeline.
Similarity = Callable[[str, Sequence[str]], float]


class SentenceSimilarity:
    """Best cosine between a sentence and any sentence of some passages; passage vectors cached."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def __call__(self, sentence: str, passages: Sequence[str]) -> float:
        targets = [s for p in passages for s in split_lines(p)]
        if not targets:
            return 0.0
        with self._lock:
            cached = {t: self._vectors[t] for t in targets if t in self._vectors}
        missing = [t for t in dict.fromkeys(targets) if t not in cached]
        vectors = self.embedder.embed([sentence, *missing])
        fresh = dict(zip(missing, vectors[1:], strict=True))
        with self._lock:
            if len(self._vectors) + len(fresh) > MAX_CACHED:
                self._vectors.clear()
            self._vectors.update(fresh)
        every = {**cached, **fresh}
        return max(float(every[t] @ vectors[0]) for t in targets)
