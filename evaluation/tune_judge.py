"""Choose how the judge is used, on the DEV sets of every corpus (never the sealed ones).

    HF_HUB_OFFLINE=1 .venv/bin/python -m evaluation.tune_judge [--judge bundled] [--write]

Three of the judge's four jobs, each against today's rules in the same run (the fourth, the
LLM citation check, is tuned by `python -m answering.grounding_eval --sweep dev`):

- rerank: the top 10 candidates get `w * (answers + t * touches)` added to their fused score
  (w = 100 is "replace": the judge alone orders them); chosen by mean R@1 over the four
  corpora, then MRR;
- abstention: the judge's signal blended with the calibrated rule position (share s), bands
  chosen pooled over every corpus as `tune_abstention` does (at most `--max-refused` of the
  in-scope questions refused, caveat edge with at most 10 % of them caveated); chosen by the
  fewest out-of-scope questions answered with no caveat, then the most refused;
- the extractive answer's first sentence: on the dev sets with `answer_contains`, how often
  the first sentence (first two, anywhere) carries the answer, for each way of reading the
  candidate sentences (window of next sentences, touches weight, keep ratio).

The judge's verdicts are cached per (question, passage), so each grid point costs only the
rule-based search. `--write` saves the abstention choice to `retrieval/data/abstention.json`;
rerank weights and extractive constants are code (`SearchConfig`, `answering/extractive.py`)
and are edited by hand from the printed table.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evaluation.harness import (
    EVALSETS,
    heading_matcher,
    load_eval_set,
    rank_with_retriever,
    score_system,
)
from evaluation.models import EvalItem, Ranked
from evaluation.suite import REPO_KNOWLEDGE, SETS, corpus_folder
from retrieval.judge.models import Judge, Relevance
from retrieval.search.abstention import (
    POLICY_PATH,
    AbstentionPolicy,
    choose_bands,
    load_policy,
    save_policy,
)

WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 100.0)
TOUCHES = (0.0, 0.5)
DEPTHS = (5, 10)  # fewer passages judged per question: cheaper, if recall holds
SHARES = (0.0, 0.3, 0.5, 0.7, 0.85, 1.0)  # 0: the rules' own blend and bands
SIGNAL_TOUCHES = (0.0, 0.25, 0.5, 1.0)
WINDOWS = (0,)  # only read for a sentence the judge cannot read inside its passage
KEEP_RATIOS = (0.5, 0.8)
RANK_PRIORS = (0.0, 0.1, 0.2)
RULES_SHARES = (0.0, 0.25, 0.5, 1.0)
MAX_CAVEAT = 0.10


class CachedJudge:
    """A judge whose verdicts are remembered per (question, passage)."""

    def __init__(self, judge: Judge) -> None:
        self.judge = judge
        self.name = judge.name
        self._relevance: dict[tuple[str, str], Relevance] = {}

    def relevance(self, question: str, passages: Sequence[str]) -> list[Relevance]:
        missing = [p for p in dict.fromkeys(passages) if (question, p) not in self._relevance]
        if missing:
            found = self.judge.relevance(question, missing)
            self._relevance.update(((question, p), v) for p, v in zip(missing, found, strict=True))
        return [self._relevance[(question, p)] for p in passages]

    def support(self, pairs):
        return self.judge.support(pairs)

    def __getattr__(self, name: str) -> Any:
        # Anything else the judge offers (e.g. `span_relevance`), uncached.
        return getattr(self.judge, name)


class CachedEmbedder:
    """Embeddings remembered per text: every grid point searches the same questions again."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name = getattr(inner, "name", type(inner).__name__)
        self._cache: dict[str, Any] = {}

    def embed(self, texts: Sequence[str]):
        import numpy as np

        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            self._cache.update(zip(missing, self.inner.embed(missing), strict=True))
        return np.stack([self._cache[t] for t in texts]) if texts else self.inner.embed(texts)


