"""The one text toolkit: words, stems, sentences, trimming and message splitting."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.text import (
    ELLIPSIS,
    FENCE,
    STOPWORDS,
    sentence_spans,
    split_lines,
    split_message,
    split_prose,
    split_sentences,
    stem_words,
    tokenize,
    trim,
)


def test_tokenize_drops_stopwords_and_stems() -> None:
    assert tokenize("Stretching and stretches, don't they?") == ["stretch", "stretch"]
    assert tokenize("I’m doing squats") == ["squat"]


def test_stopwords_hold_both_spellings_of_a_contraction() -> None:
    assert {"don't", "dont", "i'm", "im"} <= STOPWORDS


def test_stemming_is_safe_from_many_threads() -> None:
    expected = stem_words(["running", "stretches"] * 50)
    seen: list[list[str]] = []
    threads = [
        threading.Thread(target=lambda: seen.append(stem_words(["running", "stretches"] * 50)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [expected] * 8


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Roll after runs [1]. Stretch too [2]!", ["Roll after runs [1].", "Stretch too [2]!"]),
        ("Roll after runs. [1] Then stretch.", ["Roll after runs. [1]", "Then stretch."]),
        ("Use 2.5 kg, e.g. a plate. Then rest.", ["Use 2.5 kg, e.g. a plate.", "Then rest."]),
        ("Bands, e.g. Theraband. Then rest.", ["Bands, e.g. Theraband.", "Then rest."]),
        ("No full stop here [3]", ["No full stop here [3]"]),
        ("Wait… Then go.", ["Wait…", "Then go."]),
        ("“Stop.” Then go.", ["“Stop.”", "Then go."]),
        ("", []),
    ],
)  # fmt: skip
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("One thing. Two things! Three?", ["One thing.", "Two things!", "Three?"]),
        (
            "Use a band, e.g. a light one. Then squat.",
            ["Use a band, e.g. a light one.", "Then squat."],
        ),
        ("Rest 2 min. between sets. Then go.", ["Rest 2 min. between sets.", "Then go."]),
        ("Line one\ncontinues here. Next.", ["Line one continues here.", "Next."]),
        ("Para one.\n\nPara two", ["Para one.", "Para two"]),
        (
            "Do these:\n- squats for legs\n- planks. Hold them",
            ["Do these:", "squats for legs", "planks.", "Hold them"],
        ),
        ("1. First step\n2. Second step", ["First step", "Second step"]),
        ('He said "stop." Then we did.', ['He said "stop."', "Then we did."]),
        ("Warm up (see the guide.) Then lift.", ["Warm up (see the guide.)", "Then lift."]),
        ("version 2.5 is fine. ok", ["version 2.5 is fine. ok"]),
        ("", []),
    ],
)
def test_split_prose(text: str, sentences: list[str]) -> None:
    assert split_prose(text) == sentences


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Line one\ncontinues here. Next.", ["Line one", "continues here.", "Next."]),
        (
            "Roll [1]. Then stretch [2].\n\n- Hold it [1].",
            ["Roll [1].", "Then stretch [2].", "- Hold it [1]."],
        ),
        # What the citation check reads today; split_prose would give ["First step", ...].
        ("1. First step\n2. Second step", ["1.", "First step", "2.", "Second step"]),
        ("", []),
    ],
)
def test_split_lines_reads_each_line_on_its_own(text: str, sentences: list[str]) -> None:
    assert split_lines(text) == sentences


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("exactly ten", 11, "exactly ten"),
        ("alpha beta gamma delta", 20, "alpha beta gamma…"),
        ("one two three four five", 12, "one two thr…"),
        ("abcdefghijklmnop", 5, "abcd…"),
        ("anything", 0, ""),
    ],
)
def test_trim(text: str, limit: int, expected: str) -> None:
    assert trim(text, limit) == expected
    assert len(trim(text, limit)) <= limit


def test_trim_marks_a_cut_inside_a_sentence() -> None:
    assert trim("word " * 100, 50).endswith(ELLIPSIS)


def test_trim_cuts_at_a_whole_sentence() -> None:
    text = "First sentence here [1]. Second sentence is longer [2]. Third one [3]."
    assert trim(text, 60) == "First sentence here [1]. Second sentence is longer [2]."
    assert trim(text, 1000) == text


def test_trim_never_cuts_a_citation_in_half() -> None:
    text = "word " * 20 + "[12] end."
    trimmed = trim(text, 104)
    assert len(trimmed) <= 104
    assert "[1" not in trimmed or "[12]" in trimmed


def test_split_prefers_paragraphs_then_lines() -> None:
    text = "a" * 30 + "\n\n" + "b" * 30 + "\n" + "c" * 30
    assert split_message(text, 70) == ["a" * 30, "b" * 30 + "\n" + "c" * 30]


def test_split_breaks_one_huge_line_at_sentences() -> None:
    text = " ".join(f"Sentence {i} about calf raises [1]." for i in range(100))
    chunks = split_message(text, 200)
    assert all(len(c) <= 200 for c in chunks)
    assert all(c.endswith("[1].") for c in chunks)


def test_split_reopens_code_fences() -> None:
    code = "```python\n" + "\n".join(f"x = {i}" for i in range(40)) + "\n```"
    pieces = split_message(code, 100)
    assert len(pieces) > 1
    for piece in pieces:
        assert len(piece) <= 100
        assert piece.count(FENCE) % 2 == 0, piece
    assert pieces[1].startswith("```python\n")


def test_split_rejects_tiny_limits() -> None:
    with pytest.raises(ValueError):
        split_message("text", 10)


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("ab cd\n.`")), max_size=3000),
    st.integers(min_value=40, max_value=600),
)
def test_split_pieces_fit_and_keep_every_word(text: str, limit: int) -> None:
    pieces = split_message(text, limit)
    assert all(0 < len(p) <= limit for p in pieces)
    kept = "".join("".join(pieces).split()).replace("`", "")
    assert kept == "".join(text.split()).replace("`", "")


def test_sentence_spans_find_prose_sentences_where_they_are_written() -> None:
    text = "Lift twice a week.\n- Keep the sets\n  short and heavy. Rest well.\n\nNothing else."
    sentences = split_prose(text)
    spans = sentence_spans(text, sentences)
    assert [" ".join(text[a:b].split()) for a, b in spans] == sentences
    # Searched in order: a repeated sentence maps to its own occurrence.
    twice = "Rest well. Run easy. Rest well."
    assert sentence_spans(twice, ["Rest well.", "Run easy.", "Rest well."])[2] == (21, 31)
    assert sentence_spans(text, ["Never written here."]) == [(0, 0)]
