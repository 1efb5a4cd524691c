"""Precision and recall of the injury red-flag detector on the labelled message tables.

    python -m answering.red_flag_eval dev
    python -m answering.red_flag_eval --show-errors      # the dev half and its misses
    python -m answering.red_flag_eval test               # the sealed half: once, at the end

Each row is a member's message and a label: `red_flag` (a warning sign: the reply must say
to stop and see a physio or doctor) or `ordinary` (training talk that uses body words:
soreness, strength, prevention). A flagged message is a positive: precision is the share of
flagged messages that were red flags, recall the share of red flags flagged. The dev table is
free to tune on; the test table was written before any change it measures, by a session that
saw no output of the detector, and is measured once, never used to choose anything, and
never printed row by row. Lines starting with `#` are notes.

Three detectors are scored in the same run: `rules` (`safety.detect_red_flags`), `model` (the
learned head of `red_flag_model` alone, at its shipped threshold) and `combined` (what the
answerer uses). The dev run also counts false alarms on the questions of the retrieval dev sets
(`evaluation/evalsets/*.dev.jsonl`, in scope and out of scope): most are ordinary questions,
though some in-scope ones ask about pain ("my shins are killing me after runs").
`--rules-only` skips the embedding model.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from .safety import RedFlag, detect_red_flags

if TYPE_CHECKING:
    from retrieval.protocols import Embedder

Detect = Callable[[str], list[RedFlag]]
DATA_DIR = Path(__file__).resolve().parent.parent / "tests" / "answering" / "data"
# red_flags_dev2 to dev6 are the round-1 to round-5 sealed tables, each spent after one
# measurement (at 7948588, 29f33a8, 1a25f6e, 924fe12 and a01d1d2).
HALVES = {
    "dev": (
        "red_flags_dev.jsonl",
        "red_flags_dev2.jsonl",
        "red_flags_dev3.jsonl",
        "red_flags_dev4.jsonl",
        "red_flags_dev5.jsonl",
        "red_flags_dev6.jsonl",
    ),
    "test": ("red_flags_test6.jsonl",),
}
EVALSETS_DIR = Path(__file__).resolve().parent.parent / "evaluation" / "evalsets"


class Row(BaseModel):
    id: str
    text: str
    label: str  # red_flag | ordinary
    why: str = ""


@dataclass
class Score:
    half: str
    rows: int = 0
    true_pos: int = 0
    false_pos: int = 0
    false_neg: int = 0
    errors: list[tuple[Row, str]] = field(default_factory=list)  # (row, what was flagged)

    @property
    def precision(self) -> float:
        flagged = self.true_pos + self.false_pos
        return self.true_pos / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        red = self.true_pos + self.false_neg
        return self.true_pos / red if red else 1.0

    def summary(self) -> str:
        return (
            f"{self.half}: {self.rows} messages, precision {self.precision:.3f}, "
            f"recall {self.recall:.3f} (missed {self.false_neg}, false alarms {self.false_pos})"
        )


def load_rows(half: str, data_dir: Path = DATA_DIR) -> list[Row]:
    return [row for name in HALVES[half] for row in load_file(data_dir / name)]


def load_file(path: Path) -> list[Row]:
    """The rows of one table file; `#` lines are notes."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [Row(**json.loads(line)) for line in lines if line.strip() and not line.startswith("#")]


def score(half: str, rows: Sequence[Row], detect: Detect = detect_red_flags) -> Score:
    result = Score(half=half, rows=len(rows))
    for row in rows:
        flags = detect(row.text)
        flagged, red = bool(flags), row.label == "red_flag"
        result.true_pos += flagged and red
        result.false_pos += flagged and not red
        result.false_neg += red and not flagged
        if flagged != red:
            result.errors.append((row, ", ".join(f.label for f in flags)))
    return result


def detectors(embedder: Embedder | None) -> dict[str, Detect]:
    """The rules, and with an embedder the learned head alone and the combination."""
    found: dict[str, Detect] = {"rules": detect_red_flags}
    if embedder is None:
        return found
    from .red_flag_model import MODEL_LABEL, RedFlagModel

    model = RedFlagModel(embedder)

    def head_alone(text: str) -> list[RedFlag]:
        hit = model.probabilities([text])[0] >= model.head.info.threshold
        return [RedFlag(label=MODEL_LABEL, phrase="")] if hit else []

    found["model"] = head_alone
    found["combined"] = model.detect
    return found


def dev_questions(evalsets: Path = EVALSETS_DIR, kind: str = "in_scope") -> list[str]:
    """Questions of the retrieval dev sets (`in_scope` or `out_of_scope`), for false alarms."""
    questions: list[str] = []
    for path in sorted(evalsets.glob("*.dev.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                row = json.loads(line)
                if row.get("kind") == kind:
                    questions.append(row["question"])
    return questions


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # The sealed half runs only when named: a bare command must not spend it by accident.
    parser.add_argument("halves", nargs="*", help="dev, test (default: dev)")
    parser.add_argument(
        "--show-errors",
        nargs="?",
        const="dev",
        choices=["dev"],
        help="print the misses and false alarms (dev only)",
    )
    parser.add_argument(
        "--rules-only", action="store_true", help="score the rules alone (no embedding model)"
    )
    args = parser.parse_args(argv)
    unknown = set(args.halves) - set(HALVES)
    if unknown:
        parser.error(f"unknown half {', '.join(sorted(unknown))}: choose dev or test")
    embedder = None
    if not args.rules_only:
        from retrieval.embedding import SentenceTransformerEmbedder

        embedder = SentenceTransformerEmbedder()
    detect = detectors(embedder)
    if args.show_errors and "test" in args.halves:
        parser.error("--show-errors runs the dev half only; measure the sealed half on its own")
    for half in args.halves or ["dev"]:
        rows = load_rows(half)
        for name, fn in detect.items():
            print(f"{name:8s} {score(half, rows, fn).summary()}")
        if half == "dev":
            for name in HALVES["dev"]:
                table = load_file(DATA_DIR / name)
                for detector, fn in detect.items():
                    print(f"  {detector:8s} {score(name, table, fn).summary()}")
            for kind in ("in_scope", "out_of_scope"):
                questions = dev_questions(kind=kind)
                for name, fn in detect.items():
                    alarms = sum(bool(fn(q)) for q in questions)
                    print(
                        f"{name:8s} dev retrieval questions ({kind}): "
                        f"{alarms} of {len(questions)} flagged"
                    )
    if args.show_errors:
        for name, fn in detect.items():
            for row, flagged in score("dev", load_rows("dev"), fn).errors:
                what = f"flagged as {flagged}" if flagged else "missed"
                print(f"  {name}: {row.id} [{row.label}] {what}: {row.text}")


if __name__ == "__main__":
    main()
