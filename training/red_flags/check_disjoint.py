"""Prove the red-flag training messages share no run of 8 words with any eval text.

Compared against the same files as the judge's check (`knowledge/`, `evaluation/corpora/*`,
`evaluation/evalsets/*.jsonl`, `tests/answering/data/*.jsonl`, sealed tables included: read
only to compare, nothing of them printed). Prints each offending TRAINING line; exits 1 on any.

    python -m training.red_flags.check_disjoint
"""

from __future__ import annotations

import sys

from training.judge.check_disjoint import main as check

from .dataset import MESSAGES

if __name__ == "__main__":
    sys.exit(check(train=[MESSAGES]))
