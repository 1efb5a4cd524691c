"""One-shot CLI latency: `coach search` and `coach ask` as fresh processes, against `coach --help`.

Builds the index once (`coach index`) in a temporary data folder, then runs each command
`--runs` times, interleaved, after one unmeasured warm-up run (hyperfine's method, in Python).
`python -c pass` (the interpreter) and `coach --help` (Python, Typer and the CLI module, no
model) are the baselines measured in the same run.
A phase breakdown (a child process timing the CLI import, Chroma's import and open, the
retriever, the first search and answer) shows where a one-shot `coach ask` spends its time.

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
from typing import TypedDict

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
    parser.add_argument(
        "--baseline-tree",
        type=Path,
        default=None,
        help="another checkout (e.g. `git worktree add /tmp/base <commit>`): its `coach ask` "
        "runs interleaved with this one's, each on an index it built itself",
    )
    parser.add_argument("--phases", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    setup()
    if args.phases is not None:  # the child side of the phase breakdown
        print(json.dumps(time_phases(args.phases)))
        return 0
    report = run(runs=args.runs, baseline_tree=args.baseline_tree)
    render(report)
    print(f"  machine: {machine()}")
    walls = report["wall_ms_median"]
    headline = (
        f"median ms: --help {walls['help']:.0f}, search {walls['search']:.0f}, "
        f"ask {walls['ask']:.0f}"
    )
    emit_result("cli", report, headline=headline)
    return 0


def run(runs: int = 5, baseline_tree: Path | None = None) -> dict:
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
            "python": ([sys.executable, "-c", "pass"], env),
            "help": ([*coach, "--help"], env),
            "search": ([*coach, "search", QUESTION, "--json"], env),
            "ask": ([*coach, "ask", QUESTION, "--json"], env),
        }
        inner: dict[str, list[float]] = {"search": [], "ask": []}
        if baseline_tree is not None:
            # The same interpreter and venv; PYTHONPATH picks whose code runs.
            module = [sys.executable, "-m", "bot.cli"]
            base_env = {
                **env,
                "PYTHONPATH": str(baseline_tree.resolve()),
                "COACH_DATA_DIR": str(cwd / "data-baseline"),
            }
            note(f"building the baseline's index with {baseline_tree}")
            run_child([*module, "index"], base_env, cwd)
            commands["ask_module"] = ([*module, "ask", QUESTION, "--json"], env)
            commands["ask_baseline"] = ([*module, "ask", QUESTION, "--json"], base_env)
            inner.update(ask_module=[], ask_baseline=[])
        for args, child in commands.values():  # warm-up: page cache, .pyc files
            run_child(args, child, cwd)
        walls: dict[str, list[float]] = {name: [] for name in commands}
        note(f"{runs} runs each of: {', '.join(commands)}")
        for _ in range(runs):
            for name, (args, child) in commands.items():
                seconds, _, out = run_child(args, child, cwd)
                walls[name].append(seconds * 1000)
                if name in inner:
                    inner[name].append(
                        json.loads(out.strip().splitlines()[-1])["timings_ms"]["total"]
                    )

        note("phase breakdown (3 child runs)")
        phase_runs, torch_loaded = [], False
        for _ in range(3):
            _, _, out = run_child(
                [sys.executable, "-m", "benchmarks.bench_cli", "--phases", str(data_dir)], env, cwd
            )
            child = json.loads(out.strip().splitlines()[-1])
            phase_runs.append(_steps(child["marks"]))
            torch_loaded = torch_loaded or child["torch"]
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
        "over_python": {
            n: round(medians[n] / medians["python"], 2) for n in ("help", "search", "ask")
        },
        "phases_ms": phases,
        "torch_imported_by_ask": torch_loaded,
        "ask_over_baseline": (
            round(medians["ask_module"] / medians["ask_baseline"], 3)
            if baseline_tree is not None
            else None
        ),
        "baseline_tree": str(baseline_tree) if baseline_tree is not None else None,
    }


class Phases(TypedDict):
    """One child process's cumulative step marks (ms), and whether PyTorch got imported."""

    marks: dict[str, float]
    torch: bool


def time_phases(data_dir: Path) -> Phases:
    """Inside one fresh process: cumulative ms at each step a one-shot `coach ask` takes, the
    way `coach ask` takes them (ONNX query encoder from the data dir, no PyTorch)."""
    started = time.perf_counter()
    marks: dict[str, float] = {}

    def mark(name: str) -> None:
        marks[name] = round((time.perf_counter() - started) * 1000, 1)

    import bot.cli as cli  # what `coach --help` pays

    mark("import_cli")
    settings = cli.load_settings().model_copy(update={"data_dir": data_dir})
    coach = cli.make_app(settings, quiet=True)
    mark("settings_app")
    import chromadb  # noqa: F401

    mark("import_chromadb")
    _ = coach.store
    mark("open_chroma")
    _ = coach.retriever
    mark("open_retriever")
    coach.search(QUESTION, 5)
    mark("first_search")
    coach.ask(QUESTION)
    mark("first_answer")
    coach.ask(QUESTION + " ")
    mark("second_answer")
    return {"marks": marks, "torch": "torch" in sys.modules}


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
        "python": "python -c pass (interpreter start)",
        "help": "coach --help (process start)",
        "search": "coach search QUESTION --json",
        "ask": "coach ask QUESTION --json",
    }
    if "ask_baseline" in walls:
        labels["ask_module"] = "python -m bot.cli ask (this tree)"
        labels["ask_baseline"] = "python -m bot.cli ask (baseline tree)"
    for name, label in labels.items():
        print(f"  {label:38}{walls[name]:>10.0f}   {runs[name]}")
    if "ask_baseline" in walls:
        print(
            f"  ask, this tree over the baseline tree in the same run: "
            f"{walls['ask_module'] / walls['ask_baseline']:.3f}x"
        )
    ratios = report["over_python"]
    print(
        f"  over the interpreter start: --help {ratios['help']:.2f}x, search "
        f"{ratios['search']:.2f}x, ask {ratios['ask']:.2f}x"
    )
    inner = report["in_process_ms_median"]
    print(
        f"  of which the search itself: {inner['search']:.0f} ms; the answer: {inner['ask']:.0f} ms"
        f" (the rest is start-up: imports, model load, opening the index)"
    )
    print(f"  first `coach index` build: {report['first_index_build_s']:.1f} s")
    steps = ", ".join(f"{name} {ms:.0f}" for name, ms in report["phases_ms"].items())
    print(f"  where a one-shot ask spends it (ms per step, median of 3): {steps}")
    print(f"  PyTorch imported by the one-shot ask: {report['torch_imported_by_ask']}")


if __name__ == "__main__":
    raise SystemExit(main())
