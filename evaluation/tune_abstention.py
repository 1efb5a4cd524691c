"""Choose the abstention blend and bands on the DEV sets of every corpus (never the sealed ones).

    HF_HUB_OFFLINE=1 .venv/bin/python -m evaluation.tune_abstention [--write]

Each corpus is indexed and calibrated on itself (retrieval/search/abstention.py); every dev
question's evidence is placed on its own index's scale for each candidate blend of passage
similarity, best-sentence similarity and answered words. The blend that refuses the most
out-of-scope dev questions, pooled over the corpora, while refusing at most `--max-refused` of
the in-scope ones, wins. Then the caveat band's upper edge (`direct_from`) is chosen on the same
dev positions: the highest edge at which at most `--max-caveat` (10 %) of the in-scope dev
questions, pooled, fall in the caveat band. Out-of-scope questions caught by refuse-or-caveat
only grow with the edge, so this is also the edge that catches the most of them within that
budget; 10 % because a caveat on a covered question costs a member a hedge they did not need,
and one in ten is the most we accept for it (round 2's fixed 0.5 gave 12/44 and 11/38 on the
sealed sets).
`--write` saves the result to `retrieval/data/abstention.json`.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from evaluation.harness import EVALSETS, load_eval_set
from evaluation.suite import REPO_KNOWLEDGE, SETS, corpus_folder
from retrieval.search.abstention import (
    POLICY_PATH,
    AbstentionPolicy,
    Calibration,
    Evidence,
    choose_bands,
    save_policy,
)

DENSE_SHARES = (0.3, 0.5, 0.7)
SENTENCE_SHARES = (0.0, 0.3, 0.4, 0.5, 0.6)
ANSWERED_SHARES = (0.0, 0.1, 0.2, 0.3)

Labelled = list[tuple[bool, Evidence]]


def collect(embedder, scratch: Path) -> dict[str, tuple[Calibration, Labelled]]:
    from retrieval.live_index import open_retriever

    out: dict[str, tuple[Calibration, Labelled]] = {}
    for corpus, sets in SETS.items():
        folder, _ = corpus_folder(corpus, REPO_KNOWLEDGE, scratch)
        retriever = open_retriever(folder, scratch / f"index-{corpus}", embedder)
        calibration = retriever.calibration()
        rows: Labelled = []
        for name in sets.dev:
            for item in load_eval_set(EVALSETS / name):
                evidence = retriever.search_with_evidence(item.question, 5, decide=False)[1]
                rows.append((item.kind == "in_scope", evidence))
        out[corpus] = (calibration, rows)
    return out


def choose(
    data: dict[str, tuple[Calibration, Labelled]], max_refused: float
) -> tuple[AbstentionPolicy, dict[str, str]]:
    best: tuple[float, AbstentionPolicy, dict[str, str]] | None = None
    for dense, sentence, answered in itertools.product(
        DENSE_SHARES, SENTENCE_SHARES, ANSWERED_SHARES
    ):
        base = AbstentionPolicy(dense_share=dense, sentence_share=sentence, answered_share=answered)
        scored = {
            c: [(ins, base.confidence(e, cal)) for ins, e in rows]
            for c, (cal, rows) in data.items()
        }
        pooled = [p for rows in scored.values() for p in rows]
        policy = choose_bands(
            [p for ins, p in pooled if ins],
            [p for ins, p in pooled if not ins],
            max_refused=max_refused,
            base=base,
        )
        cut = policy.refuse_below
        caught = sum(p < cut for ins, p in pooled if not ins)
        if best is None or caught > best[0]:
            detail = {
                c: f"in-scope refused {sum(p < cut for i, p in rows if i)}/"
                f"{sum(i for i, _ in rows)}, out-of-scope refused "
                f"{sum(p < cut for i, p in rows if not i)}/{sum(not i for i, _ in rows)}"
                for c, rows in scored.items()
            }
            best = (caught, policy, detail)
    assert best is not None
    return best[1], best[2]


def choose_direct_from(
    data: dict[str, tuple[Calibration, Labelled]], policy: AbstentionPolicy, max_caveat: float
) -> float:
    """The highest caveat edge that puts at most `max_caveat` of in-scope dev questions in the
    caveat band (halfway between the last one allowed in and the first kept out)."""
    cut = policy.refuse_below
    inside = [policy.confidence(e, cal) for cal, rows in data.values() for ins, e in rows if ins]
    above = sorted(p for p in inside if p >= cut)
    allowed = int(max_caveat * len(inside))
    if allowed == 0 or not above:
        return cut
    if allowed >= len(above):
        return round(above[-1] + 0.01, 4)
    low = above[allowed - 1]
    return round(max(cut, (low + above[allowed]) / 2), 4)


def band_figures(
    data: dict[str, tuple[Calibration, Labelled]], policy: AbstentionPolicy
) -> dict[str, str]:
    """Per corpus: in-scope dev questions refused / caveated, out-of-scope refused / caveated."""
    out: dict[str, str] = {}
    for corpus, (cal, rows) in data.items():
        ins = [policy.support(e, cal) for i, e in rows if i]
        outs = [policy.support(e, cal) for i, e in rows if not i]
        out[corpus] = (
            f"in-scope {len(ins)}: refused {ins.count('none')}, caveat {ins.count('partial')}; "
            f"out-of-scope {len(outs)}: refused {outs.count('none')}, "
            f"caveat {outs.count('partial')}, answered {outs.count('direct')}"
        )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-refused", type=float, default=0.02)
    parser.add_argument("--max-caveat", type=float, default=0.10)
    parser.add_argument("--write", action="store_true", help=f"save to {POLICY_PATH}")
    args = parser.parse_args(argv)
    from retrieval.embedding import SentenceTransformerEmbedder

    with tempfile.TemporaryDirectory(prefix="coach-tune-") as tmp:
        data = collect(SentenceTransformerEmbedder(), Path(tmp))
    policy, detail = choose(data, args.max_refused)
    before, was = band_figures(data, policy), policy.direct_from
    edge = choose_direct_from(data, policy, args.max_caveat)
    policy = policy.model_copy(update={"direct_from": edge})
    after = band_figures(data, policy)
    sets = ", ".join(n for s in SETS.values() for n in s.dev)
    policy = policy.model_copy(
        update={
            "chosen_on": f"dev sets only ({sets}), pooled over every corpus by "
            f"`python -m evaluation.tune_abstention`: at most {args.max_refused:.0%} of "
            "in-scope dev questions refused, as many out-of-scope ones as possible; caveat "
            f"edge: the highest with at most {args.max_caveat:.0%} of in-scope dev questions "
            "caveated"
        }
    )
    print(policy.model_dump_json(indent=2))
    for corpus, line in detail.items():
        print(f"  {corpus}: {line}", file=sys.stderr)
    print(f"caveat edge {edge} (was {was}):", file=sys.stderr)
    for corpus in data:
        print(f"  {corpus} before: {before[corpus]}", file=sys.stderr)
        print(f"  {corpus} after:  {after[corpus]}", file=sys.stderr)
    if args.write:
        save_policy(policy, POLICY_PATH)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
