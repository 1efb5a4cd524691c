"""Heading recovery on pasted web pages (issue 9): sentence-like, long, Q&A and ALL-CAPS subheads.

Fixtures are the seed-like pages in evaluation/corpora/seedlike (written for this project) and
small pages written inline here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.ingest.pipeline import chunk_document, load_document
from retrieval.ingest.sections import (
    is_menu_line,
    is_subhead_in_context,
    plain_blocks,
    question_line,
)

SEEDLIKE = Path(__file__).resolve().parents[3] / "evaluation" / "corpora" / "seedlike"
LONG = (
    "Strong glutes and hamstrings help you hold stride length late in a long run. Romanian "
    "deadlifts, hip thrusts and bridges are the staples, done with control rather than speed, "
    "and the weight goes up only once the form is solid and the last rep looks like the first."
)


@pytest.mark.parametrize(
    ("line", "prev", "following", "expected"),
    [
        # A one-sentence subhead ending in a period, between long paragraphs.
        ("The posterior chain keeps your stride long.", LONG, LONG, True),
        # A long subhead (16 words) with no end punctuation.
        (
            "Prehab for runners: the four habits that get runners hurt, and what to lift "
            "about them",
            "",
            "Most of the injured runners I have coached over the years can trace it back to one "
            "or more of these causes:",  # introduces the list of causes
            True,
        ),
        # Two sentences: a short paragraph, not a subhead.
        ("Here it is. Enjoy the read.", LONG, LONG, False),
        # The paragraph after it is not much longer: ordinary short prose.
        ("Twice a week is enough for most runners.", LONG, "Keep it short and easy.", False),
        # Introduces a list.
        ("Hamstrings and big glutes:", LONG, LONG, False),
        # Inside a paragraph: the line before stopped mid-sentence.
        ("the muscles behind the thigh need work.", "and so", LONG, False),
        # Too long to be a subhead.
        (" ".join(["word"] * 25).capitalize() + ".", LONG, LONG, False),
        # Q&A lines and dates are handled elsewhere.
        ("Q1: How often should we lift?", LONG, LONG, False),
        ("August 3, 2025", LONG, LONG, False),
    ],
)
def test_is_subhead_in_context(line: str, prev: str, following: str, expected: bool) -> None:
    assert is_subhead_in_context(line, prev, following) is expected


@pytest.mark.parametrize(
    ("line", "question"),
    [
        ("Q1: How do we put these together?", "How do we put these together?"),
        ("Q: Before or after a run?", "Before or after a run?"),
        ("Q3) Is it worth it in race season?", "Is it worth it in race season?"),
        ("A1: Take one exercise from each group.", None),
        ("Quick question about squats", None),
    ],
)
def test_question_line(line: str, question: str | None) -> None:
    assert question_line(line) == question


@pytest.mark.parametrize(
    ("line", "menu"),
    [
        ("Home   Classes   Personal Training   Blog   Book Now", True),
        ("HOME  |  COACHING  |  WORKOUTS  |  SHOP", True),
        ("Menu  Search  Sign in", True),
        ("Do Runners Really Need the Weight Room?", False),
        ("Squats, deadlifts and rows.", False),
        ("Facebook  |  Pinterest", False),  # two items: not enough to call it a menu
    ],
)
def test_is_menu_line(line: str, menu: bool) -> None:
    assert is_menu_line(line) is menu


def test_qa_questions_head_their_answers_under_the_section_heading() -> None:
    blocks = plain_blocks(
        [
            "QUESTIONS FROM THE FLOOR",
            "",
            "Q1: How many reps?",
            "A1: Ten to twelve of each, two or three rounds.",
            "Q2: How often?",
            "A2: Twice a week is plenty for most runners.",
        ]
    )
    headings = [(b.text, b.level) for b in blocks if b.kind == "heading"]
    assert headings == [
        ("QUESTIONS FROM THE FLOOR", 1),
        ("How many reps?", 2),
        ("How often?", 2),
    ]


@pytest.mark.parametrize(
    ("name", "title", "headings"),
    [
        (
            "lifting-that-carries-over-to-running.txt",
            "Which lifts actually make you a faster runner? A guide to strength with carryover",
            [
                "The posterior chain is the engine that keeps your stride long when the miles "
                "pile up",  # sentence-like, ends in a period on the page
                "HOW HEAVY, HOW FAST, HOW MUCH",  # all caps
                "Strides straight after a lift teach tired legs to stay quick",
                "When to back off, when to test, and what to write down",
            ],
        ),
        (
            "prehab-talk-recap.txt",
            "Prehab for runners | fix the weak links before they break",
            [
                "Prehab for runners: the four habits that get runners hurt, and what to lift "
                "about them",  # a long subhead
                "THE QUESTIONS FROM THE FLOOR › Should I foam roll before I run or after?",
            ],
        ),
        (
            "should-you-lift-as-a-runner.txt",
            "Do Runners Really Need the Weight Room?",  # not the nav bar above it
            ["Start with a full-body warm-up", "FITTING THE GYM AROUND YOUR RUNS"],
        ),
        (
            "balance-your-lifting-week.txt",
            "Evening the Scales: How to Balance a Runner's Strength Routine",
            [
                "Rule one is to pull as often as you push",
                "Rule three - the trunk gets trained at the end of every session, not the "
                "beginning",
            ],
        ),
    ],
)
def test_seedlike_pages_recover_title_and_subheads(
    name: str, title: str, headings: list[str]
) -> None:
    doc = load_document(SEEDLIKE / name, SEEDLIKE)
    found = [" › ".join(s.heading_path) for s in doc.sections]
    assert doc.title == title
    for heading in headings:
        assert heading in found


def test_seedlike_pages_become_passages_that_answer_one_thing() -> None:
    for path in sorted(SEEDLIKE.glob("*.txt")):
        doc = load_document(path, SEEDLIKE)
        chunks, _ = chunk_document(doc)
        headed = [c for c in chunks if c.heading_path]
        # Most passages carry a recovered heading, and none is a whole page.
        assert len(headed) >= 0.75 * len(chunks), path.name
        assert max(len(c.text) for c in chunks) <= 1300, path.name


CLUBPAGES = SEEDLIKE.parent / "clubpages"


def test_another_clubs_pages_keep_their_subheads_and_lose_their_clutter() -> None:
    """Pages from another club (evaluation/corpora/clubpages): bold-line and Q: subheads in
    Markdown become headings; a sales line, a byline strip and a row of links do not."""
    passages = {}
    for path in sorted(CLUBPAGES.iterdir()):
        chunks, _ = chunk_document(load_document(path, CLUBPAGES))
        passages[path.name] = chunks
    headings = {p: [c.heading for c in chunks] for p, chunks in passages.items()}
    text = " ".join(c.text for chunks in passages.values() for c in chunks)
    jump = " | ".join(headings["jump-training-for-distance-runners.md"])
    assert "Landing cues we shout across the field" in jump
    masters = headings["strength-for-masters-runners.md"]
    assert any(h.endswith("Are machines okay, or is it free weights or nothing?") for h in masters)
    assert not any("% off" in h for hs in headings.values() for h in hs)
    for clutter in ("min read", "with code", "Quick links"):
        assert clutter not in text, clutter
