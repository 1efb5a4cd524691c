"""The preview: what adding a file would do, from the indexer's own parsing (pure)."""

from __future__ import annotations

import pytest

from library.errors import KbError
from library.preview import preview_file, safe_filename
from retrieval.models import Chunk
from tests.library.conftest import ARTICLE


def test_preview_reports_title_headings_passages_and_clutter() -> None:
    preview = preview_file(ARTICLE, "hills.md")
    assert preview.title == "Hill Sprints for Strength"
    assert preview.headings == ["Why hill sprints build strength", "How many hill sprints to do"]
    assert preview.passages == 2 and preview.front_matter and not preview.replaces
    assert preview.removed == {"share bar": 1}
    assert not preview.headings_recovered


def test_plain_text_headings_are_marked_as_recovered() -> None:
    text = (
        b"Hill sprints\n\nWhy they work\n\nShort steep sprints load the calves and hips while "
        b"the slope keeps impact low, so they build power safely.\n\nHow many\n\nStart with "
        b"four after an easy run and add one a week up to ten, with full recovery.\n"
    )
    preview = preview_file(text, "hills.txt")
    assert preview.headings_recovered
    assert "Why they work" in preview.headings and preview.passages == 2


def test_near_duplicates_of_existing_articles_are_named() -> None:
    mine = preview_file(ARTICLE, "hills.md").chunks
    existing = [c.model_copy(update={"source": "old-hills.md", "chunk_id": "x"}) for c in mine]
    existing.append(
        Chunk(chunk_id="y", source="calves.md", title="C", text="Calf raises, three sets of 15.")
    )
    preview = preview_file(ARTICLE, "hills.md", existing=existing)
    (overlap,) = preview.overlaps
    assert (overlap.source, overlap.passages, overlap.of) == ("old-hills.md", 2, 2)


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"\x00\x01\x02binary" * 50, "notes.txt", "binary file"),
        (b"%PDF-1.7 not really", "guide.pdf", "unreadable PDF"),
        (b"x" * 6_000_000, "huge.md", "larger than 5.0 MB"),
        (b"", "empty.md", "is empty"),
        (b"# Title\n\nshort\n", "tiny.md", "no passage long enough"),
        (b"{}", "data.json", "takes .md, .txt, .html and .pdf"),
    ],
)
def test_unusable_files_are_refused_with_the_reason(data: bytes, name: str, reason: str) -> None:
    with pytest.raises(KbError, match=reason):
        preview_file(data, name)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Hill Sprints.MD", "Hill-Sprints.md"),
        ("../../etc/passwd.md", "passwd.md"),
        ("C:\\Users\\coach\\calves & shins.txt", "calves-shins.txt"),
        ("...", "article"),
    ],
)
def test_file_names_are_made_safe(name: str, expected: str) -> None:
    assert safe_filename(name) == expected