def _recall(
    items: Sequence[EvalItem], ranked: Sequence[Ranked]
) -> tuple[float, float, float, float]:
    s, _ = score_system("x", items, ranked, heading_matcher)
    return s.recall_at_1, s.recall_at_3, s.recall_at_5, s.mrr


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judge", default="bundled")
    parser.add_argument("--max-refused", type=float, default=0.02)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--corpus", action="append", choices=tuple(SETS))
    parser.add_argument(
        "--recent", action="store_true", help="only the round-3 and round-4 dev sets (faster)"
    )
    parser.add_argument(
        "--scratch", type=Path, help="keep the indexes here between runs (default: a temp dir)"
    )
    args = parser.parse_args(argv)

    from answering import extractive
    from retrieval.embedding import SentenceTransformerEmbedder
    from retrieval.judge import make_judge
    from retrieval.live_index import open_retriever
    from retrieval.search.hybrid import HybridRetriever, SearchConfig

    judge = make_judge(args.judge)
    if judge is None:
        parser.error("--judge off: nothing to tune")
    cached = CachedJudge(judge)
    embedder = CachedEmbedder(SentenceTransformerEmbedder())
    say = lambda m: print(m, flush=True)  # noqa: E731
    corpora = args.corpus or list(SETS)
    used_sets: list[str] = []
    data: dict[str, tuple[HybridRetriever, HybridRetriever, list[EvalItem]]] = {}
    scratch_dir = tempfile.TemporaryDirectory(prefix="coach-tune-judge-")
    scratch = args.scratch or Path(scratch_dir.name)
    for corpus in corpora:
        folder, _ = corpus_folder(corpus, REPO_KNOWLEDGE, scratch)
        print(f"  .. indexing {corpus}", file=sys.stderr, flush=True)
        off = open_retriever(folder, scratch / f"index-{corpus}", embedder)
        on = HybridRetriever(off.store, off.data_dir, embedder, judge=cached)
        names = [n for n in SETS[corpus].dev if not args.recent or "-r3." in n or "-r4." in n]
        items = [i for name in names for i in load_eval_set(EVALSETS / name)]
        used_sets.extend(f"{corpus}:{name}" for name in names)
        data[corpus] = (off, on, items)

    # -- rerank -----------------------------------------------------------------------------
    say("\n## rerank (dev, per corpus R@1 / R@3 / R@5 / MRR; mean R@1)")
    rules = {c: _recall(items, rank_with_retriever(off, items, answers=False))
             for c, (off, _, items) in data.items()}  # fmt: skip
    say(_row("rules (judge off)", rules))
    best: tuple[tuple[float, float, int], float, float, int] | None = None
    for depth, weight, touches in itertools.product(DEPTHS[::-1], WEIGHTS, TOUCHES):
        found = {}
        for c, (_, on, items) in data.items():
            on.config = SearchConfig(judge_depth=depth, judge_weight=weight, judge_touches=touches)
            found[c] = _recall(items, rank_with_retriever(on, items, answers=False))
        say(_row(f"judge depth={depth} w={weight} touches={touches}", found))
        key = (
            round(statistics.mean(v[0] for v in found.values()), 4),
            round(statistics.mean(v[3] for v in found.values()), 4),
            -depth,  # a tie goes to the cheaper depth
        )
        if best is None or key > best[0]:
            best = (key, weight, touches, depth)
    assert best is not None
    _, weight, touches, depth = best
    say(f"chosen: judge_depth={depth} judge_weight={weight} judge_touches={touches}")
    for _, on, _ in data.values():
        on.config = SearchConfig(judge_depth=depth, judge_weight=weight, judge_touches=touches)

    # -- abstention -------------------------------------------------------------------------
    say("\n## abstention (dev, pooled over corpora)")
    shipped = load_policy()
    rows_off: list[tuple[bool, float, tuple[float, float]]] = []
    judged: list[tuple[bool, object, object]] = []
    for off, on, items in data.values():
        cal = off.calibration()
        for item in items:
            ins = item.kind == "in_scope"
            ev_off = off.search_with_evidence(item.question, 5, decide=False)[1]
            rows_off.append((ins, shipped.confidence(ev_off, cal), shipped.bands(ev_off)))
            ev_on = on.search_with_evidence(item.question, 5, decide=False)[1]
            judged.append((ins, ev_on, cal))
    say(_abstention_row("rules (shipped bands)", [(i, v, b[0], b[1]) for i, v, b in rows_off]))
    choice: tuple[tuple[int, int], AbstentionPolicy] | None = None
    for share, signal_touches in itertools.product(SHARES, SIGNAL_TOUCHES):
        base = shipped.model_copy(update={"judge_share": share, "judge_touches": signal_touches})
        values = [(ins, base.confidence(ev, cal)) for ins, ev, cal in judged]  # type: ignore[arg-type]
        ins_v = [v for i, v in values if i]
        if share > 0:
            bands = choose_bands(
                ins_v, [v for i, v in values if not i], max_refused=args.max_refused
            )
            refuse, direct = bands.refuse_below, _caveat_edge(ins_v, bands.refuse_below)
        else:  # the rules as shipped, on the judged ranking
            refuse, direct = shipped.refuse_below, shipped.direct_from
        row = [(i, v, refuse, direct) for i, v in values]
        say(
            _abstention_row(
                f"judge share={share} touches={signal_touches} "
                f"refuse<{refuse:.3f} caveat<{direct:.3f}",
                row,
            )
        )
        bare_out = sum(1 for i, v, _, d in row if not i and v >= d)
        refused_out = sum(1 for i, v, r, _ in row if not i and v < r)
        scored = (-bare_out, refused_out)
        if choice is None or scored > choice[0]:
            policy = base.model_copy(
                update={
                    "judge_refuse_below": round(refuse, 4),
                    "judge_direct_from": round(direct, 4),
                }
            )
            choice = (scored, policy)
    assert choice is not None
    policy = choice[1]
    say(
        f"chosen: judge_share={policy.judge_share} judge_touches={policy.judge_touches} "
        f"refuse below {policy.judge_refuse_below} caveat below {policy.judge_direct_from}"
    )

    # -- the extractive answer's first sentence ----------------------------------------------
    say("\n## extractive first sentence (dev sets with answer_contains: 1st / 1st two / anywhere)")
    for _off, on, _ in data.values():
        on.policy = policy
    answerable = {c: [i for i in items if i.answer_contains and i.kind == "in_scope"]
                  for c, (_, _, items) in data.items()}  # fmt: skip
    say(_answer_row("rules (judge off)", {c: _answers(data[c][0], answerable[c]) for c in data}))
    # The judged retrieval with today's sentence choice: which job the gain comes from.
    off_compose = {c: _answers(data[c][1], answerable[c], judged_compose=False) for c in data}
    say(_answer_row("judged retrieval, rules' sentences", off_compose))
    knobs = ("JUDGE_WINDOW", "JUDGE_TOUCHES", "JUDGE_KEEP_RATIO", "JUDGE_RANK_PRIOR",
             "JUDGE_RULES_SHARE")  # fmt: skip
    saved = {name: getattr(extractive, name) for name in knobs}
    grid = itertools.product(WINDOWS, (0.0, 0.5), KEEP_RATIOS, RANK_PRIORS, RULES_SHARES)
    for point in grid:
        for name, value in zip(knobs, point, strict=True):
            setattr(extractive, name, value)
        answered = {c: _answers(data[c][1], answerable[c]) for c in data}
        label = " ".join(
            f"{n.removeprefix('JUDGE_').lower()}={v}" for n, v in zip(knobs, point, strict=True)
        )
        say(_answer_row(f"judge {label}", answered))
    for name, value in saved.items():
        setattr(extractive, name, value)

    if args.write:
        used = ", ".join(used_sets)
        policy = policy.model_copy(
            update={
                "chosen_on": shipped.chosen_on
                + f"; judge blend and bands: dev sets only ({used}), pooled, by "
                "`python -m evaluation.tune_judge`: at most "
                f"{args.max_refused:.0%} of in-scope dev questions refused, caveat edge with at "
                f"most {MAX_CAVEAT:.0%} caveated, fewest out-of-scope answered with no caveat"
            }
        )
        save_policy(policy, POLICY_PATH)
        say(f"wrote {POLICY_PATH}")
    scratch_dir.cleanup()
    return 0


