"""Headings from Markdown and from plain text, the title, and heading paths of sections."""

from __future__ import annotations

import pytest

from retrieval.ingest.sections import (
    Block,
    build_sections,
    humanize_stem,
    is_heading_like,
    markdown_blocks,
    plain_blocks,
    take_title,
    unwrap_lines,
)
from retrieval.models import Section


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Push and Pull Movements", True),
        ("Work The Core", True),
        ("Should Runners Strength Train?", True),
        ("Strength training for runners: Q&A", True),
        ("3 Tips for Stronger Hips", True),
        ("Let’s start with push movements vs. pull movements.", False),  # a sentence
        ("Hamstrings and gluteus maximus:", False),  # introduces a list: body text
        ("Runners, do you include weight training?", False),  # a question to the reader
        ("If so, how has it affected your running?", False),
        ("Will lifting make me bulky, heavy or slow?", True),
        ("Contact us for more information!", False),
        ("- Squats", False),
        ("1. Deadlifts", False),
        ("Q1: How often should I lift?", False),
        ("strength training for runners", False),  # lower case: image alt text
        ("July 29, 2025", False),
        ("See https://example.com for more", False),
        ("A line that is far too long to be a heading because it keeps on going and going", False),
    ],
)
def test_is_heading_like(line: str, expected: bool) -> None:
    assert is_heading_like(line) is expected


def test_plain_blocks_recover_headings_and_keep_colon_lines_as_body() -> None:
    lines = [
        "Push and Pull Movements",
        "",
        "Balance every push with a pull.",
        "",
        "Hamstrings and gluteus maximus:",
        "- Romanian deadlift",
        "- Glute bridge",
        "",
        "Work The Core",
        "Finish each session with core work.",
    ]
    assert plain_blocks(lines) == [
        Block("heading", "Push and Pull Movements", 1),
        Block("text", "Balance every push with a pull."),
        Block("text", "Hamstrings and gluteus maximus:"),
        Block("item", "- Romanian deadlift"),
        Block("item", "- Glute bridge"),
        Block("heading", "Work The Core", 1),
        Block("text", "Finish each session with core work."),
    ]


def test_plain_blocks_title_like_line_mid_paragraph_is_not_a_heading() -> None:
    lines = ["Lift twice a week on", "Monday and Thursday", "if you can."]
    assert plain_blocks(lines) == [
        Block("text", "Lift twice a week on Monday and Thursday if you can.")
    ]


def test_plain_blocks_last_line_is_not_a_heading() -> None:
    assert plain_blocks(["Some text here.", "", "Closing Thoughts"])[-1].kind == "text"


def test_plain_blocks_heading_straight_after_heading_is_nested() -> None:
    lines = ["Strength Basics", "", "Squats", "", "Sit back and down.", "", "Lunges", "Step."]
    blocks = [(b.text, b.level) for b in plain_blocks(lines) if b.kind == "heading"]
    assert blocks == [("Strength Basics", 1), ("Squats", 2), ("Lunges", 2)]


def test_plain_blocks_bullets_normalised() -> None:
    blocks = plain_blocks(["•\tQuick feet drills", "* Metronome runs", "2) Strides"])
    assert [b.text for b in blocks] == ["- Quick feet drills", "- Metronome runs", "2) Strides"]


def test_markdown_blocks_hash_in_code_is_not_a_heading() -> None:
    text = "## Logging\n\nWrite it down:\n\n```\n# week 6\nMon 40 min\n```\n"
    blocks = markdown_blocks(text)
    assert [b for b in blocks if b.kind == "heading"] == [Block("heading", "Logging", 2)]
    assert Block("text", "# week 6\nMon 40 min") in blocks


def test_markdown_blocks_strip_inline_syntax_and_keep_list_markers() -> None:
    text = (
        "Keep it **easy**, see [the zones guide](https://example.com) and `RPE 3`.\n\n"
        "- first *item*\n- second\n\n1. one\n2. two\n   - nested\n\n"
        "| Lift | Sets |\n| --- | --- |\n| Squat | 3 |\n"
    )
    assert markdown_blocks(text) == [
        Block("text", "Keep it easy, see the zones guide and RPE 3."),
        Block("item", "- first item"),
        Block("item", "- second"),
        Block("item", "1. one"),
        Block("item", "2. two"),
        Block("item", "  - nested"),
        Block("item", "Lift | Sets"),
        Block("item", "Squat | 3"),
    ]


H = "heading"


