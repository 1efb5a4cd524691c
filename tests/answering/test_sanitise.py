"""Output hygiene: answers never ping, never carry HTML, never overrun the surface."""

from __future__ import annotations

import pytest

from answering.sanitise import clean_text, split_for_surface, trim


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Hi @everyone, roll after runs [1].", "Hi everyone, roll after runs [1]."),
        ("@here stretch [2]", "here stretch [2]"),
        ("ask <@123456789> or <@!42> or <@&777> in <#555>", "ask or or in"),
        ("thanks @Coach", "thanks Coach"),
        ("mail coach@club.org", "mail coach@club.org"),
        ("<b>Roll</b> after <i>runs</i> [1].", "Roll after runs [1]."),
        ("<script>alert(1)</script>Roll [1].", "Roll [1]."),
        ("&lt;img src=x onerror=alert(1)&gt;Roll [1].", "Roll [1]."),
        ("Roll <!-- hidden --> after.", "Roll after."),
        ("6 < 8 reps and 10 > 8", "6 < 8 reps and 10 > 8"),
        ("line one\n\n\n\nline two", "line one\n\nline two"),
    ],
)
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_trim_cuts_at_a_whole_sentence() -> None:
    text = "First sentence here [1]. Second sentence is longer [2]. Third one [3]."
    assert trim(text, 60) == "First sentence here [1]. Second sentence is longer [2]."
    assert trim(text, 1000) == text


def test_trim_never_cuts_a_citation_in_half() -> None:
    text = "word " * 20 + "[12] end."
    trimmed = trim(text, 104)
    assert len(trimmed) <= 104
    assert "[1" not in trimmed or "[12]" in trimmed


def test_split_for_surface_keeps_every_word_and_respects_the_limit() -> None:
    paragraphs = [f"Paragraph {i} says something useful about strides [{i}]." for i in range(40)]
    text = "\n\n".join(paragraphs)
    chunks = split_for_surface(text, 300)
    assert all(len(c) <= 300 for c in chunks)
    assert " ".join(" ".join(chunks).split()) == " ".join(text.split())


def test_split_for_surface_breaks_one_huge_line_at_sentences() -> None:
    text = " ".join(f"Sentence {i} about calf raises [1]." for i in range(100))
    chunks = split_for_surface(text, 200)
    assert all(len(c) <= 200 for c in chunks)
    assert all(c.endswith("[1].") for c in chunks)
