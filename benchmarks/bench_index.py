"""Indexing speed: full rebuild throughput against the raw model on the same texts, re-index costs.

Builds a larger corpus by copying the knowledge articles N times (each copy's paragraphs carry
a marker word, so chunk texts and ids differ), then measures, in one process and interleaved
(raw, index, raw, index, ...):

- raw: `SentenceTransformer.encode` (PyTorch) over each chunk's embedding_text() and
  heading_text(), one call, the indexer's batch size: a fixed reference, the same in every
  version, so per-passage figures compare across commits;
- index: `update_index(rebuild=True)`: scan, load, clean, chunk, embed (passages, headings and
  each passage's sentences, through the ONNX export once it exists), write Chroma and the
  sentence vectors, validate;
- unchanged: `update_index` on an untouched folder (target <= 1 s);
- one file changed: `update_index` after appending a paragraph to one article, then the rest
  of the write path: re-calibrating abstention for the new generation (`recalibrate`).

Targets: index throughput >= 0.8x raw; unchanged re-index <= 1 s.

`--scale 10000` measures the season-long costs at 10,000 passages instead (issue 13): one
build with the real model, then the no-change re-index, a one-file change (embed, write a
segment, switch), the abstention re-calibration that ends the write path, and the serving
side (a retriever picking up the change, query p50), against
a baseline measured in the same run: copying every passage into a new collection, which is
what each change cost before segments. Targets: one-file change <= 2 s, no change <= 1 s,
query p50 <= 20 ms.

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.bench_index [--copies 8] [--repeats 3]
    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.bench_index --scale 10000
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks._common import (
    KNOWLEDGE,
    emit_result,
    machine,
    note,
    print_targets,
    set_torch_threads,
    setup,
    target,
)
from benchmarks.copies import indexer_texts, write_corpus

RATIO_TARGET = 0.8
UNCHANGED_TARGET_S = 1.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=8, help="copies of knowledge/ to index")
    parser.add_argument("--repeats", type=int, default=3, help="raw/index pairs (median)")
    parser.add_argument("--profile", action="store_true", help="cProfile one rebuild")
    parser.add_argument(
        "--torch-threads", type=int, default=None, help="torch intra-op threads (default: torch's)"
    )
    parser.add_argument(
        "--scale", type=int, default=0, help="passages for the season-scale run (e.g. 10000)"
    )
    args = parser.parse_args(argv)
    setup()
    set_torch_threads(args.torch_threads)
    if args.scale:
        from benchmarks.bench_scale import run_scale

        return run_scale(args.scale)
    report = run(copies=args.copies, repeats=args.repeats, profile=args.profile)
    render(report)
    print(f"  machine: {machine()}")
    m = report["metrics"]
    headline = (
        f"{m['chunks']} chunks: raw {m['raw_chunks_per_s']:.1f}/s, index "
        f"{m['index_chunks_per_s']:.1f}/s; one file changed {m['one_file_changed_s']:.2f} s"
    )
    emit_result("index", m, report["targets"], headline=headline)
    return 0


# -- measurement ------------------------------------------------------------------------------
def run(copies: int = 8, repeats: int = 3, profile: bool = False) -> dict:
    from retrieval.embedding import SentenceTransformerEmbedder
    from retrieval.live_index import open_store, recalibrate, refresh_index
    from retrieval.search.hybrid import HybridRetriever

    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        knowledge_dir, data_dir = Path(tmp) / "knowledge", Path(tmp) / "data"
        files = write_corpus(KNOWLEDGE, knowledge_dir, copies)
        chunks, texts = indexer_texts(knowledge_dir)
        note(f"corpus: {files} files, {chunks} chunks, {len(texts)} texts to embed")

        embedder = SentenceTransformerEmbedder()
        store = open_store(data_dir)
        padding = padding_overhead(embedder, texts)
        embedder.embed(texts[:64])  # first-call costs (allocator, kernels) belong to neither side

        def raw() -> float:
            started = time.perf_counter()
            embedder.model.encode(
                texts,
                batch_size=embedder.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            return time.perf_counter() - started

        def rebuild() -> float:
            started = time.perf_counter()
            report = refresh_index(knowledge_dir, data_dir, store, embedder, rebuild=True)
            seconds = time.perf_counter() - started
            if report.chunks != chunks or report.embedded != chunks:
                raise RuntimeError(
                    f"indexer embedded {report.embedded}/{report.chunks} chunks, expected {chunks}"
                )
            return seconds

        raw_s, index_s = [], []
        for round_ in range(repeats):
            raw_s.append(raw())
            index_s.append(rebuild())
            note(f"round {round_ + 1}/{repeats}: raw {raw_s[-1]:.1f} s, index {index_s[-1]:.1f} s")

        unchanged_s = []
        for _ in range(5):
            started = time.perf_counter()
            report = refresh_index(knowledge_dir, data_dir, store, embedder)
            unchanged_s.append(time.perf_counter() - started)
            assert not report.switched, "an untouched folder must not switch generations"

        # Abstention calibration: a fresh data dir measures it once (on its first question);
        # after that the write path re-calibrates each published generation.
        retriever = HybridRetriever(store, data_dir, embedder)
        started = time.perf_counter()
        retriever.calibrate()
        first_calibration_s = time.perf_counter() - started

        changed_s, calibrate_s, changed_embedded = [], [], 0
        edited = sorted(knowledge_dir.rglob("*.md"))[0]
        for attempt in range(3):
            _touch(edited, f"An added closing note, number {attempt}, for the benchmark.")
            started = time.perf_counter()
            report = refresh_index(knowledge_dir, data_dir, store, embedder)
            changed_s.append(time.perf_counter() - started)
            changed_embedded = report.embedded
            started = time.perf_counter()
            retriever.refresh()
            recalibrate(retriever)
            calibrate_s.append(time.perf_counter() - started)

        profile_text = ""
        if profile:

            def one_file_changed() -> None:
                _touch(edited, "A profiled note.")
                refresh_index(knowledge_dir, data_dir, store, embedder)

            profile_text = "one file changed:\n" + _profiled(one_file_changed)
            profile_text += "\nrebuild:\n" + _profiled(
                lambda: refresh_index(knowledge_dir, data_dir, store, embedder, rebuild=True)
            )

    raw_med, index_med = statistics.median(raw_s), statistics.median(index_s)
    raw_rate, index_rate = chunks / raw_med, chunks / index_med
    ratio = index_rate / raw_rate
    # Per-pair ratios: each index run against the raw run just before it, under the same load.
    paired = statistics.median(r / i for r, i in zip(raw_s, index_s, strict=True))
    unchanged = statistics.median(unchanged_s)
    metrics = {
        "files": files,
        "chunks": chunks,
        "texts_embedded": len(texts),
        "raw_seconds": [round(s, 3) for s in raw_s],
        "index_seconds": [round(s, 3) for s in index_s],
        "raw_chunks_per_s": round(raw_rate, 2),
        "index_chunks_per_s": round(index_rate, 2),
        "index_to_raw_ratio": round(ratio, 3),
        "index_to_raw_ratio_paired_median": round(paired, 3),
        "padded_tokens_index_over_raw": padding,
        "unchanged_reindex_s": round(unchanged, 3),
        "unchanged_reindex_runs_s": [round(s, 3) for s in unchanged_s],
        "one_file_changed_s": round(statistics.median(changed_s), 3),
        "one_file_changed_embedded": changed_embedded,
        "index_ms_per_passage": round(1000 * index_med / chunks, 2),
        "raw_ms_per_passage": round(1000 * raw_med / chunks, 2),
        "first_calibration_s": round(first_calibration_s, 3),
        "one_file_recalibrate_s": round(statistics.median(calibrate_s), 3),
        "one_file_write_path_s": round(
            statistics.median(c + r for c, r in zip(changed_s, calibrate_s, strict=True)), 3
        ),
    }
    targets = [
        target("index/raw throughput", ratio, ">=", RATIO_TARGET, "x"),
        target("unchanged re-index", unchanged, "<=", UNCHANGED_TARGET_S, " s"),
    ]
    return {"metrics": metrics, "targets": targets, "profile": profile_text}


def padding_overhead(embedder, texts: list[str]) -> float:
    """Padded tokens the indexer's calls feed the model, over one length-sorted call's.

    encode() sorts each call's texts by length before batching, so many small calls pad more
    than one big call. Deterministic, unlike the timings: it explains part of the ratio.
    """
    from retrieval.ingest.indexer import EMBED_BATCH

    limit = embedder.model.get_max_seq_length()
    lengths = [min(limit, len(ids)) for ids in embedder.model.tokenizer(texts)["input_ids"]]
    per_call = 2 * EMBED_BATCH  # a passage and a heading text per chunk

    def padded(calls: list[list[int]]) -> int:
        total = 0
        for call in calls:
            ordered = sorted(call, reverse=True)
            for start in range(0, len(ordered), embedder.batch_size):
                batch = ordered[start : start + embedder.batch_size]
                total += batch[0] * len(batch)
        return total

    index_calls = [lengths[i : i + per_call] for i in range(0, len(lengths), per_call)]
    return round(padded(index_calls) / padded([lengths]), 3)


def _touch(path: Path, sentence: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"\n\n{sentence}\n")


def _profiled(action: Callable[[], object]) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    action()
    profiler.disable()
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(25)
    return buffer.getvalue()


def render(report: dict) -> None:
    m = report["metrics"]
    print(f"Indexing: {m['files']} files, {m['chunks']} chunks ({m['texts_embedded']} texts)")
    print(f"  {'':28}{'median s':>10}{'chunks/s':>10}   runs (s)")
    for label, key, rate in (
        ("raw model encode", "raw_seconds", "raw_chunks_per_s"),
        ("update_index(rebuild=True)", "index_seconds", "index_chunks_per_s"),
    ):
        runs = m[key]
        print(f"  {label:28}{statistics.median(runs):>10.2f}{m[rate]:>10.1f}   {runs}")
    print(
        f"  index/raw throughput ratio: {m['index_to_raw_ratio']:.3f}x "
        f"(median of per-round ratios {m['index_to_raw_ratio_paired_median']:.3f}x)"
    )
    print(f"  padded tokens fed to the model, index/raw: {m['padded_tokens_index_over_raw']:.3f}x")
    print(
        f"  unchanged folder re-index: {m['unchanged_reindex_s']:.3f} s (median of 5; runs "
        f"{m['unchanged_reindex_runs_s']})"
    )
    print(
        f"  one file changed re-index: {m['one_file_changed_s']:.3f} s "
        f"({m['one_file_changed_embedded']} chunks re-embedded, median of 3)"
    )
    print(
        f"  per passage: index {m['index_ms_per_passage']:.1f} ms, raw encode "
        f"{m['raw_ms_per_passage']:.1f} ms"
    )
    print(
        f"  calibration: first (fresh data dir) {m['first_calibration_s']:.3f} s; after a "
        f"one-file change {m['one_file_recalibrate_s']:.3f} s, write path (re-index + "
        f"calibrate) {m['one_file_write_path_s']:.3f} s"
    )
    print_targets(report["targets"])
    if report["profile"]:
        print(report["profile"])


if __name__ == "__main__":
    raise SystemExit(main())
