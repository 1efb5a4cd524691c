"""Season-scale index costs at N passages (default 10,000): see `bench_index --scale`.

The first build of the N-passage corpus uses `CopyEmbedder` (see there); every measured run
(no-change, one-file change, reader pick-up, queries, the full-copy baseline) uses the real
model and the real store.

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.bench_index --scale 10000
"""

from __future__ import annotations

import json
import math
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks._common import (
    KNOWLEDGE,
    REPO,
    emit_result,
    machine,
    note,
    print_targets,
    summarise,
    target,
)

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

ONE_FILE_TARGET_S = 2.0
UNCHANGED_TARGET_S = 1.0
QUERY_P50_TARGET_MS = 20.0
EDITS = 7
QUERY_SET = REPO / "evaluation" / "evalsets" / "knowledge-public.dev.jsonl"


class CopyEmbedder:
    """Builds the initial N-passage index quickly; everything measured uses the real model.

    The corpus is copies of knowledge/ whose body lines carry a marker word ("Alpha: ...").
    Embedding 10,000 passages for real takes over an hour on a shared two-core machine, so the
    first build embeds each distinct unmarked text once with the real model and gives each
    copy that vector plus a little deterministic noise (cosine ~0.99 to it): near-duplicate
    geometry, as real marked copies have. The re-index runs and queries measured afterwards
    embed with the real model; the fingerprint (model name) is the real one, so they do not
    trigger a rebuild.
    """

    def __init__(self, real) -> None:
        self.real = real
        self.name = real.name
        self._cache: dict[str, NDArray[np.float32]] = {}

    def embed(self, texts):
        import hashlib

        import numpy as np

        bases = [_unmark(t) for t in texts]
        missing = sorted({b for b in bases if b not in self._cache})
        for start in range(0, len(missing), 256):
            part = missing[start : start + 256]
            for text, vector in zip(part, self.real.embed(part), strict=True):
                self._cache[text] = vector
        rows = []
        for text, base in zip(texts, bases, strict=True):
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            noise = np.random.default_rng(seed).normal(0, 0.004, len(self._cache[base]))
            row = self._cache[base] + noise.astype(np.float32)
            rows.append(row / np.linalg.norm(row))
        return np.asarray(rows, dtype=np.float32)


def _unmark(text: str) -> str:
    import re

    return re.sub(r"\b[A-Z][a-z]+\d*: ", "", text)


def run_scale(passages: int) -> int:
    report = measure(passages)
    render(report)
    m = report["metrics"]
    headline = (
        f"{m['chunks']} passages: one file changed {m['one_file_changed_s']['p50']:.2f} s "
        f"(baseline full copy {m['baseline_full_copy_s']:.1f} s), no change "
        f"{m['unchanged_s']['p50']:.2f} s, query p50 {m['query_ms']['p50']:.1f} ms"
    )
    emit_result("index_scale", m, report["targets"], headline=headline)
    return 0


