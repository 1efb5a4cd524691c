"""The first question after a one-file change: does it wait for abstention calibration?

Indexes knowledge/ into a temporary folder, asks once (the data dir's first-ever calibration),
then for several rounds edits one article, re-indexes and times the next question, two ways in
the same run, alternating which goes first:

- before: the write path as it was (publish the generation, nothing else); the question finds
  no calibration for the new generation and measures it itself (the old behaviour; the cached
  one is removed so the question takes the old code path, `calibrate` inline). Calibrating
  now embeds its questions in one batch, from a cache of their vectors, so this understates
  what the old path cost;
- after: the write path as it is now (publish, then `recalibrate`, as `CoachApp.reindex`
  does); the question uses the saved calibration.

The write path's own time is reported too: the seconds move there, off the member's question.

Target: the first question after an edit, p50 after/before <= 0.2.

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.bench_first_question [--rounds 3]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks._common import (
    KNOWLEDGE,
    emit_result,
    machine,
    note,
    print_targets,
    setup,
    summarise,
    target,
)

RATIO_TARGET = 0.2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="edits per way")
    args = parser.parse_args(argv)
    setup()
    report = run(rounds=args.rounds)
    render(report)
    print(f"  machine: {machine()}")
    m = report["metrics"]
    headline = (
        f"first question after an edit, p50 ms: before {m['question_before_ms']['p50']:.0f}, "
        f"after {m['question_after_ms']['p50']:.0f} ({m['ratio_p50_after_to_before']:.3f}x)"
    )
    emit_result("first_question", m, report["targets"], headline=headline)
    return 0


def run(rounds: int = 3) -> dict:
    from evaluation.harness import load_eval_set
    from retrieval.embedding import SentenceTransformerEmbedder
    from retrieval.live_index import open_retriever, recalibrate, refresh_index
    from retrieval.search.abstention import CALIBRATION_NAME

    questions = [item.question for item in load_eval_set() if item.kind == "in_scope"]
    embedder = SentenceTransformerEmbedder()
    series: dict[str, list[float]] = {
        "question_before": [],
        "question_after": [],
        "write_before": [],
        "write_after": [],
    }
    with tempfile.TemporaryDirectory(prefix="bench-first-") as tmp:
        knowledge = Path(shutil.copytree(KNOWLEDGE, Path(tmp) / "knowledge"))
        data_dir = Path(tmp) / "data"
        note("indexing knowledge/ and calibrating it once")
        retriever = open_retriever(knowledge, data_dir, embedder)
        retriever.search(questions[0])  # the data dir's first-ever calibration, inline
        article = sorted(knowledge.rglob("*.md"))[0]
        chunks = len(retriever.chunks())

        def one(way: str, number: int) -> None:
            with article.open("a", encoding="utf-8") as f:  # a one-file change
                f.write(f"\n\nEdit {number}: easy runs stay conversational.\n")
            started = time.perf_counter()
            assert refresh_index(knowledge, data_dir, retriever.store, embedder).switched
            retriever.refresh()
            if way == "after":
                recalibrate(retriever)
            else:  # the old code had no earlier calibration to fall back on
                (data_dir / CALIBRATION_NAME).unlink(missing_ok=True)
                retriever._calibrations = {}
            series[f"write_{way}"].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            retriever.search(questions[number % len(questions)])
            series[f"question_{way}"].append((time.perf_counter() - started) * 1000)

        note(f"{rounds} edits each way, alternating")
        for number in range(rounds):
            ways = ("before", "after") if number % 2 == 0 else ("after", "before")
            for offset, way in enumerate(ways):
                one(way, 2 * number + offset + 1)

    summary = {name: summarise(values) for name, values in series.items()}
    ratio = summary["question_after"]["p50"] / summary["question_before"]["p50"]
    metrics = {
        "rounds": rounds,
        "chunks": chunks,
        **{f"{name}_ms": s for name, s in summary.items()},
        "ratio_p50_after_to_before": round(ratio, 4),
    }
    targets = [target("first question after an edit, after/before p50", ratio, "<=", RATIO_TARGET)]
    return {"metrics": metrics, "targets": targets}


def render(report: dict) -> None:
    m = report["metrics"]
    print(
        f"First question after a one-file change: {m['rounds']} edits each way, "
        f"{m['chunks']} chunks"
    )
    print(f"  {'':44}{'p50 ms':>9}{'min ms':>9}{'max ms':>9}")
    for label, key in (
        ("question, before (calibrates inline)", "question_before_ms"),
        ("question, after (calibrated in write path)", "question_after_ms"),
        ("write path, before (publish only)", "write_before_ms"),
        ("write path, after (publish + calibrate)", "write_after_ms"),
    ):
        s = m[key]
        print(f"  {label:44}{s['p50']:>9.1f}{s['min']:>9.1f}{s['max']:>9.1f}")
    print(f"  first question after/before: p50 {m['ratio_p50_after_to_before']:.3f}x")
    print_targets(report["targets"])


if __name__ == "__main__":
    raise SystemExit(main())
