"""Prove the judge's training text shares no run of 8 words with any eval text.

Compared against: `knowledge/`, `evaluation/corpora/*`, `evaluation/evalsets/*.jsonl` and
`tests/answering/data/*.jsonl` (sealed sets included: they are read only to compare, and nothing
of their content is printed, only counts). Prints each offending TRAINING line and exits 1 on any
overlap.

    python -m training.judge.check_disjoint
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TRAINING = Path(__file__).resolve().parent
RUN = 8
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_TRAINING_SUFFIXES = {".md", ".txt", ".html", ".htm", ".jsonl"}
# Markup is not text: "a href privacy" runs of two web pages' tags are no shared writing.
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Overlap:
    file: str
    line: int
    text: str


def protected_files(repo: Path = REPO) -> list[Path]:
    """Every eval text the training data must not share: knowledge, corpora, eval sets."""
    files = [p for p in (repo / "knowledge").rglob("*") if p.is_file()]
    files += [p for p in (repo / "evaluation" / "corpora").rglob("*") if p.is_file()]
    files += sorted((repo / "evaluation" / "evalsets").glob("*.jsonl"))
    files += sorted((repo / "tests" / "answering" / "data").glob("*.jsonl"))
    return sorted(files)


def training_files(root: Path = TRAINING) -> list[Path]:
    return sorted(
        p
        for sub in ("articles", "items")
        for p in (root / sub).rglob("*")
        if p.is_file() and p.suffix in _TRAINING_SUFFIXES
    )


def runs(text: str) -> Iterator[tuple[str, ...]]:
    words = _WORD.findall(_TAG.sub(" ", text).lower().replace("’", "'"))
    for i in range(len(words) - RUN + 1):
        yield tuple(words[i : i + RUN])


def protected_runs(files: Iterable[Path]) -> set[int]:
    """Hashes of every 8-word run in the protected files (the text itself is not kept)."""
    seen: set[int] = set()
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace")
        for part in _texts(path, text):
            seen.update(hash(r) for r in runs(part))
    return seen


def find_overlaps(
    train: Iterable[Path] | None = None, protected: Iterable[Path] | None = None
) -> tuple[list[Overlap], int, int]:
    """(offending training lines, protected files read, training lines read)."""
    protected = list(protected if protected is not None else protected_files())
    seen = protected_runs(protected)
    overlaps: list[Overlap] = []
    lines = 0
    for path in train if train is not None else training_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        # A run may cross a line break in an article: check each line with its neighbours.
        rows = text.splitlines()
        for n, line in enumerate(rows, start=1):
            lines += 1
            if path.suffix == ".jsonl":
                parts = _texts(path, line)
            else:
                # A run may cross a line break: the line with its neighbours, runs touching it.
                parts = [" ".join(rows[max(0, n - 2) : n + 1])] if line.strip() else []
            if any(_shares(part, line, seen) for part in parts):
                overlaps.append(Overlap(_name(path), n, line.strip()))
    return overlaps, len(protected), lines


def _texts(path: Path, text: str) -> list[str]:
    """The strings to compare: a JSON line's string values one by one (field names are not
    text, and two fields must not join into a run), any other file whole."""
    if path.suffix != ".jsonl":
        return [text]
    out: list[str] = []
    for line in text.splitlines():
        try:
            _strings(json.loads(line), out)
        except ValueError:
            out.append(line)
    return out


def _strings(value: object, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, out)
    elif isinstance(value, list):
        for v in value:
            _strings(v, out)


def _shares(part: str, line: str, seen: set[int]) -> bool:
    """`part` has a protected run that includes at least one word of `line`."""
    if part == line or line not in part:
        return any(hash(r) in seen for r in runs(part))
    words = _WORD.findall(_TAG.sub(" ", part).lower().replace("’", "'"))
    before = len(_WORD.findall(_TAG.sub(" ", part[: part.index(line)]).lower()))
    mine = range(before, before + len(_WORD.findall(_TAG.sub(" ", line).lower())))
    for i in range(len(words) - RUN + 1):
        if hash(tuple(words[i : i + RUN])) in seen and (i < mine.stop and i + RUN > mine.start):
            return True
    return False


def _name(path: Path) -> str:
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)


def main(train: Iterable[Path] | None = None) -> int:
    """Print each training line that overlaps eval text; 1 if any (`train`: the judge's data)."""
    overlaps, n_protected, n_lines = find_overlaps(train=train)
    for o in overlaps:
        print(f"{o.file}:{o.line}: {o.text[:300]}")
    verdict = "OVERLAP" if overlaps else "disjoint"
    print(
        f"{verdict}: {len(overlaps)} of {n_lines} training lines share a run of {RUN} words "
        f"with {n_protected} eval files"
    )
    return 1 if overlaps else 0


if __name__ == "__main__":
    sys.exit(main())
