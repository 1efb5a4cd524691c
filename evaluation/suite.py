"""Every corpus with its own questions: dev sets to tune on, sealed test sets to report.

    HF_HUB_OFFLINE=1 .venv/bin/python -m evaluation.suite --split test [--corpus seedlike]

Corpora: the bundled `knowledge/`, the seed-like pasted pages in `evaluation/corpora/seedlike`
(messy, written for this project), and the generated messy copy of `knowledge/`
(`evaluation.messy_corpus`). See `evaluation/evalsets/README.md` for how the sets were written.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from evaluation.harness import CORPORA, EVALSETS, EvalReport, load_eval_set, run_eval

REPO_KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"


@dataclass(frozen=True)
class CorpusSets:
    dev: tuple[str, ...]
    test: str


SETS: dict[str, CorpusSets] = {
    "knowledge": CorpusSets(
        dev=(
            "knowledge-public.dev.jsonl",
            "knowledge-holdout.dev.jsonl",
            "knowledge-r1.dev.jsonl",
            "knowledge-r2.dev.jsonl",
            "knowledge-r3.dev.jsonl",
            "knowledge-r4.dev.jsonl",
        ),
        test="knowledge.test.jsonl",
    ),
    "seedlike": CorpusSets(
        dev=(
            "seedlike.dev.jsonl",
            "seedlike-r1.dev.jsonl",
            "seedlike-r2.dev.jsonl",
            "seedlike-r3.dev.jsonl",
            "seedlike-r4.dev.jsonl",
        ),
        test="seedlike.test.jsonl",
    ),
    # Another club's pasted pages (.md, .txt, .html), on subtopics our guides mostly don't cover.
    "clubpages": CorpusSets(
        dev=("clubpages.dev.jsonl", "clubpages-r3.dev.jsonl"), test="clubpages.test.jsonl"
    ),
    # The messy corpus is a cluttered copy of knowledge/: knowledge's questions are dev for it.
    "messy": CorpusSets(
        dev=(
            "knowledge-public.dev.jsonl",
            "messy-r1.dev.jsonl",
            "messy-r2.dev.jsonl",
            "messy-r3.dev.jsonl",
        ),
        test="messy.test.jsonl",
    ),
}


def corpus_folder(name: str, knowledge_dir: Path, scratch: Path) -> tuple[Path, Path]:
    """(folder to index, folder the expected passages name) for one corpus."""
    if name == "knowledge":
        return knowledge_dir, knowledge_dir
    if name in ("seedlike", "clubpages"):
        return CORPORA / name, CORPORA / name
    if name == "messy":
        from evaluation.messy_corpus import write_messy_corpus

        folder = scratch / "messy"
        write_messy_corpus(knowledge_dir, folder)
        return folder, knowledge_dir
    raise ValueError(f"unknown corpus {name!r}: choose from {', '.join(SETS)}")


def set_names(corpus: str, split: str) -> Sequence[str]:
    sets = SETS[corpus]
    return sets.dev if split == "dev" else (sets.test,)


def run_suite(
    embedder,
    *,
    split: str,
    corpora: Sequence[str] = tuple(SETS),
    knowledge_dir: Path = REPO_KNOWLEDGE,
    with_baseline: bool = True,
    notify: Callable[[str], None] = lambda _m: None,
) -> dict[str, list[EvalReport]]:
    from evaluation.baseline import NaiveBaseline
    from evaluation.harness import expected_sections
    from retrieval.service import open_retriever

    out: dict[str, list[EvalReport]] = {}
    with tempfile.TemporaryDirectory(prefix="coach-suite-") as tmp:
        scratch = Path(tmp)
        for corpus in corpora:
            folder, reference = corpus_folder(corpus, knowledge_dir, scratch)
            notify(f"indexing {corpus} ({folder})")
            retriever = open_retriever(folder, scratch / f"index-{corpus}", embedder)
            baseline = (
                NaiveBaseline(folder, embedder, scratch / f"baseline-{corpus}")
                if with_baseline
                else None
            )
            sections = expected_sections(reference)
            reports = []
            for name in set_names(corpus, split):
                items = load_eval_set(EVALSETS / name)
                reports.append(run_eval(retriever, baseline, items, sections, eval_set=name))
            out[corpus] = reports
    return out


def render(results: dict[str, list[EvalReport]], write: Callable[[str], None] = print) -> None:
    write(
        "| corpus | set | system | R@1 | R@3 | R@5 | MRR "
        "| in-scope refused | out-of-scope refused |"
    )
    write("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for corpus, reports in results.items():
        for report in reports:
            for s in report.systems:
                refused_in = round(s.wrong_abstain_rate * report.in_scope)
                refused_out = round(s.abstain_recall * report.out_of_scope)
                write(
                    f"| {corpus} | {report.eval_set} | {s.name} | {s.recall_at_1:.3f} | "
                    f"{s.recall_at_3:.3f} | {s.recall_at_5:.3f} | {s.mrr:.3f} | "
                    f"{refused_in}/{report.in_scope} | {refused_out}/{report.out_of_scope} |"
                )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test"), required=True)
    parser.add_argument("--corpus", action="append", choices=tuple(SETS))
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--misses", action="store_true", help="list Club Coach's misses")
    parser.add_argument("--json", type=Path, help="also write the reports as JSON here")
    args = parser.parse_args(argv)
    from retrieval.embedding import SentenceTransformerEmbedder

    results = run_suite(
        SentenceTransformerEmbedder(),
        split=args.split,
        corpora=args.corpus or tuple(SETS),
        with_baseline=not args.no_baseline,
        notify=lambda m: print(f"  .. {m}", file=sys.stderr, flush=True),
    )
    render(results)
    if args.misses:
        for corpus, reports in results.items():
            for report in reports:
                for miss in report.misses:
                    print(f"  miss {corpus}/{report.eval_set}: {miss}")
    if args.json:
        payload = {c: [r.model_dump() for r in rs] for c, rs in results.items()}
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
