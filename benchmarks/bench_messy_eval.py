"""Retrieval quality on messy, scraped-looking copies of the articles, next to the clean ones.

Writes the messy corpus (`benchmarks.messy_corpus`: bare-heading .txt pastes and cluttered
.html pages) from knowledge/ into a temporary folder, then runs the public eval (the same code
as `coach eval`, both systems, saved abstention policy, no calibration) on it and on the clean
knowledge/ folder, in the same run. Expected passages always refer to the clean articles.

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.bench_messy_eval
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from benchmarks._common import KNOWLEDGE, emit_result, machine, setup

METRICS = [
    ("recall_at_1", "R@1"),
    ("recall_at_3", "R@3"),
    ("recall_at_5", "R@5"),
    ("mrr", "MRR"),
    ("abstain_precision", "abst P"),
    ("abstain_recall", "abst R"),
    ("wrong_abstain_rate", "wrong abst"),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    setup()
    report = run()
    render(report)
    print(f"  machine: {machine()}")
    headline = "; ".join(
        f"{corpus} R@5 "
        + ", ".join(f"{s} {v['recall_at_5']:.3f}" for s, v in data["systems"].items())
        for corpus, data in report["corpora"].items()
    )
    emit_result("messy_eval", report, headline=headline)
    return 0


def run() -> dict:
    from evaluation.harness import run_cli_eval
    from evaluation.messy_corpus import write_messy_corpus

    def notify(message: str) -> None:
        print(f"  .. {message}", file=sys.stderr, flush=True)

    corpora: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-messy-") as tmp:
        messy_dir = Path(tmp) / "messy"
        written = write_messy_corpus(KNOWLEDGE, messy_dir)
        kinds = {suffix: sum(p.suffix == suffix for p in written) for suffix in (".txt", ".html")}
        for name, folder in (("clean", KNOWLEDGE), ("messy", messy_dir)):
            report = run_cli_eval(
                folder,
                Path(tmp) / f"data-{name}",
                eval_set=None,
                calibrate=False,
                with_baseline=True,
                temporary=True,
                notify=notify,
                reference_dir=KNOWLEDGE,
            )
            corpora[name] = {
                "systems": {
                    s.name: {key: round(getattr(s, key), 4) for key, _ in METRICS}
                    for s in report.systems
                },
                "misses": report.misses,
            }
    return {
        "eval_set": report.eval_set,
        "in_scope": report.in_scope,
        "out_of_scope": report.out_of_scope,
        "messy_files": kinds,
        "corpora": corpora,
    }


def render(report: dict) -> None:
    print(
        f"Retrieval eval ({report['eval_set']}: {report['in_scope']} in scope, "
        f"{report['out_of_scope']} out of scope) on clean and messy knowledge "
        f"(messy files: {report['messy_files']})"
    )
    header = "".join(f"{label:>11}" for _, label in METRICS)
    print(f"  {'corpus':8}{'system':16}{header}")
    for corpus, data in report["corpora"].items():
        for system, scores in data["systems"].items():
            row = "".join(f"{scores[key]:>11.3f}" for key, _ in METRICS)
            print(f"  {corpus:8}{system:16}{row}")
    clean, messy = report["corpora"]["clean"]["systems"], report["corpora"]["messy"]["systems"]
    for system in clean:
        drop = messy[system]["recall_at_5"] - clean[system]["recall_at_5"]
        print(f"  {system}: messy - clean recall@5 = {drop:+.3f}")
    for corpus, data in report["corpora"].items():
        if data["misses"]:
            print(f"  club-coach misses on {corpus} (not in top 5):")
            for miss in data["misses"]:
                print(f"    {miss}")


if __name__ == "__main__":
    raise SystemExit(main())
