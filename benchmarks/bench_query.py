"""In-process query latency: HybridRetriever.search against the naive baseline, same run.

Indexes knowledge/ into a temporary folder, builds the naive baseline (800/100 splitter, same
model, Chroma, dense only), warms both up, then runs every public eval question through both,
interleaved (alternating which goes first), for several rounds. A third series embeds the raw
question alone: the model's share of any query, whichever system runs it.

Targets: p50 <= 15 ms and below the baseline's p50.

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.bench_query [--rounds 3] [--k 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks._common import (
    KNOWLEDGE,
    emit_result,
    machine,
    note,
    print_targets,
    set_torch_threads,
    setup,
    summarise,
    target,
)

P50_TARGET_MS = 15.0
WARMUP = 10


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="passes over the questions")
    parser.add_argument("--k", type=int, default=5, help="passages per query")
    parser.add_argument(
        "--torch-threads", type=int, default=None, help="torch intra-op threads (default: torch's)"
    )
    args = parser.parse_args(argv)
    setup()
    set_torch_threads(args.torch_threads)
    report = run(rounds=args.rounds, k=args.k)
    render(report)
    print(f"  machine: {machine()}")
    m = report["metrics"]
    headline = (
        f"p50/p95 ms: ours {m['ours_ms']['p50']:.1f}/{m['ours_ms']['p95']:.1f}, "
        f"baseline {m['baseline_ms']['p50']:.1f}/{m['baseline_ms']['p95']:.1f}"
    )
    emit_result("query", m, report["targets"], headline=headline)
    return 0


def run(rounds: int = 3, k: int = 5) -> dict:
    from evaluation.baseline import NaiveBaseline
    from evaluation.harness import load_eval_set
    from retrieval.embedding import SentenceTransformerEmbedder
    from retrieval.live_index import open_retriever

    questions = [item.question for item in load_eval_set()]
    embedder = SentenceTransformerEmbedder()
    with tempfile.TemporaryDirectory(prefix="bench-query-") as tmp:
        note("indexing knowledge/ and building the baseline")
        retriever = open_retriever(KNOWLEDGE, Path(tmp) / "data", embedder)
        baseline = NaiveBaseline(KNOWLEDGE, embedder, Path(tmp) / "baseline")

        def ours(question: str) -> float:
            started = time.perf_counter()
            result = retriever.search(question, k)
            wall = (time.perf_counter() - started) * 1000
            for name, ms in result.timings_ms.items():
                stages.setdefault(name, []).append(ms)
            return wall

        def base(question: str) -> float:
            started = time.perf_counter()
            baseline.search_ids(question, k)
            return (time.perf_counter() - started) * 1000

        def embed_only(question: str) -> float:
            started = time.perf_counter()
            embedder.embed([question])
            return (time.perf_counter() - started) * 1000

        stages: dict[str, list[float]] = {}
        for question in questions[:WARMUP]:
            for call in (ours, base, embed_only):
                call(question)
        stages.clear()

        series: dict[str, list[float]] = {"ours": [], "baseline": [], "embed_only": []}
        note(f"{rounds} rounds x {len(questions)} questions, interleaved")
        for round_ in range(rounds):
            for number, question in enumerate(questions):
                # Alternate who goes first, so neither always runs on a cache warmed by the other.
                order = (
                    [("ours", ours), ("baseline", base)]
                    if (number + round_) % 2 == 0
                    else [("baseline", base), ("ours", ours)]
                )
                for name, call in order:
                    series[name].append(call(question))
                series["embed_only"].append(embed_only(question))
        chunks = len(retriever.chunks())
        baseline_chunks = len(baseline.texts)

    summary = {name: summarise(values) for name, values in series.items()}
    ratio_p50 = summary["ours"]["p50"] / summary["baseline"]["p50"]
    ratio_p95 = summary["ours"]["p95"] / summary["baseline"]["p95"]
    metrics = {
        "questions": len(questions),
        "rounds": rounds,
        "k": k,
        "chunks": chunks,
        "baseline_chunks": baseline_chunks,
        "ours_ms": summary["ours"],
        "baseline_ms": summary["baseline"],
        "embed_only_ms": summary["embed_only"],
        "ratio_p50_ours_to_baseline": round(ratio_p50, 3),
        "ratio_p95_ours_to_baseline": round(ratio_p95, 3),
        "stages_ms": {
            name: {"p50": round(statistics.median(v), 3), "mean": round(statistics.fmean(v), 3)}
            for name, v in stages.items()
        },
    }
    targets = [
        target("query p50", summary["ours"]["p50"], "<=", P50_TARGET_MS, " ms"),
        target("query p50 ours/baseline", ratio_p50, "<=", 1.0, "x"),
    ]
    return {"metrics": metrics, "targets": targets}


def render(report: dict) -> None:
    m = report["metrics"]
    print(
        f"Query latency: {m['questions']} questions x {m['rounds']} rounds, k={m['k']} "
        f"(ours {m['chunks']} chunks, baseline {m['baseline_chunks']} splits)"
    )
    print(f"  {'':34}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for label, key in (
        ("club-coach HybridRetriever.search", "ours_ms"),
        ("naive baseline search_ids", "baseline_ms"),
        ("embed raw question only", "embed_only_ms"),
    ):
        s = m[key]
        print(f"  {label:34}{s['p50']:>9.2f}{s['p95']:>9.2f}{s['max']:>9.2f}")
    print(
        f"  ours/baseline: p50 {m['ratio_p50_ours_to_baseline']:.2f}x, "
        f"p95 {m['ratio_p95_ours_to_baseline']:.2f}x"
    )
    stages = ", ".join(f"{name} {v['p50']:.2f}" for name, v in m["stages_ms"].items())
    print(f"  our stages, p50 ms: {stages}")
    print_targets(report["targets"])


if __name__ == "__main__":
    raise SystemExit(main())