def _caveat_edge(in_scope: Sequence[float], refuse: float) -> float:
    """The highest caveat edge with at most MAX_CAVEAT of the in-scope questions caveated."""
    kept = sorted(v for v in in_scope if v >= refuse)
    if not kept:
        return refuse
    allowed = int(MAX_CAVEAT * len(in_scope))
    return max(refuse, kept[allowed] if allowed < len(kept) else kept[-1])


def _answers(
    retriever, items: Sequence[EvalItem], *, judged_compose: bool = True
) -> tuple[float, float, float, int]:
    judge = retriever.judge
    if not judged_compose:
        retriever.judge = None  # the search below is already judged: rank_with_retriever ran it
    try:
        ranked = _rank_then_answer(retriever, items, judge)
    finally:
        retriever.judge = judge
    s, _ = score_system("x", items, ranked, heading_matcher)
    return s.first_sentence or 0.0, s.first_two or 0.0, s.anywhere or 0.0, s.answers_judged


def _rank_then_answer(retriever, items: Sequence[EvalItem], judge) -> list[Ranked]:
    """Search with the judge (when `judge`), answer with whatever judge the retriever has now."""
    from evaluation.harness import render_answer

    out = []
    for item in items:
        answering = retriever.judge
        retriever.judge = judge
        result, evidence = retriever.search_with_evidence(item.question, 5)
        retriever.judge = answering
        out.append(
            Ranked(
                passages=[(h.source, h.heading, h.text) for h in result.hits],
                abstained=result.abstained,
                evidence=evidence,
                answer=render_answer(retriever, item.question, result),
            )
        )
    return out


