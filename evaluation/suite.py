"""Every corpus with its own questions: dev sets to tune on, sealed test sets to report.

    HF_HUB_OFFLINE=1 .venv/bin/python -m evaluation.suite --split dev [--corpus seedlike]
        [--judge bundled|off|both|PATH]

`--judge both` (the default) scores Club Coach with the judge and with it off, and the naive
baseline, in the same run.

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
            "knowledge-r4sealed.dev.jsonl",
            "knowledge-r5sealed.dev.jsonl",
            "knowledge-r6sealed.dev.jsonl",
            "knowledge-r7sealed.dev.jsonl",
            "knowledge-r8sealed.dev.jsonl",
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
            "seedlike-r4sealed.dev.jsonl",
            "seedlike-r5sealed.dev.jsonl",
            "seedlike-r6sealed.dev.jsonl",
            "seedlike-r7sealed.dev.jsonl",
            "seedlike-r8sealed.dev.jsonl",
        ),
        test="seedlike.test.jsonl",
    ),
    # Another club's pasted pages (.md, .txt, .html), on subtopics our guides mostly don't cover.
    "clubpages": CorpusSets(
        dev=(
            "clubpages.dev.jsonl",
            "clubpages-r3.dev.jsonl",
            "clubpages-r4.dev.jsonl",
            "clubpages-r4sealed.dev.jsonl",
            "clubpages-r5sealed.dev.jsonl",
            "clubpages-r6sealed.dev.jsonl",
            "clubpages-r7sealed.dev.jsonl",
            "clubpages-r8sealed.dev.jsonl",
        ),
        test="clubpages.test.jsonl",
    ),
    # The messy corpus is a cluttered copy of knowledge/: knowledge's questions are dev for it.
    "messy": CorpusSets(
        dev=(
            "knowledge-public.dev.jsonl",
            "messy-r1.dev.jsonl",
            "messy-r2.dev.jsonl",
            "messy-r3.dev.jsonl",
            "messy-r4.dev.jsonl",
            "messy-r4sealed.dev.jsonl",
            "messy-r5sealed.dev.jsonl",
            "messy-r6sealed.dev.jsonl",
            "messy-r7sealed.dev.jsonl",
            "messy-r8sealed.dev.jsonl",
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
    judge=None,
    compare_judge_off: bool = False,
) -> dict[str, list[EvalReport]]:
    """`judge`: the judge Club Coach runs with (None: off); `compare_judge_off` also scores the
    same index without it, in the same run."""
    from evaluation.baseline import NaiveBaseline
    from evaluation.harness import expected_sections
    from retrieval.live_index import open_retriever
    from retrieval.search.hybrid import HybridRetriever

    out: dict[str, list[EvalReport]] = {}
    with tempfile.TemporaryDirectory(prefix="coach-suite-") as tmp:
        scratch = Path(tmp)
        for corpus in corpora:
            folder, reference = corpus_folder(corpus, knowledge_dir, scratch)
            notify(f"indexing {corpus} ({folder})")
            retriever = open_retriever(folder, scratch / f"index-{corpus}", embedder, judge=judge)
            judge_off = None
            if compare_judge_off and judge is not None:
                judge_off = HybridRetriever(retriever.store, retriever.data_dir, embedder)
            baseline = (
                NaiveBaseline(folder, embedder, scratch / f"baseline-{corpus}")
                if with_baseline
                else None
            )
            sections = expected_sections(reference)
            reports = []
            for name in set_names(corpus, split):
                items = load_eval_set(EVALSETS / name)
                reports.append(
                    run_eval(
                        retriever, baseline, items, sections, eval_set=name, judge_off=judge_off
                    )
                )
            out[corpus] = reports
    return out


def render(results: dict[str, list[EvalReport]], write: Callable[[str], None] = print) -> None:
    """One row per corpus, set and system. "Answered, no caveat" counts out-of-scope questions
    answered as if covered; "1st sentence" etc. count in-scope questions with
    `answer_contains` whose answer carries a phrase there (of n)."""
    write(
        "| corpus | set | system | R@1 | R@3 | R@5 | MRR | answerable refused "
        "| answerable caveat | out-of-scope refused | out-of-scope answered, no caveat "
        "| 1st sentence | 1st two | anywhere | n |"
    )
    write("|" + " --- |" * 15)
    for corpus, reports in results.items():
        for report in reports:
            for s in report.systems:
                n_in, n_out = report.in_scope, report.out_of_scope
                refused_in = round(s.wrong_abstain_rate * n_in)
                refused_out = round(s.abstain_recall * n_out)
                caveat_in = round(s.partial_in_scope * n_in)
                caveat_out = round(s.partial_out_of_scope * n_out)
                bare_out = n_out - refused_out - caveat_out
                name = s.name if s.name != "club-coach" else f"club-coach (judge: {report.judge})"
                answers = " | ".join(
                    "" if v is None else f"{v:.3f}"
                    for v in (s.first_sentence, s.first_two, s.anywhere)
                )
                write(
                    f"| {corpus} | {report.eval_set} | {name} | {s.recall_at_1:.3f} | "
                    f"{s.recall_at_3:.3f} | {s.recall_at_5:.3f} | {s.mrr:.3f} | "
                    f"{refused_in}/{n_in} | {caveat_in}/{n_in} | {refused_out}/{n_out} | "
                    f"{bare_out}/{n_out} | {answers} | {s.answers_judged} |"
                )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test"), required=True)
    parser.add_argument("--corpus", action="append", choices=tuple(SETS))
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--misses", action="store_true", help="list Club Coach's misses")
    parser.add_argument("--json", type=Path, help="also write the reports as JSON here")
    parser.add_argument(
        "--judge",
        default="both",
        help="bundled, off, both (bundled and off in the same run; default) or a model folder",
    )
    args = parser.parse_args(argv)
    from retrieval.embedding import SentenceTransformerEmbedder
    from retrieval.judge import make_judge

    choice = "bundled" if args.judge == "both" else args.judge
    results = run_suite(
        SentenceTransformerEmbedder(),
        judge=make_judge(choice),
        compare_judge_off=args.judge == "both",
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
