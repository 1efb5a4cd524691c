"""Lexical side of hybrid search: BM25 (bm25s) over stemmed, stopword-free tokens."""

from __future__ import annotations

import logging
import math
import sys
from collections.abc import Callable, Sequence

import numpy as np

from retrieval.text import tokenize


class LexicalIndex:
    """BM25 over the served chunks; rebuilt in memory whenever the live collection changes."""

    def __init__(
        self, texts: Sequence[str], tokenizer: Callable[[str], list[str]] = tokenize
    ) -> None:
        bm25s = _import_bm25s()
        self.tokenize = tokenizer
        corpus = [self.tokenize(t) for t in texts]
        self.vocabulary = frozenset(tok for doc in corpus for tok in doc)
        self._doc_terms = [frozenset(doc) for doc in corpus]
        frequency: dict[str, int] = {}
        for terms in self._doc_terms:
            for term in terms:
                frequency[term] = frequency.get(term, 0) + 1
        # A word the guides never use weighs most: it is what the question is really about.
        self._unseen_idf = math.log((len(corpus) + 1) / 0.5)
        self._idf = {t: math.log((len(corpus) + 1) / (n + 0.5)) for t, n in frequency.items()}
        self._bm25 = bm25s.BM25(csc_backend="numpy")
        self._size = len(corpus)
        if corpus:
            self._bm25.index(corpus, show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for the query (zeros when no query term is known)."""
        tokens = [t for t in self.tokenize(query) if t in self.vocabulary]
        if not tokens or not self._size:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def coverage(self, query: str) -> float:
        """Share of the query's content words that occur anywhere in the guides."""
        tokens = self.tokenize(query)
        if not tokens:
            return 0.0
        return sum(t in self.vocabulary for t in tokens) / len(tokens)

    def strength(self, query: str) -> float:
        """Best BM25 score of any passage: how squarely some passage uses the query's words.

        Not divided by query length: chatty questions from real runners are long, and a
        per-word average wrongly made them look unanswerable (seen on the holdout set).
        """
        return float(self.scores(query).max(initial=0.0))

    def answered(self, query: str, docs: Sequence[int]) -> float:
        """Answerability: the IDF-weighted share of the query's content words that the given
        passages contain. A running question the guides don't cover ("best gels for a
        marathon") still looks like the guides to an embedding, but its rare, telling words
        ("gels") are missing from the best passages; common words ("run") weigh little."""
        terms = list(dict.fromkeys(self.tokenize(query)))
        if not terms:
            return 0.0
        found = frozenset().union(*(self._doc_terms[i] for i in docs)) if docs else frozenset()
        weights = [self._idf.get(t, self._unseen_idf) for t in terms]
        total = sum(weights)
        hit = sum(w for t, w in zip(terms, weights, strict=True) if t in found)
        return hit / total if total > 0 else 0.0


def _import_bm25s():
    """bm25s, without the scipy it imports for nothing.

    Its numpy backend (the default, and ours) needs no scipy, but bm25s imports scipy.sparse
    whenever it can, which costs a one-shot `coach ask` ~100 ms (scipy's array-API shim loads
    every numpy submodule, f2py included). So its first import is shown scipy.sparse missing.
    """
    if "bm25s" not in sys.modules and "scipy.sparse" not in sys.modules:
        sys.modules["scipy.sparse"] = None  # type: ignore[assignment]
        try:
            import bm25s
        finally:
            del sys.modules["scipy.sparse"]
    import bm25s

    # bm25s sets its logger to DEBUG on import, so every index build would reach the user.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s
