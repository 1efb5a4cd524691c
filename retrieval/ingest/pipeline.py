"""Ingestion entry points: scan the knowledge folder, parse one file into its passages.

`parse_file` is the one path from a file's bytes to the passages the index holds, and what
was removed or left out on the way: the indexer and the coaches' preview both take it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from retrieval.ingest.chunking import chunk_document
from retrieval.ingest.files import SUPPORTED_SUFFIXES, read_file_bytes, scan_knowledge, source_name
from retrieval.ingest.limits import MAX_FILE_BYTES
from retrieval.ingest.parse_worker import parse_bounded
from retrieval.ingest.parsing import NO_TEXT_LEFT, parse_text
from retrieval.models import Chunk, ParsedDocument, ParsedFile, Skipped

__all__ = [
    "NO_TEXT_LEFT",
    "SUPPORTED_SUFFIXES",
    "chunk_document",
    "load_document",
    "parse_file",
    "parse_text",
    "scan_knowledge",
    "split_passages",
]

log = logging.getLogger(__name__)


def load_document(
    path: Path, root: Path, *, max_bytes: int = MAX_FILE_BYTES, bounded: bool = True
) -> ParsedDocument:
    """Read, clean and section one knowledge file; raises KnowledgeError with a reason to show.

    `bounded`: parse in the worker process, under the time and memory budget (parse_worker).
    """
    path = Path(path)
    source = source_name(path, Path(root))
    data = read_file_bytes(path, max_bytes, root=Path(root))
    doc = parse_document(data, source=source, suffix=path.suffix, stem=path.stem, bounded=bounded)
    log.debug("loaded %s: %d sections", source, len(doc.sections))
    return doc


def parse_document(
    data: bytes, *, source: str, suffix: str, stem: str, bounded: bool = True
) -> ParsedDocument:
    """`parse_text`, under the worker's budget when `bounded` (a hostile file is refused)."""
    if bounded:
        return parse_bounded(data, source=source, suffix=suffix, stem=stem)
    return parse_text(data, source=source, suffix=suffix, stem=stem)


def parse_file(
    data: bytes, *, source: str, suffix: str, stem: str, bounded: bool = True
) -> ParsedFile:
    """A file's bytes to the passages the index takes, with everything removed or left out."""
    return split_passages(
        parse_document(data, source=source, suffix=suffix, stem=stem, bounded=bounded)
    )


def split_passages(doc: ParsedDocument) -> ParsedFile:
    """A parsed document's passages as indexed, and what was left out of them and why."""
    chunks, skipped = chunk_document(doc)
    skipped.extend(Skipped(source=doc.source, reason=note) for note in doc.removed)
    chunks, repeats = without_repeats(chunks)
    if repeats:
        # Hundreds of identical vectors also defeat the store's nearest-neighbour graph.
        skipped.append(
            Skipped(source=doc.source, reason=f"{repeats} repeated passages indexed once")
        )
    return ParsedFile(document=doc, passages=chunks, skipped=skipped)


def without_repeats(chunks: list[Chunk]) -> tuple[list[Chunk], int]:
    """A file's passages with word-for-word repeats of an earlier one left out, and how many."""
    seen: set[tuple[tuple[str, ...], str]] = set()
    kept = []
    for chunk in chunks:
        key = (chunk.heading_path, chunk.text)
        if key not in seen:
            seen.add(key)
            kept.append(chunk)
    return kept, len(chunks) - len(kept)
