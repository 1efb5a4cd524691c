"""Query expansion with the runner lexicon: phrases, whole words, and the bundled data file."""

from __future__ import annotations

import pytest
import yaml

from retrieval.search.expansion import LEXICON_PATH, LexiconEntry, QueryExpander, load_expander

ENTRIES = [
    LexiconEntry(says=["wind down", "cool off"], means=["cool-down", "mobility"]),
    LexiconEntry(says=["lift", "s&c", "upper/lower"], means=["strength", "lifting"]),
    LexiconEntry(says=["knackered", "dead legs"], means=["fatigue", "recovery"]),
    LexiconEntry(says=["tired"], means=["fatigue", "tired"]),  # overlaps the entry above
    LexiconEntry(says=[], means=["never"]),  # empty entries are ignored
    LexiconEntry(says=["ignored"], means=[]),
]


@pytest.fixture
def expander() -> QueryExpander:
    return QueryExpander(ENTRIES)


@pytest.mark.parametrize(
    ("query", "extra"),
    [
        ("how do I wind down after a session", ["cool-down", "mobility"]),
        ("Wind  Down", []),  # phrases match their own spacing only
        ("WIND DOWN please", ["cool-down", "mobility"]),  # case does not matter
        ("should i lift today", ["strength", "lifting"]),
        ("lift.", ["strength", "lifting"]),  # punctuation is a boundary
        ("is lifting ok", []),  # whole words only: 'lift' is not in 'lifting'
        ("uplift the mood", []),
        ("s&c twice a week?", ["strength", "lifting"]),
        ("upper/lower or full body", ["strength", "lifting"]),
        ("knackered and tired", ["fatigue", "recovery", "tired"]),  # no repeats
        ("my dead legs", ["fatigue", "recovery"]),
        ("deadlegs", []),
        ("ignored never", []),
        ("", []),
    ],
)
def test_extra_terms(expander: QueryExpander, query: str, extra: list[str]) -> None:
    assert expander.extra_terms(query) == extra


@pytest.mark.parametrize(
    ("query", "expanded"),
    [
        ("how to cool off", "how to cool off cool-down mobility"),
        ("marathon pacing", "marathon pacing"),  # nothing matched: the query as it was
    ],
)
def test_expand_appends_terms_to_the_question(
    expander: QueryExpander, query: str, expanded: str
) -> None:
    assert expander.expand(query) == expanded


def test_bundled_lexicon_is_valid_and_loaded() -> None:
    raw = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    entries = [LexiconEntry.model_validate(item) for item in raw]
    assert len(entries) >= 10
    assert all(e.says and e.means for e in entries)
    expander = load_expander()
    # Every phrase a coach listed actually triggers its entry, whatever punctuation it holds.
    for entry in entries:
        for phrase in entry.says:
            found = expander.extra_terms(f"so, {phrase}?")
            assert set(entry.means) <= set(found), phrase


@pytest.mark.parametrize(
    ("query", "term"),
    [
        ("i'm knackered after the gym", "fatigue"),
        ("how long should my cooldown be", "cool-down"),
        ("are situps worth it", "core"),
        ("RDLs or hip thrusts?", "romanian"),
        ("bad DOMS after squats", "soreness"),
    ],
)
def test_bundled_lexicon_bridges_runner_talk(query: str, term: str) -> None:
    assert term in load_expander().extra_terms(query)


def test_bundled_lexicon_adds_synonyms_not_topics() -> None:
    """Issue 9: an entry may not carry an article's topic words for one question to find."""
    raw = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    means = {m for item in raw for m in item["means"]}
    # Words the old, question-fitted entries added ("change it up" -> rotate, focus, ...).
    assert not means & {"rotate", "focus", "peak", "taper", "volume", "menu", "carryover", "order"}
    assert all(len(item["means"]) <= 4 for item in raw)


def test_answered_weighs_rare_words_and_counts_words_the_guides_never_use() -> None:
    from retrieval.search.lexical import LexicalIndex

    index = LexicalIndex(
        [
            "Run hills twice a week and run easy otherwise.",
            "Run a long run on Sunday and run the rest easy.",
            "Deadlifts build the hamstrings for running.",
        ]
    )
    # "run" is in every passage (weighs little); "hamstrings" only in one (weighs a lot).
    assert index.answered("run hamstrings", [2]) > index.answered("run hamstrings", [0])
    # A word no passage uses ("gels") is what the question is about: it weighs the most.
    assert index.answered("gels deadlifts", [2]) < 0.5
    assert index.answered("deadlifts hamstrings", [2]) == 1.0
    assert index.answered("", [2]) == 0.0