@pytest.mark.parametrize(
    ("blocks", "kwargs", "title", "first_heading"),
    [
        # Front matter wins; a leading H1 equal to it is dropped.
        ([Block(H, "Easy Runs", 1), Block("text", "x")], {"title": "Easy runs"}, "Easy runs", None),
        # Front matter title different from the H1: the H1 stays a heading.
        ([Block(H, "Intro", 1), Block("text", "x")], {"title": "Easy Runs"}, "Easy Runs", "Intro"),
        # No front matter: the first H1 is the title.
        ([Block(H, "Hill Sprints", 1), Block(H, "How", 2)], {}, "Hill Sprints", "How"),
        # Web page: the opening heading beats the <title> with its site name.
        (
            [Block(H, "Core Strength", 1), Block("text", "x")],
            {"fallback": "Core Strength | Riverside RC"},
            "Core Strength",
            None,
        ),
        # No headings: the first title-like line.
        (
            [Block("text", "Tempo Runs Made Simple"), Block("text", "x")],
            {},
            "Tempo Runs Made Simple",
            None,
        ),
        # Nothing title-like: the file name.
        ([Block("text", "x" * 400)], {}, "Hill sprints guide", None),
    ],
)
def test_take_title(blocks, kwargs, title: str, first_heading: str | None) -> None:
    args = {"title": None, "fallback": None, "stem": "hill_sprints-guide", "markdown": True}
    got_title, rest = take_title(blocks, **{**args, **kwargs})
    assert got_title == title
    headings = [b.text for b in rest if b.kind == "heading"]
    assert (headings[0] if headings else None) == first_heading


def test_take_title_sentence_like_first_line_is_also_kept_in_text() -> None:
    first = "How to prioritise strength exercises that carry over to running."
    title, rest = take_title(
        [Block("text", first), Block("text", "Body.")],
        title=None,
        fallback=None,
        stem="x",
        markdown=False,
    )
    assert title == first.rstrip(".")
    assert rest[0].text == first


def test_humanize_stem() -> None:
    assert humanize_stem("strength-session_structure") == "Strength session structure"


def test_build_sections_heading_paths_relative_to_top_level() -> None:
    blocks = [
        Block("text", "Intro."),
        Block(H, "When to foam roll", 2),
        Block(H, "Before a run", 3),
        Block("text", "Roll lightly."),
        Block("item", "- calves"),
        Block("item", "- quads"),
        Block(H, "After a workout", 3),
        Block("text", "Roll longer."),
        Block(H, "Stretching", 2),
        Block(H, "Lost heading", 2),
        Block("text", "End."),
    ]
    assert build_sections(blocks) == [
        Section(heading_path=(), text="Intro."),
        Section(
            heading_path=("When to foam roll", "Before a run"),
            text="Roll lightly.\n\n- calves\n- quads",
        ),
        Section(heading_path=("When to foam roll", "After a workout"), text="Roll longer."),
        # A heading with no text and no subheadings stays, so chunking can report it.
        Section(heading_path=("Stretching",), text=""),
        Section(heading_path=("Lost heading",), text="End."),
    ]


def test_unwrap_lines_joins_hard_wrapped_paragraphs_only() -> None:
    wrapped = [
        "Strength training twice a week makes runners more robust and lets",
        "them handle more mileage without the niggles that stop a training",
        "block.",
        "",
        "Short Heading",
        "",
        "Hip hinges, squats and single-leg work are the backbone of a plan",
        "for distance runners, with calf raises and core work to finish it.",
    ]
    assert unwrap_lines(wrapped) == [
        "Strength training twice a week makes runners more robust and lets them handle more "
        "mileage without the niggles that stop a training block.",
        "",
        "Short Heading",
        "",
        "Hip hinges, squats and single-leg work are the backbone of a plan for distance runners, "
        "with calf raises and core work to finish it.",
    ]
    paragraphs = ["One long paragraph per line." * 5, "Heading", "Another paragraph here." * 9]
    assert unwrap_lines(paragraphs) == paragraphs


def test_markdown_bold_line_and_qa_question_head_what_follows() -> None:
    """Pasted Markdown often marks subheads with bold lines or Q:/A: pairs, not `#`."""
    text = (
        "## Landing\n\n"
        "**Cues we shout across the field**\n\n"
        "Quiet feet, and land under the hips.\n\n"
        "**Ground to avoid.**\n\n"
        "Concrete hides sloppy landings.\n\n"
        "## Questions from the group\n\n"
        "Q: Are machines okay?\n\n"
        "A: Yes, the leg press is fine while you build up.\n\n"
        "Q: Is 70 too late to start?\n\n"
        "A: No; gains show within 8 to 12 weeks.\n\n"
        "Keep **squats** in every session, and **rest** well.\n"
    )
    headings = [(b.text, b.level) for b in markdown_blocks(text) if b.kind == "heading"]
    assert headings == [
        ("Landing", 2),
        ("Cues we shout across the field", 3),
        ("Ground to avoid", 3),  # a sibling, not a child of the bold line above
        ("Questions from the group", 2),
        ("Are machines okay?", 3),
        ("Is 70 too late to start?", 3),
    ]
    sections = build_sections(markdown_blocks(text))
    answer = next(s for s in sections if s.heading_path[-1] == "Are machines okay?")
    assert "leg press" in answer.text and "Quiet feet" not in answer.text


def test_markdown_implied_headings_before_any_hash_heading_are_siblings() -> None:
    text = "**Warm-up**\n\nTen minutes easy.\n\n**Main set**\n\nThree rounds.\n"
    headings = [(b.text, b.level) for b in markdown_blocks(text) if b.kind == "heading"]
    assert headings == [("Warm-up", 2), ("Main set", 2)]


def test_markdown_bold_inside_a_sentence_or_list_is_not_a_heading() -> None:
    text = "- **Calves:** 20 slow raises each side.\n\nA long **bold** phrase in a sentence.\n"
    assert [b.kind for b in markdown_blocks(text)] == ["item", "text"]
