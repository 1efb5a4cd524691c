"""Prove the red-flag training messages share no run of 8 words with any eval text.

Compared against the same files as the judge's check (`knowledge/`, `evaluation/corpora/*`,
`evaluation/evalsets/*.jsonl`, `tests/answering/data/*.jsonl`, sealed tables included: read
only to compare). Prints each TRAINING line that overlaps an open file; for the sealed tables
(`*test*`) only the count and the training line numbers, so nothing of a sealed row is shown,
not even a shared run. Exits 1 on any overlap.

    python -m training.red_flags.check_disjoint
"""

from __future__ import annotations

import sys
from pathlib import Path

from training.judge.check_disjoint import find_overlaps, protected_files

from .dataset import MESSAGES


def sealed(path: Path) -> bool:
    """A sealed table: measured once, never shown (`red_flags_test6.jsonl`, `*.test.jsonl`)."""
    return "test" in path.stem


def main() -> int:
    files = protected_files()
    open_files = [p for p in files if not sealed(p)]
    sealed_files = [p for p in files if sealed(p)]
    overlaps, _, lines = find_overlaps(train=[MESSAGES], protected=open_files)
    for o in overlaps:
        print(f"{o.file}:{o.line}: {o.text[:300]}")
    hidden, _, _ = find_overlaps(train=[MESSAGES], protected=sealed_files)
    if hidden:
        numbers = ", ".join(str(o.line) for o in hidden)
        print(f"{len(hidden)} training lines share a run with a sealed table: lines {numbers}")
    bad = len(overlaps) + len(hidden)
    print(
        f"{'OVERLAP' if bad else 'disjoint'}: {bad} of {lines} training lines share a run of 8 "
        f"words with {len(files)} eval files ({len(sealed_files)} sealed)"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
