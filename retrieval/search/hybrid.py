"""Hybrid retrieval: dense (MiniLM vectors in Chroma) + BM25, fused, deduplicated, diversified."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from retrieval.chroma_store import ChromaStore, Loaded, load_generation
from retrieval.errors import CoachError, IndexUnavailableError
from retrieval.judge.models import Judge, Relevance
from retrieval.manifest import MANIFEST_NAME, Manifest, load_manifest, manifest_damaged
from retrieval.models import Chunk, Hit, SearchResult, passage_for_judge
from retrieval.protocols import Embedder
from retrieval.search.abstention import (
    AbstentionPolicy,
    Calibration,
    Evidence,
    calibrate_index,
    generation_key,
    load_calibration,
    load_policy,
    save_calibration,
)
from retrieval.search.expansion import load_expander
from retrieval.search.fusion import collapse_near_duplicates, diversify
from retrieval.search.lexical import LexicalIndex
from retrieval.search.question_vectors import question_vectors
from retrieval.sentence_vectors import encode_sentences, load_segment

log = logging.getLogger(__name__)

Calibrator = Callable[[str, Sequence[str], Callable[[Sequence[str]], list[Evidence]]], Calibration]
MAX_QUERY_CHARS = 1000


class SearchConfig(BaseModel):
    """Fusion knobs, chosen on the dev sets of four corpora (`python -m evaluation.suite
    --split dev`); see the README's "Retrieval quality" for the figures.

    score = dense + lexical_weight * bm25 / max(bm25), where
    dense = (passage_weight * cos(q, passage) + cos(q, title › heading)) / (passage_weight + 1).
    Score fusion beat reciprocal-rank fusion by ~5 points of recall@1: RRF forgets how much
    better the best passage is.
    """

    candidates: int = 30
    passage_weight: float = 3.0
    lexical_weight: float = 0.2
    per_source: int = 3
    duplicate_threshold: float = 0.97
    expand_queries: bool = True
    # Answerability (abstention.py): sentences of this many top passages are compared with the
    # question; the best passage alone is checked for the question's telling words.
    # (Which sentences count is fixed at index time: sentence_vectors.SENTENCE_MIN_WORDS.)
    sentence_depth: int = 3
    sentence_rerank: int = 10
    # 0.2 -> 0.4 in round 3: mean dev R@1 over the four corpora 0.779 -> 0.809; 0.3-0.7 and
    # passage/lexical weights around today's were flat within a question or two.
    sentence_weight: float = 0.4
    # The judge (retrieval/judge), when one is in force, reads the question with each of the
    # top `judge_depth` passages in one batch: its verdicts reorder them (score +=
    # judge_weight * (answers + judge_touches * touches)) and feed abstention.
    # Chosen with the sides judge (head 9a6db138…) by `python -m evaluation.tune_judge` on
    # every dev set of the four corpora (round-5 sealed sets included): mean R@1 0.763 (rules)
    # -> 0.774 (knowledge 0.702 -> 0.714, seedlike 0.800 -> 0.824, clubpages 0.791 -> 0.816,
    # messy 0.758 -> 0.742); depth 5 at weight 0.2 or 0.3 gave 0.773. Weights of 1 and more
    # lost to the rules. A passage is encoded once and kept, so depth 10 costs little more.
    # Round 7's judge (head 195642b2…), round-6 sealed sets added to dev: the same choice
    # again, mean R@1 0.749 (rules) -> 0.767 (knowledge 0.723, seedlike 0.790, clubpages 0.829,
    # messy 0.728). Round 8's judge (three seeds' heads averaged, head f386d31a…), round-7
    # sealed sets added to dev: weight 0.5, mean R@1 0.736 (rules) -> 0.773 (knowledge 0.761,
    # seedlike 0.789, clubpages 0.818, messy 0.723); 0.3 gave 0.771, round 7's judge 0.759.
    judge_depth: int = 10
    judge_weight: float = 0.5
    judge_touches: float = 0.5


@dataclass(frozen=True)
class _Served:
    """One index generation, swapped in whole so concurrent searches never see a mix."""

    manifest: Manifest
    manifest_mtime_ns: int
    loaded: Loaded
    chunks: list[Chunk]
    vectors: np.ndarray
    heading_vectors: np.ndarray
    lexical: LexicalIndex
    index_of: dict[str, int]
    text_keys: list[str]
    # Row -> its sentences' vectors, made at index time (sentence_vectors.py); rows of a
    # segment written before they were stored are filled lazily by _sentence_scores.
    sentence_vectors: dict[int, np.ndarray]


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
        calibrator: Calibrator | None = None,
        judge: Judge | None = None,
    ) -> None:
        self.store = store
        self.data_dir = data_dir
        self.embedder = embedder
        self.config = config or SearchConfig()
        self.policy = policy or load_policy(data_dir)
        # None: today's rules alone (COACH_JUDGE=off).
        self.judge = judge
        # A seam: tests count calls to it (the write path calibrates, a question must not).
        self.calibrator: Calibrator = calibrator or calibrate_index
        self._calibrations: dict[str, Calibration] = {}
        self._generation: tuple[object, str] = (None, "")
        self._calibrating = threading.Lock()
        self.expander = load_expander()
        self._lock = threading.Lock()
        self._served = self._load()

    # -- serving ---------------------------------------------------------------------------
    def _load(self) -> _Served:
        manifest = load_manifest(self.data_dir)
        if manifest is None:
            if manifest_damaged(self.data_dir):
                raise IndexUnavailableError(
                    "The index manifest is damaged; run `coach index` to rebuild the index."
                )
            raise IndexUnavailableError("No index yet: run `coach index` to build it.")
        mtime = (self.data_dir / MANIFEST_NAME).stat().st_mtime_ns
        # Rows already served are reused: a one-file change reads only that file's passages.
        before = getattr(self, "_served", None)
        loaded = load_generation(self.store, manifest.live_ids(), before and before.loaded)
        chunks, vectors, headings = loaded.chunks, loaded.vectors, loaded.heading_vectors
        lexical = LexicalIndex([_lexical_text(c) for c in chunks])
        index_of = {c.chunk_id: i for i, c in enumerate(chunks)}
        log.debug("serving %s (%d chunks)", manifest.collection, len(chunks))
        text_keys = [" ".join(c.text.lower().split()) for c in chunks]
        sentences = _sentence_rows(self.data_dir, loaded, before)
        return _Served(
            manifest, mtime, loaded, chunks, vectors, headings, lexical, index_of, text_keys,
            sentences,
        )  # fmt: skip

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
        return self.search_with_evidence(query, k)[0]

    def search_with_evidence(
        self,
        query: str,
        k: int = 5,
        *,
        decide: bool = True,
        vector: np.ndarray | None = None,
        judged: bool = True,
    ) -> tuple[SearchResult, Evidence]:
        """The result and the signals its abstention decision was made from (one embedding).

        `vector` is the embedding of `expanded_query(query)` when the caller has it already
        (calibration embeds its questions in one batch). `judged=False` leaves the judge out:
        calibration places the rule signals, which the judge's probabilities need not be."""
        started = time.perf_counter()
        query = " ".join(query.split())[:MAX_QUERY_CHARS]
        if not query:
            raise CoachError("The question is empty: ask something like 'how often should I lift?'")
        if k < 1:
            raise CoachError("k must be at least 1.")
        self.refresh()
        served = self._served
        timings: dict[str, float] = {}

        expanded = self.expander.expand(query) if self.config.expand_queries else query
        mark = time.perf_counter()
        if vector is None:
            vector = self.embedder.embed([expanded])[0]
        timings["embed"] = _ms(mark)

        mark = time.perf_counter()
        # Exact nearest passages from the vectors already in memory (the generation's own rows).
        sims = served.vectors @ vector if len(served.vectors) else np.zeros(0, np.float32)
        candidates = set(_top_rows(sims, self.config.candidates))
        timings["dense"] = _ms(mark)

        mark = time.perf_counter()
        lexical = served.lexical.scores(expanded)
        top_lexical = float(lexical.max()) if lexical.size else 0.0
        candidates.update(
            int(i) for i in np.argsort(-lexical)[: self.config.candidates] if lexical[i] > 0
        )
        timings["lexical"] = _ms(mark)

        mark = time.perf_counter()
        ids = np.fromiter(sorted(candidates), dtype=np.int64)
        dense = self._dense_scores(served, ids, vector)
        lexical_part = lexical[ids] / top_lexical if top_lexical > 0 else np.zeros(len(ids))
        scores = dense + self.config.lexical_weight * lexical_part
        ranked = [int(ids[j]) for j in np.lexsort((ids, -scores))]
        score_of = {int(i): float(v) for i, v in zip(ids, scores, strict=True)}
        if self.config.sentence_rerank > 0:
            ranked, score_of = self._rerank(served, ranked, score_of, vector)
        verdicts: list[Relevance] = []
        if judged and self.judge is not None and self._judge_needed():
            judge_mark = time.perf_counter()
            ranked, score_of, verdicts = self._judge_rerank(served, query, ranked, score_of)
            timings["judge"] = _ms(judge_mark)
        # Enough for diversify to fill k even if the best sources hit their cap.
        enough = k * (self.config.per_source + 1)
        order = collapse_near_duplicates(
            ranked, served.vectors, self.config.duplicate_threshold, served.text_keys, enough
        )
        sources = {i: served.chunks[i].source for i in order}  # not a list of every chunk
        order = diversify(order, sources, k, self.config.per_source)
        hits = [_hit(rank, served.chunks[i], score_of[i]) for rank, i in enumerate(order, 1)]
        evidence = Evidence(
            top_dense=float(dense.max()) if dense.size else 0.0,
            coverage=served.lexical.coverage(query),
            lexical=served.lexical.strength(query),
            answered=served.lexical.answered(expanded, ranked[:1]),
            sentence=self._best_sentence(served, ranked[: self.config.sentence_depth], vector),
            judge_answers=max((v.answers for v in verdicts), default=None),
            judge_touches=max((v.touches for v in verdicts), default=None),
        )
        timings["fuse"] = _ms(mark)
        timings["total"] = _ms(started)
        support = self.policy.support(evidence, self.calibration()) if decide else "direct"
        result = SearchResult(
            query=query,
            hits=hits,
            abstained=support == "none",
            support=support,
            timings_ms=timings,
        )
        return result, evidence

    def calibration(self) -> Calibration:
        """Where covered and off-topic questions score on the live index (abstention.py).

        Never measured here when any calibration exists: the write path does it right after
        publishing a generation (`calibrate`, via `service.recalibrate`), and until it is saved
        questions use the newest one cached, of the previous generation. Only a data dir whose
        write path could not calibrate (read-only, or an index built by older code) measures it
        on first use."""
        key = self._generation_key()
        found = self._calibrations.get(key)
        if found is not None:
            return found
        newest = load_calibration(self.data_dir)  # one small file: the newest calibration
        if newest is not None and newest.generation == key:
            self._calibrations = {key: newest}
            return newest
        newest = newest or next(iter(self._calibrations.values()), None)
        if newest is not None:
            return newest  # stale by one edit until the write path has re-calibrated
        return self.calibrate()

    def calibrate(self) -> Calibration:
        """Measure the live generation's calibration (unless cached) and cache it in the data
        dir: the write path calls this right after publishing, off any question's path."""
        with self._calibrating:
            served, key = self._served, self._generation_key()
            found = self._calibrations.get(key) or load_calibration(self.data_dir, key)
            if found is None:
                started = time.perf_counter()
                found = self.calibrator(
                    key, [c.text for c in served.chunks], self._calibration_evidence
                )
                save_calibration(self.data_dir, found)
                log.info("abstention calibrated in %s ms: %s", _ms(started), found.summary())
            self._calibrations = {key: found}
        return found

    def _calibration_evidence(self, questions: Sequence[str]) -> list[Evidence]:
        """Evidence of calibration questions, exactly as a search computes it; their vectors
        come from the data dir's cache (same model, same text) or one batched embed."""
        expanded = [self.expanded_query(q) for q in questions]
        model = getattr(self.embedder, "name", type(self.embedder).__name__)
        vectors = question_vectors(
            self.data_dir, model, expanded, lambda texts: self.embedder.embed(texts)
        )
        return [
            self.search_with_evidence(q, 1, decide=False, vector=v, judged=False)[1]
            for q, v in zip(questions, vectors, strict=True)
        ]

    def expanded_query(self, query: str) -> str:
        """The text a search embeds for `query` (folded, capped, expanded)."""
        query = " ".join(query.split())[:MAX_QUERY_CHARS]
        return self.expander.expand(query) if self.config.expand_queries else query

    def is_calibrated(self) -> bool:
        """True when the live generation's own calibration is cached (here or in the data dir)."""
        key = self._generation_key()
        return key in self._calibrations or load_calibration(self.data_dir, key) is not None

    def _generation_key(self) -> str:
        served = self._served
        # Serialising a 10,000-passage manifest costs ~30 ms: once per generation, not per query.
        if self._generation[0] is not served:
            self._generation = (served, generation_key(served.manifest.model_dump_json()))
        return self._generation[1]

    def evidence(self, query: str) -> Evidence:
        """The abstention signals for a query, exactly as `search` computes them."""
        return self.search_with_evidence(query, 1)[1]

    def _rerank(
        self, served: _Served, ranked: list[int], score_of: dict[int, float], vector: np.ndarray
    ) -> tuple[list[int], dict[int, float]]:
        """The top candidates again, with their best sentence's similarity added: a passage
        with one sentence that says what was asked beats one that is about the topic."""
        top = ranked[: self.config.sentence_rerank]
        bonus = self._sentence_scores(served, top, vector)
        score_of = dict(score_of)
        for i, b in zip(top, bonus, strict=True):
            score_of[i] += self.config.sentence_weight * b
        top = sorted(top, key=lambda i: (-score_of[i], i))
        return top + ranked[len(top) :], score_of

    def _judge_needed(self) -> bool:
        """The judge is asked only when its verdicts reorder passages or decide abstention."""
        config = self.config
        return config.judge_depth > 0 and (config.judge_weight > 0 or self.policy.judge_share > 0)

    def _judge_rerank(
        self, served: _Served, query: str, ranked: list[int], score_of: dict[int, float]
    ) -> tuple[list[int], dict[int, float], list[Relevance]]:
        """The top candidates as the judge reads them with the question (one batched call):
        a passage that answers it moves up, one merely about the topic moves down."""
        top = ranked[: self.config.judge_depth]
        verdicts = self.judge.relevance(query, [judge_text(served.chunks[i]) for i in top])  # type: ignore[union-attr]
        score_of = dict(score_of)
        for i, v in zip(top, verdicts, strict=True):
            score_of[i] += self.config.judge_weight * (
                v.answers + self.config.judge_touches * v.touches
            )
        top = sorted(top, key=lambda i: (-score_of[i], i))
        return top + ranked[len(top) :], score_of, verdicts

    def _best_sentence(self, served: _Served, rows: list[int], vector: np.ndarray) -> float:
        """Best similarity between the question and one sentence of the given passages."""
        return max(self._sentence_scores(served, rows, vector), default=0.0)

    def _sentence_scores(self, served: _Served, rows: list[int], vector: np.ndarray) -> list[float]:
        """Per passage, its best sentence's similarity to the question.

        Sentence vectors come with the index generation (made when the passage was embedded),
        so a question pays a dot product. Only passages of a segment stored before sentence
        vectors were are embedded here, once, the first time they reach the top."""
        missing = [i for i in rows if i not in served.sentence_vectors]
        if missing:
            vectors = encode_sentences(self.embedder, [served.chunks[i].text for i in missing])
            for i, found in zip(missing, vectors, strict=True):
                served.sentence_vectors[i] = found
        return [
            float((served.sentence_vectors[i] @ vector).max())
            if len(served.sentence_vectors[i])
            else 0.0
            for i in rows
        ]

    def _dense_scores(self, served: _Served, ids: np.ndarray, vector: np.ndarray) -> np.ndarray:
        """Exact blended similarity for candidate chunks (Chroma found them; numpy scores them)."""
        if not ids.size:  # an empty index stores (0, 0) arrays, which cannot meet the query
            return np.zeros(0, dtype=np.float32)
        w = self.config.passage_weight
        passage = served.vectors[ids] @ vector
        heading = served.heading_vectors[ids] @ vector
        return (w * passage + heading) / (w + 1)

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


