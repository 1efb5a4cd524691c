"""Precision and recall of the citation check on the labelled grounding tables.

    python -m answering.grounding_eval            # both halves: dev (tuned on) and test (sealed)
    python -m answering.grounding_eval --show-errors dev

Each row pairs one answer sentence citing [1] with a section of `knowledge/` and a label:
`supported` (a fair paraphrase), `reversed` (negated, flipped, a changed number) or
`unsupported` (an instruction, number, condition or fact the passage doesn't give). A kept
sentence is a positive: precision is the share of kept sentences that were supported, recall
the share of supported sentences kept. The dev half is three files: the first dev table, the
first sealed table (dev once its misses were read) and the round-3 sealed table (dev from round
4, its figures seen at 59203d9). The test half is the round-4 sealed table, written before any
issue-18 change by a session that saw no system output, and never used to choose anything.
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
from .grounding import Similarity

DATA_DIR = Path(__file__).resolve().parent.parent / "tests" / "answering" / "data"
KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge"
HALVES = {
    "dev": ("grounding_dev.jsonl", "grounding_dev2.jsonl", "grounding_dev3.jsonl"),
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
    rows: list[Row] = []
    for name in HALVES[half]:
        path = data_dir / name
        if not path.is_file():
            raise SystemExit(f"{path} not found: the labelled tables ship with a source checkout")
        lines = path.read_text().splitlines()
        rows += [Row.model_validate_json(line) for line in lines if line and line[0] != "#"]
    return rows


def section_texts(knowledge_dir: Path = KNOWLEDGE_DIR) -> dict[tuple[str, str], str]:
    """(file, top heading) -> the text under it, as ingestion sections it (subsections joined)."""
    from retrieval.ingest import load_document

    texts: dict[tuple[str, str], list[str]] = {}
    for path in sorted(knowledge_dir.glob("*.md")):
        doc = load_document(path, knowledge_dir)
        for section in doc.sections:
            if not section.heading_path or not section.text.strip():
                continue
            key = (path.name, section.heading_path[0])
            texts.setdefault(key, []).append(section.text.strip())
    return {key: "\n\n".join(parts) for key, parts in texts.items()}


def evaluate(
    rows: Sequence[Row],
    passages: dict[tuple[str, str], str],
    similarity: Similarity | None,
    half: str = "",
) -> Score:
    score = Score(half=half, rows=len(rows))
    for row in rows:
        passage = passages.get((row.source, row.heading))
        if passage is None:
            raise SystemExit(f"{row.id}: no section '{row.heading}' in {row.source}")
        checked = grounding.ground_answer(row.sentence, [passage], similarity=similarity)
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
    args = parser.parse_args(argv)
    halves = args.halves or list(HALVES)
    if unknown := [h for h in halves if h not in HALVES]:
        parser.error(f"unknown half {unknown[0]!r}: choose dev or test")

    from retrieval.embedding import SentenceTransformerEmbedder

    from .similarity import SentenceSimilarity

    similarity = SentenceSimilarity(SentenceTransformerEmbedder())
    passages = section_texts()
    for half in halves:
        score = evaluate(load_rows(half), passages, similarity, half)
        if args.json:
            print(json.dumps({"half": half, "rows": score.rows, "precision": score.precision,
                              "recall": score.recall, "rejected": score.rejected}))  # fmt: skip
        else:
            print(score.summary())
        if args.show_errors:
            for row, kept, reason in score.errors:
                verdict = "KEPT" if kept else f"DROPPED ({reason})"
                print(f"  {row.id} {row.label}/{row.kind} {verdict}: {row.sentence}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
