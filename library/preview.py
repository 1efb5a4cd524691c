"""What adding a file would do, before anything is written (bytes in, Preview out).

It takes the indexer's own parse (`retrieval.ingest.pipeline.parse_file`: loading, cleaning,
sectioning, chunking, under the same limits), so the passages and removed clutter it shows are
what goes live, and a file the indexer would skip is refused with the same one-line reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath

from pydantic import BaseModel, Field

from library.duplicates import DuplicatePair, near_duplicates
from library.errors import KbError
from retrieval.errors import KnowledgeError
from retrieval.ingest.files import SUPPORTED_SUFFIXES, format_size, too_large_reason
from retrieval.ingest.limits import MAX_FILE_BYTES  # the indexer's own limit
from retrieval.ingest.pipeline import parse_file
from retrieval.models import HEADING_SEP, Chunk, Skipped

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class Overlap(BaseModel):
    """An existing article that many of the new passages nearly repeat."""

    source: str
    passages: int
    of: int
    examples: list[DuplicatePair] = Field(default_factory=list)


class Preview(BaseModel):
    """Everything a coach sees before pressing Add."""

    source: str = Field(description="Name it will have in the knowledge folder.")
    size: int
    title: str
    front_matter: bool
    headings: list[str]
    headings_recovered: bool = Field(description="Headings guessed from plain-text lines.")
    passages: int
    removed: dict[str, int] = Field(description="Clutter lines removed, by kind.")
    skipped: list[Skipped]
    overlaps: list[Overlap]
    replaces: bool = Field(description="A file of that name exists and would be replaced.")
    chunks: list[Chunk] = Field(default_factory=list, exclude=True)


def safe_filename(name: str) -> str:
    """A plain file name for the knowledge folder: no folders, no odd characters."""
    base = PurePosixPath(name.replace("\\", "/")).name.strip()
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = _UNSAFE.sub("-", stem).strip(".-_")[:80] or "article"
    return f"{stem}.{suffix.lower()}" if suffix else stem


def check_suffix(source: str) -> str:
    suffix = PurePosixPath(source).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "no extension"
        raise KbError(
            f"`{source}` has {shown}: the knowledge base takes .md, .txt, .html and .pdf files"
        )
    return suffix


def preview_file(
    data: bytes,
    source: str,
    *,
    existing: Sequence[Chunk] = (),
    existing_sources: frozenset[str] = frozenset(),
    max_bytes: int = MAX_FILE_BYTES,
) -> Preview:
    """Parse a candidate file as the indexer would; KbError with the reason when it can't."""
    suffix = check_suffix(source)
    if len(data) > max_bytes:
        raise KbError(f"`{source}` is {too_large_reason(len(data), max_bytes)}")
    if not data.strip():
        raise KbError(f"`{source}` is empty")
    try:
        # Under the indexer's time and memory budget: a hostile file is refused, not parsed big.
        parsed = parse_file(data, source=source, suffix=suffix, stem=PurePosixPath(source).stem)
    except KnowledgeError as exc:
        raise KbError(f"`{source}` can't be used: {exc}") from None
    doc, chunks = parsed.document, parsed.passages
    if not chunks:
        raise KbError(
            f"`{source}` has no passage long enough to index: "
            "add text under its headings (at least a couple of sentences each)"
        )
    headings = list(dict.fromkeys(HEADING_SEP.join(s.heading_path) for s in doc.sections))
    return Preview(
        source=source,
        size=len(data),
        title=doc.title,
        front_matter=bool(doc.front_matter),
        headings=[h for h in headings if h],
        headings_recovered=suffix in (".txt", ".pdf"),
        passages=len(chunks),
        removed=doc.clutter,
        skipped=parsed.skipped,
        overlaps=overlaps(chunks, existing),
        replaces=source in existing_sources,
        chunks=chunks,
    )


def overlaps(chunks: Sequence[Chunk], existing: Sequence[Chunk]) -> list[Overlap]:
    """Existing files that the new passages nearly repeat, most repeated first."""
    by_source: dict[str, list[DuplicatePair]] = {}
    for pair in near_duplicates(chunks, existing):
        by_source.setdefault(pair.other_source, []).append(pair)
    found = [
        Overlap(source=src, passages=len(pairs), of=len(chunks), examples=pairs[:3])
        for src, pairs in by_source.items()
    ]
    return sorted(found, key=lambda o: (-o.passages, o.source))


def describe_size(n_bytes: int) -> str:
    return format_size(n_bytes) if n_bytes >= 100_000 else f"{max(1, n_bytes // 1000)} kB"
