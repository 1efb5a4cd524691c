"""Scanning the knowledge folder and reading files: what is indexed, skipped, or refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from retrieval.errors import KnowledgeError
from retrieval.ingest.files import (
    SUPPORTED_SUFFIXES,
    is_ignored_name,
    read_file_bytes,
    scan_knowledge,
    source_name,
)


def write(path: Path, text: str = "Some text about running.") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_supported_suffixes() -> None:
    assert frozenset({".md", ".markdown", ".txt", ".html", ".htm", ".pdf"}) == SUPPORTED_SUFFIXES


def test_scan_is_recursive_sorted_and_skips_hidden_files_silently(tmp_path: Path) -> None:
    root = tmp_path / "knowledge"
    for name in ("b.md", "a.txt", "sub/z.html", "sub/deeper/c.PDF", "A.markdown", "page.htm"):
        write(root / name)
    for hidden in (
        ".git/config",
        ".git/HEAD.md",
        ".DS_Store",
        "notes.md~",
        ".notes.md.swp",
        "#draft.md#",
        "~$plan.docx",
        "sub/.hidden.md",
    ):
        write(root / hidden)
    files, skipped = scan_knowledge(root)
    assert [source_name(f, root) for f in files] == [
        "A.markdown",
        "a.txt",
        "b.md",
        "page.htm",
        "sub/deeper/c.PDF",
        "sub/z.html",
    ]
    assert skipped == []
    assert scan_knowledge(root) == (files, skipped)


def test_scan_reports_unsupported_files(tmp_path: Path) -> None:
    write(tmp_path / "plan.docx")
    write(tmp_path / "README")
    write(tmp_path / "ok.md")
    files, skipped = scan_knowledge(tmp_path)
    assert [f.name for f in files] == ["ok.md"]
    assert [(s.source, s.reason) for s in skipped] == [
        ("README", "no file extension — save it as .md, .txt, .html or .pdf"),
        ("plan.docx", "unsupported file type '.docx' — save it as .md, .txt, .html or .pdf"),
    ]


def test_scan_symlinks(tmp_path: Path) -> None:
    root = tmp_path / "knowledge"
    inside = write(root / "real.md")
    outside = write(tmp_path / "secret.md")
    (root / "inside-link.md").symlink_to(inside)
    (root / "outside-link.md").symlink_to(outside)
    (root / "broken-link.md").symlink_to(root / "gone.md")
    (root / "folder-link").symlink_to(root, target_is_directory=True)
    files, skipped = scan_knowledge(root)
    assert [f.name for f in files] == ["inside-link.md", "real.md"]
    assert {s.source: s.reason for s in skipped} == {
        "broken-link.md": "broken symlink (its target no longer exists)",
        "folder-link": "symlinked folder skipped (its files are indexed where they live)",
        "outside-link.md": "symlink points outside the knowledge folder",
    }


def test_scan_missing_folder_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match=r"knowledge folder not found.*COACH_KNOWLEDGE_DIR"):
        scan_knowledge(tmp_path / "nope")


@pytest.mark.parametrize(
    ("name", "ignored"),
    [
        (".DS_Store", True),
        ("a.md~", True),
        (".a.md.swp", True),
        ("a.swp", True),
        ("#a.md#", True),
        ("~$a.docx", True),
        ("a.md", False),
        ("notes.txt", False),
    ],
)
def test_is_ignored_name(name: str, ignored: bool) -> None:
    assert is_ignored_name(name) is ignored


def test_read_file_bytes_too_large_says_size_and_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with open(big, "wb") as handle:
        handle.truncate(20_000_000)  # sparse: instant, takes no disk
    with pytest.raises(KnowledgeError) as error:
        read_file_bytes(big, 5_000_000)
    assert str(error.value).startswith("larger than 5.0 MB limit (20.0 MB)")


@pytest.mark.parametrize("content", [b"", b"   \n\n\t  "])
def test_read_file_bytes_empty(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.md"
    path.write_bytes(content)
    with pytest.raises(KnowledgeError, match="file is empty"):
        read_file_bytes(path, 1000)


def test_read_file_bytes_vanished(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="disappeared while indexing"):
        read_file_bytes(tmp_path / "gone.md", 1000)


def test_read_file_bytes_directory(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="folder, not a file"):
        read_file_bytes(tmp_path, 1000)


# -- reading through a descriptor that never follows a symlink ---------------------------------
def test_a_file_swapped_for_a_symlink_after_the_scan_is_not_read(tmp_path: Path) -> None:
    root = tmp_path / "knowledge"
    root.mkdir()
    secret = tmp_path / "outside-secret.txt"
    secret.write_text("not knowledge: private notes")
    article = root / "article.md"
    article.write_text("# Warm-up\n\nDo a short dynamic warm-up before you lift.")
    files, _ = scan_knowledge(root)
    assert files == [article]

    article.unlink()
    article.symlink_to(secret)  # swapped between the scan and the read

    with pytest.raises(KnowledgeError, match="symlink"):
        read_file_bytes(article, 1000)  # what the indexer does when the swap races its check
    with pytest.raises(KnowledgeError, match="symlink"):
        read_file_bytes(article, 1000, root=root)


def test_a_symlink_the_scan_allowed_is_read_from_its_target(tmp_path: Path) -> None:
    root = tmp_path / "knowledge"
    root.mkdir()
    real = root / "real.md"
    real.write_text("# Strides\n\nFour strides after an easy run.")
    link = root / "link.md"
    link.symlink_to(real)

    assert read_file_bytes(link, 1000, root=root) == real.read_bytes()
    with pytest.raises(KnowledgeError, match="symlink"):
        read_file_bytes(link, 1000)  # without a root to check it against, never followed


def test_a_fifo_swapped_in_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "article.md"
    os.mkfifo(fifo)
    with pytest.raises(KnowledgeError, match="not a regular file"):
        read_file_bytes(fifo, 1000)


def test_the_indexer_skips_a_file_swapped_for_a_symlink(tmp_path: Path) -> None:
    from retrieval.ingest.pipeline import load_document

    root = tmp_path / "knowledge"
    root.mkdir()
    outside = tmp_path / "outside.md"
    outside.write_text("# Private\n\nThese notes must never be indexed.")
    article = root / "article.md"
    article.write_text("# Core\n\nBrace your trunk before each lift.")
    scan_knowledge(root)
    article.unlink()
    article.symlink_to(outside)

    with pytest.raises(KnowledgeError, match="symlink"):
        load_document(article, root)