def _sentence_rows(data_dir: Path, loaded: Loaded, before: _Served | None) -> dict[int, np.ndarray]:
    """Each row's sentence vectors: carried over from the generation served before (same
    segment, same id), else read from its segment's file (a memory map: read when touched)."""
    out: dict[int, np.ndarray] = {}
    old_row = {key: i for i, key in enumerate(before.loaded.keys)} if before is not None else {}
    segments: dict[str, dict[str, np.ndarray] | None] = {}
    for row, key in enumerate(loaded.keys):
        kept = old_row.get(key)
        if before is not None and kept is not None and kept in before.sentence_vectors:
            out[row] = before.sentence_vectors[kept]
            continue
        segment, chunk_id = key
        if segment not in segments:
            segments[segment] = load_segment(data_dir, segment)
        found = (segments[segment] or {}).get(chunk_id)
        if found is not None:
            out[row] = found
    return out


def _top_rows(sims: np.ndarray, n: int) -> list[int]:
    """Rows of the `n` highest similarities, best first (exact; ~1 ms at 10k rows)."""
    if n < 1 or not sims.size:
        return []
    top = np.argpartition(-sims, n - 1)[:n] if n < sims.size else np.arange(sims.size)
    return [int(i) for i in top[np.argsort(-sims[top], kind="stable")]]


def judge_text(chunk: Chunk) -> str:
    """A passage as the judge reads it: where it sits, then what it says."""
    return passage_for_judge(chunk.title, chunk.heading, chunk.text)


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
