"""Red flags measured, not listed: floors on the labelled dev table, and the issue's misses.

The floors sit below what `python -m answering.red_flag_eval dev` measured on the round-1 dev
file, with a margin; `red_flags_dev2.jsonl` and `red_flags_dev3.jsonl` (the spent round-1 and
round-2 sealed tables) are in the dev half too. The sealed half (`red_flags_test3.jsonl`) is not
read here: it is measured once, by the eval command, and no test prints its rows.
"""

from __future__ import annotations

import pytest

from answering.red_flag_eval import DATA_DIR, load_file, score
from answering.safety import detect_red_flags

DEV_RECALL_FLOOR = 0.95
DEV_PRECISION_FLOOR = 0.93


def test_the_dev_table_keeps_its_floors() -> None:
    result = score("dev", load_file(DATA_DIR / "red_flags_dev.jsonl"))
    assert result.rows >= 100
    assert result.recall >= DEV_RECALL_FLOOR, result.summary()
    assert result.precision >= DEV_PRECISION_FLOOR, result.summary()


@pytest.mark.parametrize(
    "message",
    [
        "I keep running even though my foot hurts, is that ok?",
        "my shin has a tender spot that hurts when I hop",
        "my heel is killing me every morning, should I keep running?",
        "it hurts to breathe after sprints",
        "I have pain 6 out of 10 in my hip",
    ],
)
def test_the_issues_missed_phrasings_are_red_flags(message: str) -> None:
    assert detect_red_flags(message), message


@pytest.mark.parametrize(
    "message",
    [
        "how do i strengthen my shins",
        "my legs are sore after squats, can I still run?",
        "is it ok to run with sore legs from the gym",
        "calves burning on hill reps, is that lactic",
        "legs a bit stiff first thing after the long run",
        "how do I avoid rolling my ankle on trails?",
        "how many weeks should a strength block last?",
        "run the intervals at 6 out of 10 effort",
    ],
)
def test_ordinary_soreness_and_strength_questions_stay_ordinary(message: str) -> None:
    assert detect_red_flags(message) == [], message
