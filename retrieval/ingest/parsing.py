"""Raw bytes of one knowledge file to a cleaned, sectioned document, with what cleaning removed.

Pure. The one parse both the indexer and the coaches' preview use (through
`retrieval.ingest.pipeline`), so what a preview says was removed is what the index leaves out.
The parse worker runs it under a time and memory budget (parse_worker.py).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence

from retrieval.errors import KnowledgeError
from retrieval.models import ParsedDocument

NO_TEXT_LEFT = "no text left after removing page clutter"


def parse_text(data: bytes, *, source: str, suffix: str, stem: str) -> ParsedDocument:
    """The pure part of loading: raw bytes of a file to a cleaned, sectioned document."""
    # Imported when a file is parsed: an index check that finds nothing changed (every
    # one-shot `coach ask`) skips YAML, markdown-it and the cleaner (~40-60 ms).
    from retrieval.ingest.cleaning import clean_lines, normalize_text
    from retrieval.ingest.loaders import load_text
    from retrieval.ingest.sections import (
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
        clutter=count_clutter(lines, cleaned),
    )


def count_clutter(lines: Sequence[str], kept: Sequence[str]) -> dict[str, int]:
    """Lines the cleaner dropped (in `lines`, not in `kept`), counted by kind, most first."""
    from retrieval.ingest.cleaning import (
        clutter_kind,
        is_comment_signature,
        is_related_heading,
        plain,
    )

    left = Counter(line.strip() for line in kept)
    counts: Counter[str] = Counter()
    for line in lines:
        key = line.strip()
        if not key:
            continue
        if left[key] > 0:
            left[key] -= 1
            continue
        text = plain(line)
        kind = clutter_kind(text)
        if kind is None:
            if is_related_heading(text):
                kind = "related articles"
            elif is_comment_signature(text):
                kind = "comments"
            else:
                kind = "related lists, comments, repeated title"
        counts[kind] += 1
    return dict(counts.most_common())