def measure(passages: int) -> dict:
    from benchmarks.copies import indexer_texts, write_corpus
    from retrieval.chroma_store import COLLECTION_PREFIX
    from retrieval.embedding import SentenceTransformerEmbedder
    from retrieval.live_index import open_store, recalibrate, refresh_index
    from retrieval.search.hybrid import HybridRetriever

    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        knowledge, data = Path(tmp) / "knowledge", Path(tmp) / "data"
        per_copy, _ = indexer_texts(KNOWLEDGE)
        copies = math.ceil(passages / per_copy)
        files = write_corpus(KNOWLEDGE, knowledge, copies)
        embedder = SentenceTransformerEmbedder(cache_dir=data / "models")
        store = open_store(data)

        note(f"building {copies} copies of knowledge/ (~{copies * per_copy} passages) once")
        started = time.perf_counter()
        built = refresh_index(knowledge, data, store, CopyEmbedder(embedder))
        build_s = time.perf_counter() - started
        note(f"built {built.chunks} passages in {build_s:.0f} s")
        embedder.prepare_query_encoder()

        retriever = HybridRetriever(store, data, embedder)
        questions = [json.loads(line)["question"] for line in QUERY_SET.open(encoding="utf-8")]
        started = time.perf_counter()
        retriever.calibrate()  # a fresh data dir's first calibration (no cached vectors)
        first_calibration_s = time.perf_counter() - started
        for question in questions[:5]:
            retriever.search(question)  # first-call costs

        unchanged = []
        for _ in range(5):
            started = time.perf_counter()
            report = refresh_index(knowledge, data, store, embedder)
            unchanged.append(time.perf_counter() - started)
            assert not report.switched

        changed, pickup, calibrate, embedded, segments, copied = [], [], [], [], [], []
        articles = sorted(knowledge.rglob("*.md"))
        for edit in range(EDITS):
            path = articles[(edit * 37) % len(articles)]
            with path.open("a", encoding="utf-8") as fh:
                fh.write(f"\n\nA closing note added by edit {edit}: keep the easy days easy.\n")
            started = time.perf_counter()
            report = refresh_index(knowledge, data, store, embedder)
            changed.append(time.perf_counter() - started)
            embedded.append(report.embedded)
            segments.append(report.segments)
            copied.append(report.copied)
            started = time.perf_counter()
            assert retriever.refresh()
            pickup.append(time.perf_counter() - started)
            started = time.perf_counter()
            recalibrate(retriever)  # the write path's last step (CoachApp.reindex)
            calibrate.append(time.perf_counter() - started)

        query_ms = []
        for question in questions:
            started = time.perf_counter()
            retriever.search(question)
            query_ms.append((time.perf_counter() - started) * 1000)

        # Baseline, same run: what every change cost before segments (copy every passage).
        note("baseline: copying every passage into a new collection")
        live = retriever._served.loaded
        started = time.perf_counter()
        fresh = store.create(f"{COLLECTION_PREFIX}baseline-copy")
        by_segment: dict[str, list[str]] = {}
        for segment, chunk_id in live.keys:
            by_segment.setdefault(segment, []).append(chunk_id)
        for segment, ids in by_segment.items():
            source = store.get(segment)
            for start in range(0, len(ids), 512):
                chunks, vectors, headings = store.read_ids(source, ids[start : start + 512])
                store.add(fresh, chunks, vectors, headings)
        baseline_s = time.perf_counter() - started
        store.drop(fresh.name)

    metrics = {
        "files": files,
        "chunks": built.chunks,
        "build_s": round(build_s, 1),
        "unchanged_s": summarise(unchanged),
        "one_file_changed_s": summarise(changed),
        "one_file_changed_runs_s": [round(s, 3) for s in changed],
        "one_file_embedded": embedded,
        "one_file_copied": copied,
        "segments_after_each_edit": segments,
        "reader_pickup_s": summarise(pickup),
        "first_calibration_s": round(first_calibration_s, 3),
        "recalibrate_after_edit_s": summarise(calibrate),
        "query_ms": summarise(query_ms),
        "baseline_full_copy_s": round(baseline_s, 3),
        "one_file_over_baseline": round(statistics.median(changed) / baseline_s, 3),
    }
    targets = [
        target("one-file change", statistics.median(changed), "<=", ONE_FILE_TARGET_S, " s"),
        target("no-change re-index", statistics.median(unchanged), "<=", UNCHANGED_TARGET_S, " s"),
        target("query p50", statistics.median(query_ms), "<=", QUERY_P50_TARGET_MS, " ms"),
    ]
    return {"metrics": metrics, "targets": targets}


def render(report: dict) -> None:
    m = report["metrics"]
    print(f"Season scale: {m['files']} files, {m['chunks']} passages (built in {m['build_s']} s)")
    print(f"  no-change re-index      p50 {m['unchanged_s']['p50']:.3f} s")
    print(
        f"  one-file change         p50 {m['one_file_changed_s']['p50']:.3f} s, runs "
        f"{m['one_file_changed_runs_s']} (embedded {m['one_file_embedded']}, copied "
        f"{m['one_file_copied']}, segments {m['segments_after_each_edit']})"
    )
    print(
        f"  baseline (copy all)     {m['baseline_full_copy_s']:.3f} s; one-file change is "
        f"{m['one_file_over_baseline']:.3f}x of it"
    )
    print(f"  reader picks up change  p50 {m['reader_pickup_s']['p50']:.3f} s")
    print(
        f"  calibration             first {m['first_calibration_s']:.3f} s; after an edit "
        f"p50 {m['recalibrate_after_edit_s']['p50']:.3f} s"
    )
    q = m["query_ms"]
    print(f"  query                   p50 {q['p50']:.1f} ms, p95 {q['p95']:.1f} ms (n={q['n']})")
    print(f"  machine: {machine()}")
    print_targets(report["targets"])
