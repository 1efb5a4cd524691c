"""One-shot CLI latency: `coach search` and `coach ask` as fresh processes, against `coach --help`.

Builds the index once (`coach index`) in a temporary data folder, then runs each command
`--runs` times, interleaved, after one unmeasured warm-up run (hyperfine's method, in Python).
`coach --help` is the process-start baseline: Python, Typer and the CLI module, no model.
A phase breakdown (a child process timing its own imports, model load, index open and first
search) shows where a one-shot command spends its time.

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.bench_cli [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._common import (
    KNOWLEDGE,
    child_env,
    coach_command,
    emit_result,
    machine,
    note,
    run_child,
    setup,
)

QUESTION = "How many times a week should runners lift weights?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs per command")
    parser.add_argument("--phases", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    setup()
    if args.phases is not None:  # the child side of the phase breakdown
        print(json.dumps(time_phases(args.phases)))
        return 0
    report = run(runs=args.runs)
    render(report)
    print(f"  machine: {machine()}")
    walls = report["wall_ms_median"]
    headline = (
        f"median ms: --help {walls['help']:.0f}, search {walls['search']:.0f}, "
        f"ask {walls['ask']:.0f}"
    )
    emit_result("cli", report, headline=headline)
    return 0


def run(runs: int = 5) -> dict:
    coach = coach_command()
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        cwd = Path(tmp)
        data_dir = cwd / "data"
        env = child_env(
            COACH_DATA_DIR=str(data_dir), COACH_KNOWLEDGE_DIR=str(KNOWLEDGE), COACH_LLM="extractive"
        )
        note("building the index with `coach index`")
        build_s, _, _ = run_child([*coach, "index"], env, cwd)

        commands = {
            "help": [*coach, "--help"],
            "search": [*coach, "search", QUESTION, "--json"],
            "ask": [*coach, "ask", QUESTION, "--json"],
        }
        for args in commands.values():  # warm-up: page cache, .pyc files
            run_child(args, env, cwd)
        walls: dict[str, list[float]] = {name: [] for name in commands}
        inner: dict[str, list[float]] = {"search": [], "ask": []}
        note(f"{runs} runs each of: {', '.join(commands)}")
        for _ in range(runs):
            for name, args in commands.items():
                seconds, _, out = run_child(args, env, cwd)
                walls[name].append(seconds * 1000)
                if name in inner:
                    inner[name].append(
                        json.loads(out.strip().splitlines()[-1])["timings_ms"]["total"]
                    )

        note("phase breakdown (3 child runs)")
        phase_runs = []
        for _ in range(3):
            _, _, out = run_child(
                [sys.executable, "-m", "benchmarks.bench_cli", "--phases", str(data_dir)], env, cwd
            )
            phase_runs.append(_steps(json.loads(out.strip().splitlines()[-1])))
    phases = {
        name: round(statistics.median(r[name] for r in phase_runs), 1) for name in phase_runs[0]
    }

    medians = {name: round(statistics.median(v), 1) for name, v in walls.items()}
    return {
        "runs": runs,
        "first_index_build_s": round(build_s, 2),
        "wall_ms_median": medians,
        "wall_ms_runs": {name: [round(v, 1) for v in vs] for name, vs in walls.items()},
        "in_process_ms_median": {n: round(statistics.median(v), 1) for n, v in inner.items()},
        "over_help": {n: round(medians[n] / medians["help"], 2) for n in ("search", "ask")},
        "phases_ms": phases,
    }


def time_phases(data_dir: Path) -> dict[str, float]:
    """Inside one fresh process: cumulative ms at each step a one-shot `coach search` takes."""
    started = time.perf_counter()
    marks: dict[str, float] = {}

    def mark(name: str) -> None:
        marks[name] = round((time.perf_counter() - started) * 1000, 1)

    import bot.cli  # noqa: F401 - what `coach --help` pays

    mark("import_cli")
    import torch  # noqa: F401

    mark("import_torch")
    import transformers  # noqa: F401

    mark("import_transformers")
    import sentence_transformers  # noqa: F401 - adds its own imports (sklearn, scipy)

    mark("import_sentence_transformers")
    import chromadb  # noqa: F401

    mark("import_chromadb")
    from retrieval.embedding import SentenceTransformerEmbedder
    from retrieval.service import open_retriever, open_store

    embedder = SentenceTransformerEmbedder()
    mark("load_model")
    store = open_store(data_dir)
    mark("open_chroma")
    retriever = open_retriever(KNOWLEDGE, data_dir, embedder, store=store)
    mark("open_retriever")
    retriever.search(QUESTION, 5)
    mark("first_search")
    retriever.search(QUESTION + " ", 5)
    mark("second_search")
    return marks


def _steps(marks: dict[str, float]) -> dict[str, float]:
    """Cumulative marks to the time each step took."""
    steps, previous = {}, 0.0
    for name, at in marks.items():
        steps[name], previous = at - previous, at
    return steps


def render(report: dict) -> None:
    walls, runs = report["wall_ms_median"], report["wall_ms_runs"]
    print(f"One-shot CLI latency (median of {report['runs']} runs after a warm-up, index built)")
    print(f"  {'command':38}{'median ms':>10}   runs (ms)")
    labels = {
        "help": "coach --help (process start)",
        "search": "coach search QUESTION --json",
        "ask": "coach ask QUESTION --json",
    }
    for name, label in labels.items():
        print(f"  {label:38}{walls[name]:>10.0f}   {runs[name]}")
    inner = report["in_process_ms_median"]
    print(
        f"  of which the search itself: {inner['search']:.0f} ms; the answer: {inner['ask']:.0f} ms"
        f" (the rest is start-up: imports, model load, opening the index)"
    )
    print(f"  first `coach index` build: {report['first_index_build_s']:.1f} s")
    steps = ", ".join(f"{name} {ms:.0f}" for name, ms in report["phases_ms"].items())
    print(f"  where a one-shot search spends it (ms per step, median of 3): {steps}")


if __name__ == "__main__":
    raise SystemExit(main())
