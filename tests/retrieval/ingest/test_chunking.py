"""Chunks: sizes, boundaries, overlap, stable readable ids and skipped sections."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.ingest.chunking import chunk_document, make_chunk_id, slug, slug_path, split_text
from retrieval.models import ParsedDocument, Section

SENTENCES = [
    f"Sentence {i} explains how runners should progress their squats and deadlifts."
    for i in range(60)
]


def make_doc(*sections: Section, source: str = "guides/strength.md") -> ParsedDocument:
    return ParsedDocument(
        source=source, title="Strength for Runners", sections=list(sections), content_hash="0" * 64
    )


def test_short_section_is_one_chunk_with_context() -> None:
    doc = make_doc(Section(heading_path=("Squats", "Depth"), text="Squat to parallel, slowly."))
    chunks, skipped = chunk_document(doc, min_chars=10)
    assert skipped == []
    [chunk] = chunks
    assert chunk.text == "Squat to parallel, slowly."
    assert (chunk.source, chunk.title, chunk.heading_path, chunk.ordinal) == (
        "guides/strength.md",
        "Strength for Runners",
        ("Squats", "Depth"),
        0,
    )
    assert (
        chunk.embedding_text()
        == "Strength for Runners › Squats › Depth\nSquat to parallel, slowly."
    )


def test_chunk_id_is_readable_and_stable() -> None:
    text = "Squat to parallel, slowly."
    chunk_id = make_chunk_id("guides/strength.md", ("Squats", "Depth & Tempo"), text)
    assert re.fullmatch(r"guides/strength\.md#squats/depth-tempo#[0-9a-f]{10}", chunk_id)
    assert chunk_id == make_chunk_id("guides/strength.md", ("Squats", "Depth & Tempo"), text)
    assert make_chunk_id("a.md", (), text).split("#")[1] == "intro"


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("Push & Pull Movements", "push-pull-movements"),
        ("Über-Übungen!", "uber-ubungen"),
        ("🙂", "section"),
    ],
)
def test_slug(heading: str, expected: str) -> None:
    assert slug(heading) == expected


def test_slug_path() -> None:
    assert slug_path(("When to foam roll", "Before a run")) == "when-to-foam-roll/before-a-run"
    assert slug_path(()) == "intro"


def test_long_section_splits_at_paragraphs_within_max() -> None:
    paragraphs = [" ".join(SENTENCES[i : i + 4]) for i in range(0, 40, 4)]  # ~320 chars each
    doc = make_doc(Section(heading_path=("Loads",), text="\n\n".join(paragraphs)))
    chunks, _ = chunk_document(doc, max_chars=700, overlap_chars=100)
    assert len(chunks) > 3
    assert all(len(c.text) <= 700 for c in chunks)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    # Every paragraph survives whole in some chunk.
    assert all(any(p in c.text for c in chunks) for p in paragraphs)


def test_overlap_repeats_the_last_sentence_of_the_previous_chunk() -> None:
    text = " ".join(SENTENCES[:30])
    pieces = split_text(text, max_chars=500, overlap_chars=120, min_chars=40)
    assert len(pieces) > 2
    for before, after in itertools.pairwise(pieces):
        last_sentence = re.split(r"(?<=\.) ", before)[-1]
        assert after.startswith(last_sentence)
        assert len(last_sentence) <= 120


def test_sentences_are_not_cut_when_they_fit() -> None:
    pieces = split_text(" ".join(SENTENCES[:20]), max_chars=400, overlap_chars=0, min_chars=40)
    for piece in pieces:
        assert piece.startswith("Sentence ") and piece.endswith("deadlifts.")


def test_tiny_tail_is_merged_not_emitted() -> None:
    text = " ".join(SENTENCES[:6]) + " Rest."
    pieces = split_text(text, max_chars=480, overlap_chars=0, min_chars=40)
    assert all(len(p) > 40 for p in pieces)
    assert pieces[-1].endswith("Rest.")


def test_tail_too_big_to_merge_is_rebalanced() -> None:
    text = " ".join(SENTENCES[:6]) + " Rest well."  # 6 x 79 chars: no room for the tail
    pieces = split_text(text, max_chars=475, overlap_chars=0, min_chars=40)
    assert all(len(p) <= 475 for p in pieces)
    assert all(len(p) >= 40 for p in pieces)
    assert pieces[-1].endswith("Rest well.")


def test_very_long_line_without_spaces_is_cut_hard() -> None:
    text = "See " + "x" * 3000 + " for details."
    pieces = split_text(text, max_chars=1000, overlap_chars=100, min_chars=40)
    assert all(len(p) <= 1000 for p in pieces)
    assert "".join(pieces).count("x") >= 3000


def test_editing_one_section_changes_only_its_ids() -> None:
    sections = [
        Section(heading_path=("Squats",), text=" ".join(SENTENCES[:20])),
        Section(heading_path=("Lunges",), text=" ".join(SENTENCES[20:25])),
        Section(heading_path=("Carries",), text=" ".join(SENTENCES[25:45])),
    ]
    before, _ = chunk_document(make_doc(*sections))
    edited = [
        sections[0],
        Section(heading_path=("Lunges",), text="Lunge with a long stride."),
        sections[2],
    ]
    after, _ = chunk_document(make_doc(*edited))
    same = {c.chunk_id for c in before} & {c.chunk_id for c in after}
    assert same == {c.chunk_id for c in before if c.heading_path != ("Lunges",)}
    assert chunk_document(make_doc(*sections))[0] == before  # deterministic


def test_identical_texts_get_distinct_ids() -> None:
    tip = "Warm up for ten minutes before every session."
    doc = make_doc(
        Section(heading_path=("Tips",), text=tip), Section(heading_path=("Tips",), text=tip)
    )
    chunks, _ = chunk_document(doc)
    assert len({c.chunk_id for c in chunks}) == 2
    assert chunks[1].chunk_id == chunks[0].chunk_id + "-2"


def test_short_and_empty_sections_are_reported_with_their_heading() -> None:
    doc = make_doc(
        Section(heading_path=(), text="Hi."),
        Section(heading_path=("Hips", "Exercises"), text=""),
        Section(heading_path=("Core",), text="Brace, breathe and keep the ribs down for each rep."),
    )
    chunks, skipped = chunk_document(doc)
    assert [c.heading_path for c in chunks] == [("Core",)]
    assert [(s.source, s.section) for s in skipped] == [
        ("guides/strength.md", "(introduction)"),
        ("guides/strength.md", "Hips › Exercises"),
    ]
    assert "too short" in skipped[0].reason and "3 characters" in skipped[0].reason
    assert skipped[1].reason == "no text under this heading"


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="max_chars"):
        chunk_document(make_doc(), max_chars=50)


words = st.text(alphabet="abcdefghij", min_size=1, max_size=12)
sentence = st.lists(words, min_size=1, max_size=30).map(lambda ws: " ".join(ws).capitalize() + ".")
paragraph = st.lists(sentence, min_size=1, max_size=12).map(" ".join)
document_text = st.lists(paragraph, min_size=1, max_size=8).map("\n\n".join)


@settings(max_examples=60, deadline=None)
@given(text=document_text, max_chars=st.integers(200, 1500))
def test_split_text_keeps_every_word_and_respects_the_limit(text: str, max_chars: int) -> None:
    pieces = split_text(text, max_chars=max_chars, overlap_chars=max_chars // 8, min_chars=40)
    assert all(len(p) <= max_chars for p in pieces)
    joined = " ".join(pieces).split()
    assert set(text.split()) <= set(joined)


def test_a_file_with_thousands_of_headings_is_capped_with_a_reason() -> None:
    """Issue 14 item 7: 10,000 headings must not make 10,000 passages."""
    sections = [
        Section(heading_path=(f"Heading {i}",), text=f"Runners lift twice a week, note {i}.")
        for i in range(10_000)
    ]
    chunks, skipped = chunk_document(make_doc(*sections), min_chars=10, max_passages=200)
    assert 0 < len(chunks) <= 200
    reasons = " ".join(s.reason for s in skipped)
    assert "limit of 200 passages per file" in reasons
    # Merged runs keep their first heading and carry the later headings in their text.
    assert chunks[0].heading_path == ("Heading 0",)
    assert "Heading 1" in chunks[0].text
    # Nothing silently vanishes: what did not fit is reported, with the passage range.
    if len(chunks) == 200:
        assert any(s.section and s.section.startswith("passages 201-") for s in skipped)


def test_passages_beyond_the_cap_are_skipped_and_reported() -> None:
    long_text = "\n\n".join(SENTENCES)  # one section that splits into several passages
    chunks, skipped = chunk_document(
        make_doc(Section(heading_path=("Squats",), text=long_text)),
        max_chars=200,
        overlap_chars=50,
        max_passages=3,
    )
    assert len(chunks) == 3
    assert [s.section for s in skipped][-1].startswith("passages 4-")
    assert "over the limit of 3 per file" in skipped[-1].reason


def test_files_under_the_cap_are_untouched() -> None:
    sections = [Section(heading_path=(f"H{i}",), text=SENTENCES[i]) for i in range(5)]
    capped, notes = chunk_document(make_doc(*sections), max_passages=5)
    plain, _ = chunk_document(make_doc(*sections))
    assert [c.chunk_id for c in capped] == [c.chunk_id for c in plain]
    assert notes == []


def test_bad_passage_cap_is_refused() -> None:
    with pytest.raises(ValueError, match="max_passages"):
        chunk_document(make_doc(Section(heading_path=("A",), text=SENTENCES[0])), max_passages=0)
