"""A larger corpus for the index benchmarks: the knowledge articles copied N times.

Each copy's paragraphs carry a marker word, so chunk texts and ids differ between copies.
`bench_index`, `bench_scale` and `bench_memory` share it.
"""

from __future__ import annotations

import re
from pathlib import Path

_NATO = (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet "
    "kilo lima mike november oscar papa quebec romeo sierra tango"
)
MARKERS = _NATO.split()
# A list item, numbered item, quote or table row keeps its prefix; the marker goes after it.
_STRUCTURE = re.compile(r"^(\s*(?:[-*+] |\d+\. |> |\| )?)(.*)$")


def marker(copy: int) -> str:
    word = MARKERS[copy % len(MARKERS)]
    return word if copy < len(MARKERS) else f"{word}{copy // len(MARKERS)}"


def mark_paragraphs(text: str, word: str) -> str:
    """Prefix every body line (not front matter, headings or blank lines) with `word`."""
    lines = text.split("\n")
    in_front = bool(lines) and lines[0].strip() == "---"
    out: list[str] = []
    for number, line in enumerate(lines):
        if in_front:
            out.append(line)
            if number > 0 and line.strip() == "---":
                in_front = False
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            out.append(line)
            continue
        match = _STRUCTURE.match(line)
        assert match is not None  # every group is optional or `.*`: any line matches
        prefix, rest = match.groups()
        out.append(f"{prefix}{word.capitalize()}: {rest}")
    return "\n".join(out)


def write_corpus(source: Path, target_dir: Path, copies: int) -> int:
    """Copy every Markdown article `copies` times under copy-NN/ folders; returns files written."""
    articles = sorted(source.glob("*.md"))
    for copy in range(copies):
        folder = target_dir / f"copy-{copy:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        for path in articles:
            text = mark_paragraphs(path.read_text(encoding="utf-8"), marker(copy))
            (folder / path.name).write_text(text, encoding="utf-8")
    return copies * len(articles)


def indexer_texts(knowledge_dir: Path) -> tuple[int, list[str]]:
    """(chunks, texts) exactly as `update_index` embeds them on a rebuild, in its order."""
    from retrieval.ingest.indexer import EMBED_BATCH
    from retrieval.ingest.pipeline import chunk_document, load_document, scan_knowledge

    chunks, seen = [], set()
    paths, _ = scan_knowledge(knowledge_dir)
    for path in paths:
        for chunk in chunk_document(load_document(path, knowledge_dir))[0]:
            if chunk.chunk_id not in seen:
                seen.add(chunk.chunk_id)
                chunks.append(chunk)
    texts: list[str] = []
    for start in range(0, len(chunks), EMBED_BATCH):
        batch = chunks[start : start + EMBED_BATCH]
        texts += [c.embedding_text() for c in batch] + [c.heading_text() for c in batch]
    return len(chunks), texts
