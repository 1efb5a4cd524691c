"""Peak memory (RSS) of the heavy processes: `coach index --rebuild` and a searching process.

Each figure is the peak resident set of one child process, read from its own rusage when it is
reaped (wait4). References measured in the same run: `coach --help` (Python and the CLI, no
model) and a bare process that loads the embedding model and embeds one sentence (the floor
any process using the model pays).

Target: every process <= 1 GB.

`--generations N` instead measures growth in one serving process (issue 13's soak RSS): the
app opens a copy of knowledge/, then N times a coach adds, rewrites and deletes an article, the
app re-indexes as the bot's folder watcher does (`CoachApp.reindex` in a worker thread), and a
few questions are answered. It prints RSS after each generation and, with `--tracemalloc`, the
Python allocations that grew most (RSS growth they don't explain is native: Chroma, ONNX
Runtime, PyTorch, malloc arenas).

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.bench_memory [--searches 50] [--copies 0]
    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.bench_memory --generations 30 \
        [--tracemalloc] [--without-fix]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from benchmarks._common import (
    KNOWLEDGE,
    child_env,
    coach_command,
    emit_result,
    machine,
    note,
    print_targets,
    run_child,
    setup,
    target,
)

LIMIT_MB = 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--searches", type=int, default=50, help="searches in the search process")
    parser.add_argument(
        "--copies", type=int, default=0, help="index N marked copies of knowledge/ (0: as is)"
    )
    parser.add_argument(
        "--generations", type=int, default=0, help="measure RSS growth over N index generations"
    )
    parser.add_argument(
        "--tracemalloc", action="store_true", help="with --generations: top Python allocations"
    )
    parser.add_argument(
        "--without-fix",
        action="store_true",
        help="with --generations: no malloc arena cap or trimming (bot/memory.py), as before",
    )
    parser.add_argument("--child", choices=["search", "model"], help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--knowledge", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    setup()
    if args.child == "search":
        search_child(args.knowledge, args.data_dir, args.searches)
        return 0
    if args.child == "model":
        model_child()
        return 0
    if args.generations:
        from benchmarks.memory_growth import run_generations

        return run_generations(args.generations, trace=args.tracemalloc, fix=not args.without_fix)
    report = run(searches=args.searches, copies=args.copies)
    render(report)
    print(f"  machine: {machine()}")
    peaks = report["metrics"]["peak_rss_mb"]
    headline = ", ".join(f"{name} {mb} MB" for name, mb in peaks.items())
    emit_result("memory", report["metrics"], report["targets"], headline=headline)
    return 0


def run(searches: int = 50, copies: int = 0) -> dict:
    coach = coach_command()
    here = [sys.executable, "-m", "benchmarks.bench_memory"]
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        cwd = Path(tmp)
        knowledge, data_dir = KNOWLEDGE, cwd / "data"
        if copies:
            from benchmarks.copies import write_corpus

            knowledge = cwd / "knowledge"
            write_corpus(KNOWLEDGE, knowledge, copies)
        env = child_env(COACH_DATA_DIR=str(data_dir), COACH_KNOWLEDGE_DIR=str(knowledge))
        peaks: dict[str, int] = {}
        seconds: dict[str, float] = {}

        def measure(name: str, args: list[str]) -> None:
            note(f"running {name}")
            seconds[name], peaks[name], _ = run_child(args, env, cwd, timeout=3600)

        measure("help", [*coach, "--help"])
        measure("model_only", [*here, "--child", "model"])
        measure("index_first", [*coach, "index"])
        measure("index_rebuild", [*coach, "index", "--rebuild"])
        measure(
            "search",
            [
                *here,
                "--child", "search",
                "--knowledge", str(knowledge),
                "--data-dir", str(data_dir),
                "--searches", str(searches),
            ],
        )  # fmt: skip
        chunks = _chunk_count(data_dir)
    metrics = {
        "chunks": chunks,
        "searches": searches,
        "peak_rss_mb": peaks,
        "seconds": {name: round(s, 2) for name, s in seconds.items()},
        "rebuild_over_model_only": round(peaks["index_rebuild"] / peaks["model_only"], 2),
        "search_over_model_only": round(peaks["search"] / peaks["model_only"], 2),
    }
    targets = [
        target("coach index --rebuild peak RSS", peaks["index_rebuild"], "<=", LIMIT_MB, " MB"),
        target(f"{searches} searches peak RSS", peaks["search"], "<=", LIMIT_MB, " MB"),
    ]
    return {"metrics": metrics, "targets": targets}


def search_child(knowledge: Path, data_dir: Path, searches: int) -> None:
    """Open the retriever as the bot does and run `searches` eval questions through it."""
    from evaluation.harness import load_eval_set
    from retrieval.embedding import SentenceTransformerEmbedder
    from retrieval.live_index import open_retriever

    questions = [item.question for item in load_eval_set()]
    retriever = open_retriever(knowledge, data_dir, SentenceTransformerEmbedder())
    for number in range(searches):
        retriever.search(questions[number % len(questions)], 5)


def model_child() -> None:
    from retrieval.embedding import SentenceTransformerEmbedder

    SentenceTransformerEmbedder().embed(["How often should runners lift?"])


def _chunk_count(data_dir: Path) -> int:
    from retrieval.manifest import load_manifest

    manifest = load_manifest(data_dir)
    return manifest.chunk_count if manifest else 0


def render(report: dict) -> None:
    m = report["metrics"]
    print(f"Peak RSS per process ({m['chunks']} chunks indexed)")
    labels = {
        "help": "coach --help (process start)",
        "model_only": "load model + embed one sentence",
        "index_first": "coach index (first build)",
        "index_rebuild": "coach index --rebuild",
        "search": f"open retriever + {m['searches']} searches",
    }
    print(f"  {'process':36}{'peak MB':>9}{'wall s':>9}")
    for name, label in labels.items():
        print(f"  {label:36}{m['peak_rss_mb'][name]:>9}{m['seconds'][name]:>9.1f}")
    print(
        f"  over the model-only floor: rebuild {m['rebuild_over_model_only']:.2f}x, "
        f"search {m['search_over_model_only']:.2f}x"
    )
    print_targets(report["targets"])


if __name__ == "__main__":
    raise SystemExit(main())
