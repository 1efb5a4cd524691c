"""Prove the red-flag training messages share no run of 8 words with any eval text.

Compared against the same files as the judge's check (`knowledge/`, `evaluation/corpora/*`,
`evaluation/evalsets/*.jsonl`, `tests/answering/data/*.jsonl`, sealed tables included: read
only to compare, nothing of them printed). Prints each offending TRAINING line; exits 1 on any.

    python -m training.red_flags.check_disjoint
"""

from __future__ import annotations

import sys

from training.judge.check_disjoint import RUN, find_overlaps

from .dataset import MESSAGES


def main() -> int:
    overlaps, n_protected, n_lines = find_overlaps(train=[MESSAGES])
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
