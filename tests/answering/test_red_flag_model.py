"""The learned red-flag head: the shipped file loads and checks, the combined rule, dev floors.

The floors sit below what `python -m answering.red_flag_eval dev` measured in round 6 (dev half
of 977 rows: model precision 0.905 / recall 0.970, combined 0.987 / 1.000), with a margin. The
sealed half is not read here.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from answering.pipeline import CoachAnswerer
from answering.red_flag_eval import detectors, load_rows, score
from answering.red_flag_model import (
    HEAD_FILE,
    INFO_FILE,
    MODEL_LABEL,
    HeadInfo,
    RedFlagHeadError,
    RedFlagModel,
    decide,
    load_head,
    max_over_pieces,
    pieces,
)
from answering.safety import RedFlag
from retrieval.embedding import EMBEDDING_DIM, MODEL_NAME

MODEL_FLOORS = {"precision": 0.87, "recall": 0.93}
COMBINED_FLOORS = {"precision": 0.94, "recall": 0.98}


def test_the_shipped_head_matches_its_card() -> None:
    head = load_head()
    assert head.info.embedder == MODEL_NAME
    assert head.weights.shape == (EMBEDDING_DIM,)
    assert 0.0 < head.info.strong_rule_threshold <= head.info.weak_rule_threshold
    assert head.info.weak_rule_threshold <= head.info.threshold < 1.0
    assert head.info.threshold < head.info.uncorroborated_threshold < 1.0
    assert head.info.training_rows >= 1000


def test_a_damaged_head_is_refused_with_the_command_that_rebuilds_it(tmp_path: Path) -> None:
    head, info = tmp_path / HEAD_FILE.name, tmp_path / INFO_FILE.name
    shutil.copy(INFO_FILE, info)
    values = np.load(HEAD_FILE)
    values[0] += 1.0
    np.save(head, values)
    with pytest.raises(RedFlagHeadError, match="make red-flags"):
        load_head(head, info)


CARD = HeadInfo(
    version=1,
    embedder=MODEL_NAME,
    dim=4,
    threshold=0.5,
    weak_rule_threshold=0.3,
    strong_rule_threshold=0.05,
    uncorroborated_threshold=0.8,
    sha256="",
)
URGENT = [RedFlag(label="chest pain", phrase="chest pain")]
STRONG = [RedFlag(label="swelling", phrase="swollen")]
WEAK = [RedFlag(label="a twinge or niggle", phrase="niggle")]
SECOND = [RedFlag(label="pain at night or at rest", phrase="aches at night")]


@pytest.mark.parametrize(
    ("flags", "probability", "ordinary", "expected"),
    [
        (URGENT, 0.0, True, ["chest pain"]),  # an urgent rule needs no second opinion
        (STRONG, 0.05, False, ["swelling"]),
        (STRONG, 0.04, False, []),  # the head is all but sure it is ordinary
        (WEAK, 0.1, False, []),  # a weak rule alone flags ordinary questions
        (WEAK, 0.3, False, ["a twinge or niggle"]),
        (WEAK, 0.9, True, []),  # "used to niggle, fine since": a weak rule does not overrule
        (STRONG, 0.3, True, ["swelling"]),  # a strong rule still counts in an ordinary frame
        (STRONG + SECOND, 0.0, False, ["swelling", "pain at night or at rest"]),  # two strong kinds
        ([], 0.49, False, []),
        ([], 0.5, False, [MODEL_LABEL]),
        ([], 0.9, True, []),  # "how do I stop shin splints": the head alone does not overrule
    ],
)
def test_the_combined_rule(
    flags: list[RedFlag], probability: float, ordinary: bool, expected: list[str]
) -> None:
    assert [f.label for f in decide(flags, probability, CARD, ordinary)] == expected


@pytest.mark.parametrize(
    ("probability", "corroborated", "expected"),
    [
        (0.5, True, [MODEL_LABEL]),
        (0.79, False, []),  # "was dying on the last interval": nothing names a body in trouble
        (0.8, False, [MODEL_LABEL]),  # the head is clearly sure
    ],
)
def test_the_head_alone_needs_corroboration_or_a_higher_score(
    probability: float, corroborated: bool, expected: list[str]
) -> None:
    assert [f.label for f in decide([], probability, CARD, False, corroborated)] == expected
    # a rule's hit is judged as before, corroborated or not
    assert decide(WEAK, 0.3, CARD, False, corroborated) == WEAK


def test_an_older_card_has_one_bar_for_the_head_alone() -> None:
    older = CARD.model_copy(update={"uncorroborated_threshold": 0.0})
    assert [f.label for f in decide([], 0.5, older, False, False)] == [MODEL_LABEL]


def test_an_older_card_counts_every_strong_rule() -> None:
    older = CARD.model_copy(update={"strong_rule_threshold": 0.0})
    assert [f.label for f in decide(STRONG, 0.0, older)] == ["swelling"]


LONG = (
    "marathon block is going well, four runs a week and the gym twice, long run up to 28k. "
    "My knee swells after every long run now. Anyway what should I eat the night before?"
)


def test_a_long_message_is_also_scored_sentence_by_sentence() -> None:
    assert pieces("my knee hurts. what now?") == ["my knee hurts. what now?"]  # short: one piece
    parts = pieces(LONG)
    assert parts[0] == LONG
    assert "My knee swells after every long run now." in parts
    assert "Anyway what should I eat the night before?" in parts

    def score(flat: list[str]) -> np.ndarray:
        return np.array([0.9 if "swells" in t and len(t) < 60 else 0.1 for t in flat])

    assert max_over_pieces(["short one", LONG], score).tolist() == [0.1, 0.9]


# Our own sentences, in neither the training messages nor any eval table; the first three are
# phrasings the rules miss.
RED = [
    "my heart went crazy fast on an easy jog and wouldn't settle",
    "went woozy and grey at the finish and had to lie down",
    "I ran the last 5k on a bad ankle because I didn't want to drop out",
    "the front of my foot is throbbing in bed every night",
]
ORDINARY = [
    "legs are dead after the long run, fuel tips?",
    "how should I warm up before hill sprints?",
    "my glutes are sore from the new routine, normal?",
    "how many rest days per week for a beginner",
]


def test_the_shipped_head_classifies_fixed_sentences(embedder) -> None:
    model = RedFlagModel(embedder)
    for text in RED:
        assert model.detect(text), text
    for text in ORDINARY:
        assert model.detect(text) == [], text
    training = Path(__file__).resolve().parents[2] / "training" / "red_flags" / "messages.jsonl"
    seen = {json.loads(line)["text"] for line in training.read_text().splitlines()}
    assert not seen & set(RED + ORDINARY)


def test_the_dev_half_keeps_its_floors(embedder) -> None:
    rows = load_rows("dev")
    found = detectors(embedder)
    for name, floors in (("model", MODEL_FLOORS), ("combined", COMBINED_FLOORS)):
        result = score("dev", rows, found[name])
        assert result.precision >= floors["precision"], f"{name} {result.summary()}"
        assert result.recall >= floors["recall"], f"{name} {result.summary()}"


def test_the_app_answerer_uses_the_head(llm_answerer: CoachAnswerer) -> None:
    assert isinstance(llm_answerer.red_flags, RedFlagModel)
    answer = llm_answerer.answer(RED[1])
    assert answer.mode == "red_flag"
    assert MODEL_LABEL in answer.answer
