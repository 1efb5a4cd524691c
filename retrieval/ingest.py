"""Ingestion entry points: scan the knowledge folder, load one file into sections, chunk it."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from retrieval.chunking import chunk_document
from retrieval.errors import KnowledgeError
from retrieval.files import SUPPORTED_SUFFIXES, read_file_bytes, scan_knowledge, source_name
from retrieval.limits import MAX_FILE_BYTES
from retrieval.models import ParsedDocument

__all__ = ["SUPPORTED_SUFFIXES", "chunk_document", "load_document", "parse_text", "scan_knowledge"]

log = logging.getLogger(__name__)

NO_TEXT_LEFT = "no text left after removing page clutter"


def load_document(
    path: Path, root: Path, *, max_bytes: int = MAX_FILE_BYTES, bounded: bool = True
) -> ParsedDocument:
    """Read, clean and section one knowledge file; raises KnowledgeError with a reason to show.

    `bounded`: parse in the worker process, under the time and memory budget (parse_worker).
    """
    path = Path(path)
    source = source_name(path, Path(root))
    data = read_file_bytes(path, max_bytes, root=Path(root))
    if bounded:
        from retrieval.parse_worker import parse_bounded

        doc = parse_bounded(data, source=source, suffix=path.suffix, stem=path.stem)
    else:
        doc = parse_text(data, source=source, suffix=path.suffix, stem=path.stem)
    log.debug("loaded %s: %d sections", source, len(doc.sections))
    return doc


def parse_text(data: bytes, *, source: str, suffix: str, stem: str) -> ParsedDocument:
    """The pure part of loading: raw bytes of a file to a cleaned, sectioned document."""
    # Imported when a file is parsed: an index check that finds nothing changed (every
    # one-shot `coach ask`) skips YAML, markdown-it and the cleaner (~40-60 ms).
    from retrieval.cleaning import clean_lines, normalize_text
    from retrieval.loaders import load_text
    from retrieval.sections import (
        build_sections,
        markdown_blocks,
        plain_blocks,
        take_title,
        unwrap_lines,
    )

    loaded = load_text(data, suffix, source)
    markdown = loaded.markup == "markdown"
    lines = normalize_text(loaded.text).split("\n")
    if not markdown:
        lines = unwrap_lines(lines)
    cleaned = clean_lines(lines, loaded.title or loaded.fallback_title, markdown=markdown)
    blocks = markdown_blocks("\n".join(cleaned)) if markdown else plain_blocks(cleaned)
    title, blocks = take_title(
        blocks, title=loaded.title, fallback=loaded.fallback_title, stem=stem, markdown=markdown
    )
    sections = build_sections(blocks)
    if not any(section.text.strip() for section in sections):
        raise KnowledgeError(NO_TEXT_LEFT)
    return ParsedDocument(
        source=source,
        title=" ".join(title.split()),
        front_matter=loaded.front_matter,
        sections=sections,
        content_hash=hashlib.sha256(data).hexdigest(),
        removed=list(loaded.removed),
    )
