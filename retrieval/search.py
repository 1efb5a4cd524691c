"""Hybrid retrieval: dense (MiniLM vectors in Chroma) + BM25, fused, deduplicated, diversified."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from retrieval.abstention import AbstentionPolicy, Evidence, load_policy
from retrieval.errors import CoachError, IndexUnavailableError
from retrieval.fusion import collapse_near_duplicates, diversify, reciprocal_rank_fusion
from retrieval.lexical import LexicalIndex, Tokenizer
from retrieval.manifest import MANIFEST_NAME, Manifest, load_manifest
from retrieval.models import Chunk, Hit, SearchResult
from retrieval.protocols import Embedder
from retrieval.store import ChromaStore

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 1000


class SearchConfig(BaseModel):
    """Fusion knobs; tuned on the public eval set (see `coach eval`)."""

    candidates: int = 30
    dense_weight: float = 1.0
    lexical_weight: float = 0.6
    rrf_k: float = 60.0
    per_source: int = 3
    duplicate_threshold: float = 0.97


@dataclass(frozen=True)
class _Served:
    """One index generation, swapped in whole so concurrent searches never see a mix."""

    manifest: Manifest
    manifest_mtime_ns: int
    collection: object
    chunks: list[Chunk]
    vectors: np.ndarray
    lexical: LexicalIndex


class HybridRetriever:
    """Implements `retrieval.protocols.Retriever` over the live index generation."""

    def __init__(
        self,
        store: ChromaStore,
        data_dir: Path,
        embedder: Embedder,
        *,
        config: SearchConfig | None = None,
        policy: AbstentionPolicy | None = None,
    ) -> None:
        self.store = store
        self.data_dir = data_dir
        self.embedder = embedder
        self.config = config or SearchConfig()
        self.policy = policy or load_policy()
        self._tokenizer = Tokenizer()
        self._lock = threading.Lock()
        self._served = self._load()

    # -- serving ---------------------------------------------------------------------------
    def _load(self) -> _Served:
        manifest = load_manifest(self.data_dir)
        if manifest is None:
            raise IndexUnavailableError("No index yet: run `coach index` to build it.")
        mtime = (self.data_dir / MANIFEST_NAME).stat().st_mtime_ns
        collection = self.store.get(manifest.collection)
        chunks, vectors = ChromaStore.read_all(collection)
        lexical = LexicalIndex([_lexical_text(c) for c in chunks], self._tokenizer)
        log.debug("serving %s (%d chunks)", manifest.collection, len(chunks))
        return _Served(manifest, mtime, collection, chunks, vectors, lexical)

    def refresh(self) -> bool:
        """Switch to a newer index generation if one was published; True when switched."""
        try:
            mtime = (self.data_dir / MANIFEST_NAME).stat().st_mtime_ns
        except FileNotFoundError:
            return False
        if mtime == self._served.manifest_mtime_ns:
            return False
        with self._lock:
            if mtime == self._served.manifest_mtime_ns:
                return False
            try:
                served = self._load()
            except IndexUnavailableError as exc:
                log.warning("new index generation not loadable, still serving the old: %s", exc)
                return False
            self._served = served
            return True

    @property
    def manifest(self) -> Manifest:
        return self._served.manifest

    def chunks(self) -> list[Chunk]:
        return list(self._served.chunks)

    # -- search ----------------------------------------------------------------------------
    def search(self, query: str, k: int = 5) -> SearchResult:
        started = time.perf_counter()
        query = " ".join(query.split())[:MAX_QUERY_CHARS]
        if not query:
            raise CoachError("The question is empty: ask something like 'how often should I lift?'")
        if k < 1:
            raise CoachError("k must be at least 1.")
        self.refresh()
        served = self._served
        timings: dict[str, float] = {}

        mark = time.perf_counter()
        vector = self.embedder.embed([query])[0]
        timings["embed"] = _ms(mark)

        mark = time.perf_counter()
        index_of = {c.chunk_id: i for i, c in enumerate(served.chunks)}
        dense = ChromaStore.query(served.collection, vector, self.config.candidates)
        dense_order = [index_of[cid] for cid, _ in dense if cid in index_of]
        top_dense = dense[0][1] if dense else 0.0
        timings["dense"] = _ms(mark)

        mark = time.perf_counter()
        lexical_scores = served.lexical.scores(query)
        lexical_order = [
            int(i)
            for i in np.argsort(-lexical_scores)[: self.config.candidates]
            if lexical_scores[i] > 0
        ]
        coverage = served.lexical.coverage(query)
        timings["lexical"] = _ms(mark)

        mark = time.perf_counter()
        fused = reciprocal_rank_fusion(
            {"dense": dense_order, "lexical": lexical_order},
            {"dense": self.config.dense_weight, "lexical": self.config.lexical_weight},
            self.config.rrf_k,
        )
        order = sorted(fused, key=lambda i: (-fused[i], i))
        order = collapse_near_duplicates(order, served.vectors, self.config.duplicate_threshold)
        order = diversify(order, [c.source for c in served.chunks], k, self.config.per_source)
        best = (self.config.dense_weight + self.config.lexical_weight) / (self.config.rrf_k + 1)
        hits = [_hit(rank, served.chunks[i], fused[i] / best) for rank, i in enumerate(order, 1)]
        evidence = Evidence(top_dense=top_dense, coverage=coverage)
        timings["fuse"] = _ms(mark)
        timings["total"] = _ms(started)
        return SearchResult(
            query=query, hits=hits, abstained=self.policy.abstains(evidence), timings_ms=timings
        )

    def evidence(self, query: str) -> Evidence:
        """The abstention signals for a query (for calibration and diagnostics)."""
        served = self._served
        vector = self.embedder.embed([query])[0]
        dense = ChromaStore.query(served.collection, vector, 1)
        return Evidence(
            top_dense=dense[0][1] if dense else 0.0, coverage=served.lexical.coverage(query)
        )

    def related_topics(self, query: str, n: int = 3) -> list[str]:
        """Article titles nearest to the query: what to offer when the guides don't cover it."""
        served = self._served
        if not served.chunks:
            return []
        vector = self.embedder.embed([query])[0]
        sims = served.vectors @ vector
        best: dict[str, float] = {}
        for chunk, sim in zip(served.chunks, sims, strict=True):
            best[chunk.title] = max(best.get(chunk.title, -1.0), float(sim))
        return sorted(best, key=lambda title: -best[title])[:n]


def _lexical_text(chunk: Chunk) -> str:
    # Headings are strong lexical evidence ("Foam rolling before a run"), so they count too.
    return f"{chunk.title} {chunk.heading} {chunk.text}"


def _hit(rank: int, chunk: Chunk, score: float) -> Hit:
    return Hit(
        rank=rank,
        chunk_id=chunk.chunk_id,
        source=chunk.source,
        title=chunk.title,
        heading=chunk.heading,
        text=chunk.text,
        score=round(score, 4),
    )


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 3)