def _row(name: str, found: dict[str, tuple[float, float, float, float]]) -> str:
    cells = " | ".join(f"{c} {v[0]:.3f}/{v[1]:.3f}/{v[2]:.3f}/{v[3]:.3f}" for c, v in found.items())
    mean = statistics.mean(v[0] for v in found.values())
    return f"| {name} | {cells} | mean R@1 {mean:.3f} |"


def _answer_row(name: str, found: dict[str, tuple[float, float, float, int]]) -> str:
    cells = " | ".join(
        f"{c} {v[0]:.3f}/{v[1]:.3f}/{v[2]:.3f} (n={v[3]})" for c, v in found.items() if v[3]
    )
    pooled_n = sum(v[3] for v in found.values()) or 1
    pooled = sum(v[0] * v[3] for v in found.values()) / pooled_n
    return f"| {name} | {cells} | pooled 1st {pooled:.3f} |"


def _abstention_row(name: str, rows: Sequence[tuple[bool, float, float, float]]) -> str:
    n_in = sum(1 for r in rows if r[0])
    n_out = len(rows) - n_in
    refused_in = sum(1 for i, v, r, _ in rows if i and v < r)
    caveat_in = sum(1 for i, v, r, d in rows if i and r <= v < d)
    refused_out = sum(1 for i, v, r, _ in rows if not i and v < r)
    bare_out = sum(1 for i, v, _, d in rows if not i and v >= d)
    return (
        f"| {name} | in refused {refused_in}/{n_in} | in caveat {caveat_in}/{n_in} "
        f"| out refused {refused_out}/{n_out} | out answered no caveat {bare_out}/{n_out} |"
    )


if __name__ == "__main__":
    raise SystemExit(main())
