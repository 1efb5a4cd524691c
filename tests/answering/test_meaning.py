"""Grounding by meaning: reversed advice is dropped even when it shares the passage's words.

The figures come from `python -m answering.grounding_eval` (labelled dev and sealed tables in
tests/answering/data); the floors below sit under the measured values so a regression fails.
"""

from __future__ import annotations

import pytest

from answering import meaning
from answering.grounding import GroundingPolicy, ground_answer
from answering.grounding_eval import evaluate, load_rows, load_tables, section_texts
from answering.similarity import SentenceSimilarity

SHIN = ("lower-leg-strength-calves-and-shins.md", "What to do about shin splints")
FOAM = ("foam-rolling-and-stretching.md", "When to foam roll")
SHIN_QUESTION = "My shin hurts when I run, what should I do?"

# Measured with `python -m answering.grounding_eval` at 59203d9: the first two dev tables (260)
# P 0.913 R 0.929; the round-3 sealed table (163, scored once; `grounding_dev3.jsonl`, dev since
# round 4) P 0.773 R 0.810. It never chose a rule while sealed (see the README for its history).
# The round-4 sealed table (`grounding_dev4.jsonl` since round 5) was measured once at 4658099;
# the round-5 sealed table (`grounding_dev5.jsonl` since round 6) was measured once at 273d805;
# the round-6 sealed table (`grounding_dev6.jsonl` since round 7) was measured once at eb46355;
# the round-7 sealed table (`grounding_dev7.jsonl` since round 8) was measured once at f1ca519;
# the round-8 sealed table (`grounding_dev8.jsonl` since round 9) was measured once at 61571c6;
# the round-9 sealed table (`grounding_test.jsonl`) gets its floor after its one measurement.
FLOORS = {
    ("grounding_dev.jsonl", "grounding_dev2.jsonl"): (0.88, 0.89),
    ("grounding_dev3.jsonl",): (0.73, 0.76),
}


@pytest.fixture(scope="module")
def passages() -> dict[tuple[str, str], str]:
    return section_texts()


@pytest.fixture(scope="module")
def similarity(embedder) -> SentenceSimilarity:
    return SentenceSimilarity(embedder)


@pytest.mark.parametrize(
    ("section", "sentence"),
    [
        (
            SHIN,
            "If you feel sharp pain in your shin, run through the sharp pain and keep going [1].",
        ),
        (FOAM, "Rolling works far better on cold tissue, so skip the warm-up [1]."),
        (FOAM, "Do not do a dynamic warm-up before you roll [1]."),
        (SHIN, "You don't need to see a physiotherapist for shin splints [1]."),
        (FOAM, "Wear compression socks while you roll [1]."),
        (FOAM, "Only roll if you have run for more than an hour [1]."),
    ],
)
def test_reported_reversals_are_dropped(passages, similarity, section, sentence) -> None:
    checked = ground_answer(
        sentence, [passages[section]], question=SHIN_QUESTION, similarity=similarity
    )
    assert checked.kept_cited == 0 and not checked.used
    assert checked.dropped and checked.dropped[0].reason


@pytest.mark.parametrize(
    ("section", "sentence"),
    [
        (SHIN, "Rest and ice your shins, then see a physiotherapist for a proper diagnosis [1]."),
        (FOAM, "Do a short dynamic warm-up first, so you are not rolling cold muscles [1]."),
        (FOAM, "Rolling works far better once the tissue is warm [1]."),
    ],
)
def test_faithful_paraphrases_are_kept(passages, similarity, section, sentence) -> None:
    checked = ground_answer(
        sentence, [passages[section]], question=SHIN_QUESTION, similarity=similarity
    )
    assert checked.kept_cited == 1, checked.dropped


def test_the_meaning_check_can_be_switched_off(passages) -> None:
    """The reversal shares enough words to pass the word check alone: meaning is what stops it."""
    sentence = "Do not do a dynamic warm-up before you roll [1]."
    off = ground_answer(sentence, [passages[FOAM]], policy=GroundingPolicy(check_meaning=False))
    on = ground_answer(sentence, [passages[FOAM]])
    assert off.kept_cited == 1
    assert on.kept_cited == 0


@pytest.mark.parametrize(
    ("claim", "passage", "words"),
    [
        ("Use ballistic movements.", "Avoid ballistic, jerky movements.", "ballist"),
        ("Lift on consecutive days.", "Lift on non-consecutive days, not in a row.", "consecut"),
        ("Runners are weaker at the front than the back.",
         "Running makes the front stronger than the back.", "weaker"),
        ("Do four exercises per group.", "Train four muscle groups.", "exercis"),
        ("Cycle for 20 minutes after.", "Roll for 20 minutes after.", "cycl"),
        ("Always stretch after.", "Stretch after a run.", "alway"),
    ],
)  # fmt: skip
def test_each_rule_names_what_it_found(claim, passage, words) -> None:
    reason = meaning.contradiction(claim, [passage])
    assert reason is not None and words in reason


def test_negation_scope_ends_at_the_clause() -> None:
    negated = meaning.analyse("If rolling doesn't suit you, doing it afterwards is fine.")
    assert "suit" in negated.negated
    assert "afterward" in negated.plain and "afterward" not in negated.negated
    listed = meaning.analyse("Avoid ballistic, jerky movements.")
    assert {"ballist", "jerki"} <= listed.negated


@pytest.mark.parametrize("tables", list(FLOORS), ids=lambda t: t[-1])
def test_precision_and_recall_on_the_labelled_tables(passages, similarity, tables) -> None:
    rows = load_tables(tables)
    assert len(rows) >= 75 and {r.label for r in rows} == {"supported", "reversed", "unsupported"}
    score = evaluate(rows, passages, similarity, "+".join(tables))
    min_precision, min_recall = FLOORS[tables]
    assert score.precision >= min_precision, score.summary()
    assert score.recall >= min_recall, score.summary()


def test_tables_hold_enough_sentences_over_real_sections(passages) -> None:
    rows = load_rows("dev") + load_rows("test")
    assert len(load_rows("dev")) >= 250 and len(load_rows("test")) >= 120
    assert len({r.id for r in rows}) == len(rows)
    assert all((r.source, r.heading) in passages for r in rows)
    # Dev tables now cover every section, so the sealed table reuses sections with new
    # sentences: none repeats a dev sentence.
    dev = {r.sentence.lower() for r in load_rows("dev")}
    assert not {r.sentence.lower() for r in load_rows("test")} & dev
