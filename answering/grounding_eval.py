"""Precision and recall of the citation check on the labelled grounding tables.

    python -m answering.grounding_eval            # both halves: dev (tuned on) and test (sealed)
    python -m answering.grounding_eval --show-errors dev
    python -m answering.grounding_eval --judge off dev   # the rules alone (default: bundled,
                                                         # scored beside the rules in one run)
    python -m answering.grounding_eval --sweep dev       # judge thresholds on the dev half

Each row pairs one answer sentence citing [1] with a section of `knowledge/` and a label:
`supported` (a fair paraphrase), `reversed` (negated, flipped, a changed number) or
`unsupported` (an instruction, number, condition or fact the passage doesn't give). A kept
sentence is a positive: precision is the share of kept sentences that were supported, recall
the share of supported sentences kept. The dev half is four files: the first dev table, the
first sealed table (dev once its misses were read), the round-3 sealed table (dev from round
4, its figures seen at 59203d9) and the round-4 sealed table (dev from round 5, measured at
4658099). The test half is the round-5 sealed table, written before any round-5 judge change by
a session that saw no system output, and never used to choose anything.
Lines starting with `#` are notes (when a table was written, what it may be used for).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from . import grounding
from .grounding import GroundingPolicy
from .similarity import Similarity

DATA_DIR = Path(__file__).resolve().parent.parent / "tests" / "answering" / "data"
KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge"
HALVES = {
    "dev": (
        "grounding_dev.jsonl",
        "grounding_dev2.jsonl",
        "grounding_dev3.jsonl",
        "grounding_dev4.jsonl",
        "grounding_dev5.jsonl",
        "grounding_dev6.jsonl",
        "grounding_dev7.jsonl",
        "grounding_dev8.jsonl",
    ),
    "test": ("grounding_test.jsonl",),
}


class Row(BaseModel):
    id: str
    source: str
    heading: str
    sentence: str
    label: str  # supported | reversed | unsupported
    kind: str = ""


@dataclass
class Score:
    half: str
    rows: int = 0
    true_pos: int = 0
    false_pos: int = 0
    false_neg: int = 0
    rejected: dict[str, list[int]] = field(default_factory=dict)  # label -> [rejected, total]
    errors: list[tuple[Row, bool, str]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        kept = self.true_pos + self.false_pos
        return self.true_pos / kept if kept else 1.0

    @property
    def recall(self) -> float:
        supported = self.true_pos + self.false_neg
        return self.true_pos / supported if supported else 1.0

    def summary(self) -> str:
        parts = [
            f"{self.half}: {self.rows} sentences, precision {self.precision:.3f}, "
            f"recall {self.recall:.3f}"
        ]
        for label, (rejected, total) in sorted(self.rejected.items()):
            parts.append(f"{label} rejected {rejected}/{total}")
        return "; ".join(parts)


def load_rows(half: str, data_dir: Path = DATA_DIR) -> list[Row]:
    return load_tables(HALVES[half], data_dir)


def load_tables(names: Sequence[str], data_dir: Path = DATA_DIR) -> list[Row]:
    """The labelled rows of the named tables, in order (`#` lines are comments)."""
    rows: list[Row] = []
    for name in names:
        path = data_dir / name
        if not path.is_file():
            raise SystemExit(f"{path} not found: the labelled tables ship with a source checkout")
        lines = path.read_text().splitlines()
        rows += [Row.model_validate_json(line) for line in lines if line and line[0] != "#"]
    return rows


def section_texts(knowledge_dir: Path = KNOWLEDGE_DIR) -> dict[tuple[str, str], str]:
    """(file, top heading) -> the text under it, as ingestion sections it (subsections joined)."""
    return {key: text for key, (_, text) in titled_sections(knowledge_dir).items()}


def titled_sections(knowledge_dir: Path = KNOWLEDGE_DIR) -> dict[tuple[str, str], tuple[str, str]]:
    """(file, top heading) -> (article title, the text under it)."""
    from retrieval.ingest.pipeline import load_document

    texts: dict[tuple[str, str], tuple[str, list[str]]] = {}
    for path in sorted(knowledge_dir.glob("*.md")):
        doc = load_document(path, knowledge_dir)
        for section in doc.sections:
            if not section.heading_path or not section.text.strip():
                continue
            key = (path.name, section.heading_path[0])
            texts.setdefault(key, (doc.title, []))[1].append(section.text.strip())
    return {key: (title, "\n\n".join(parts)) for key, (title, parts) in texts.items()}


def evaluate(
    rows: Sequence[Row],
    passages: dict[tuple[str, str], str],
    similarity: Similarity | None,
    half: str = "",
    *,
    judge=None,
    policy: GroundingPolicy | None = None,
    titles: dict[tuple[str, str], str] | None = None,
) -> Score:
    """Score the check on labelled rows: the rules alone, or with `judge` under `policy`."""
    from retrieval.models import passage_for_judge

    score = Score(half=half, rows=len(rows))
    for row in rows:
        passage = passages.get((row.source, row.heading))
        if passage is None:
            raise SystemExit(f"{row.id}: no section '{row.heading}' in {row.source}")
        title = (titles or {}).get((row.source, row.heading), "")
        checked = grounding.ground_answer(
            row.sentence,
            [passage],
            similarity=similarity,
            policy=policy or GroundingPolicy(),
            judge=judge,
            judge_passages=[passage_for_judge(title, row.heading, passage)],
        )
        kept = checked.kept_cited == 1
        reason = checked.dropped[0].reason if checked.dropped else ""
        supported = row.label == "supported"
        if kept and supported:
            score.true_pos += 1
        elif kept:
            score.false_pos += 1
        elif supported:
            score.false_neg += 1
        tally = score.rejected.setdefault(row.label, [0, 0])
        tally[0] += not kept
        tally[1] += 1
        if kept != supported:
            score.errors.append((row, kept, reason))
    return score


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("halves", nargs="*", help="dev, test (default: both)")
    parser.add_argument("--show-errors", action="store_true", help="list misjudged sentences")
    parser.add_argument("--json", action="store_true", help="one JSON line per half")
    parser.add_argument(
        "--judge", default="bundled", help="bundled (default), off, or a model folder"
    )
    parser.add_argument(
        "--sweep", action="store_true", help="judge thresholds on the dev half (tuning only)"
    )
    args = parser.parse_args(argv)
    halves = args.halves or list(HALVES)
    if unknown := [h for h in halves if h not in HALVES]:
        parser.error(f"unknown half {unknown[0]!r}: choose dev or test")
    if args.sweep and halves != ["dev"]:
        parser.error("--sweep tunes: run it on the dev half only")

    from retrieval.embedding import SentenceTransformerEmbedder
    from retrieval.judge import make_judge

    from .similarity import SentenceSimilarity

    similarity = SentenceSimilarity(SentenceTransformerEmbedder())
    sections = titled_sections()
    passages = {key: text for key, (_, text) in sections.items()}
    titles = {key: title for key, (title, _) in sections.items()}
    judge = make_judge(args.judge)
    # The rules alone, then (in the same run) the shipped policy with the judge.
    systems: list[tuple[str, object, GroundingPolicy]] = [("rules", None, GroundingPolicy())]
    if judge is not None:
        systems.append((f"judge ({judge.name})", _Cached(judge), GroundingPolicy()))
    for half in halves:
        rows = load_rows(half)
        for name, used, policy in systems:
            score = evaluate(
                rows, passages, similarity, half, judge=used, policy=policy, titles=titles
            )
            _print(score, name, args.json, args.show_errors)
        if args.sweep and judge is not None:
            cached = systems[1][1]
            for keep, drop, words in _grid():
                policy = GroundingPolicy(judge_keep=keep, judge_drop=drop, judge_words=words)
                score = evaluate(
                    rows, passages, similarity, half, judge=cached, policy=policy, titles=titles
                )
                name = f"sweep keep>={keep} drop>={drop} words>={words}"
                _print(score, name, args.json, False)
    return 0


def _grid() -> list[tuple[float, float, float]]:
    """judge_keep x judge_drop x judge_words; 2.0 turns a side off (replace: keep = 1 - drop)."""
    keeps = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 2.0)
    drops = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 2.0)
    words = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 2.0)
    return [(k, d, w) for k in keeps for d in drops for w in words if w < k or w == 2.0]


def _print(score: Score, name: str, as_json: bool, show_errors: bool) -> None:
    if as_json:
        print(json.dumps({"half": score.half, "system": name, "rows": score.rows,
                          "precision": score.precision, "recall": score.recall,
                          "rejected": score.rejected}))  # fmt: skip
    else:
        print(f"[{name}] {score.summary()}")
    if show_errors:
        for row, kept, reason in score.errors:
            verdict = "KEPT" if kept else f"DROPPED ({reason})"
            print(f"  {row.id} {row.label}/{row.kind} {verdict}: {row.sentence}")


class _Cached:
    """The judge with its verdicts remembered: a sweep asks the same pairs many times."""

    def __init__(self, judge) -> None:
        self.judge = judge
        self.name = judge.name
        self._support: dict[tuple[str, str], object] = {}

    def relevance(self, question, passages):
        return self.judge.relevance(question, passages)

    def support(self, pairs):
        missing = [p for p in dict.fromkeys(pairs) if p not in self._support]
        if missing:
            self._support.update(zip(missing, self.judge.support(missing), strict=True))
        return [self._support[p] for p in pairs]


if __name__ == "__main__":
    raise SystemExit(main())
