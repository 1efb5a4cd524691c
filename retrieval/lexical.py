"""Lexical side of hybrid search: BM25 (bm25s) over stemmed, stopword-free tokens."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Small and general on purpose: words that carry no topic in a runner's question.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    im ive id dont doesnt isnt cant wont shall may might must also get got go going really
    thing things much many lot lots ok okay hey hi anyone anybody someone""".split()  # noqa: SIM905
)


class Tokenizer:
    """Lower-case, drop stopwords, Snowball-stem: 'Stretching' and 'stretches' meet as 'stretch'."""

    def __init__(self) -> None:
        import Stemmer

        self._stemmer = Stemmer.Stemmer("english")

    def __call__(self, text: str) -> list[str]:
        words = [w.replace("'", "") for w in _WORD.findall(text.lower())]
        return self._stemmer.stemWords([w for w in words if w not in STOPWORDS and len(w) > 1])


class LexicalIndex:
    """BM25 over the served chunks; rebuilt in memory whenever the live collection changes."""

    def __init__(self, texts: Sequence[str], tokenizer: Tokenizer | None = None) -> None:
        import bm25s

        # bm25s sets its logger to DEBUG on import, so every index build would reach the user.
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self.tokenize = tokenizer or Tokenizer()
        corpus = [self.tokenize(t) for t in texts]
        self.vocabulary = frozenset(tok for doc in corpus for tok in doc)
        self._bm25 = bm25s.BM25()
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
