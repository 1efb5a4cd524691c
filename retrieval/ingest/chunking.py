"""Sections to chunks: split long sections at paragraphs, then sentences, with a little overlap.

Chunk ids are `source#heading-slug#text-hash`: readable in logs and citations, stable across
runs, and an edit to one section changes only that section's ids.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

from retrieval.models import HEADING_SEP, Chunk, ParsedDocument, Section, Skipped
from retrieval.text import split_sentences

# At most this many passages from one file. A page with thousands of headings (a generated
# index, a pasted forum dump) would otherwise flood search results and the index; its
# sections are merged in runs first, and what still does not fit is left out, with the
# reason shown in `coach status`.
MAX_PASSAGES_PER_FILE = 200


def chunk_document(
    doc: ParsedDocument,
    *,
    max_chars: int = 1200,
    overlap_chars: int = 150,
    min_chars: int = 40,
    max_passages: int = MAX_PASSAGES_PER_FILE,
) -> tuple[list[Chunk], list[Skipped]]:
    """Chunk every section of a document; sections too short to stand alone are reported,
    and so is anything beyond `max_passages` passages."""
    if max_chars < 100 or not 0 <= overlap_chars < max_chars // 2:
        raise ValueError("need max_chars >= 100 and 0 <= overlap_chars < max_chars / 2")
    if max_passages < 1:
        raise ValueError("need max_passages >= 1")
    chunks: list[Chunk] = []
    skipped: list[Skipped] = []
    seen: dict[str, int] = {}
    sections = list(doc.sections)
    if len(sections) > max_passages:
        sections = merge_sections(sections, max(1, max_passages // 2))
        skipped.append(
            Skipped(
                source=doc.source,
                section=f"{len(doc.sections)} sections",
                reason=f"more sections than the limit of {max_passages} passages per file: "
                f"merged into {len(sections)} runs of neighbouring sections",
            )
        )
    for section in sections:
        heading = HEADING_SEP.join(section.heading_path) or "(introduction)"
        text = section.text.strip()
        if not text:
            skipped.append(
                Skipped(source=doc.source, section=heading, reason="no text under this heading")
            )
            continue
        if len(text) < min_chars:
            skipped.append(
                Skipped(
                    source=doc.source,
                    section=heading,
                    reason=f"too short to index on its own ({len(text)} characters, "
                    f"minimum {min_chars})",
                )
            )
            continue
        pieces = split_text(
            text, max_chars=max_chars, overlap_chars=overlap_chars, min_chars=min_chars
        )
        for piece in pieces:
            chunk_id = make_chunk_id(doc.source, section.heading_path, piece)
            # Identical passages under one heading (a repeated tip) still need distinct ids.
            seen[chunk_id] = seen.get(chunk_id, 0) + 1
            if seen[chunk_id] > 1:
                chunk_id = f"{chunk_id}-{seen[chunk_id]}"
            chunks.append(
                Chunk(
                    chunk_id=chunk_id,
                    source=doc.source,
                    title=doc.title,
                    heading_path=section.heading_path,
                    text=piece,
                    ordinal=len(chunks),
                )
            )
    if len(chunks) > max_passages:
        skipped.append(
            Skipped(
                source=doc.source,
                section=f"passages {max_passages + 1}-{len(chunks)}",
                reason=f"the file makes {len(chunks)} passages, over the limit of "
                f"{max_passages} per file: the rest is not indexed (split the file up)",
            )
        )
        chunks = chunks[:max_passages]
    return chunks, skipped


def merge_sections(sections: Sequence[Section], groups: int) -> list[Section]:
    """Neighbouring sections merged into at most `groups` runs; each run keeps its first
    heading path, and the later headings stay in its text so nothing is lost."""
    size = -(-len(sections) // groups)
    merged: list[Section] = []
    for start in range(0, len(sections), size):
        run = sections[start : start + size]
        parts = [run[0].text.strip()]
        for section in run[1:]:
            title = section.heading_path[-1] if section.heading_path else ""
            parts.append(f"{title}\n\n{section.text.strip()}".strip())
        text = "\n\n".join(p for p in parts if p)
        merged.append(Section(heading_path=run[0].heading_path, text=text))
    return merged


def make_chunk_id(source: str, heading_path: Sequence[str], text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    return f"{source}#{slug_path(heading_path)}#{digest}"


def slug_path(heading_path: Sequence[str]) -> str:
    """'Strength › Hip hinges' -> 'strength/hip-hinges'; 'intro' for text before any heading."""
    return "/".join(slug(h) for h in heading_path) or "intro"


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return words[:60].rstrip("-") or "section"


# ---------------------------------------------------------------------------------------------
# Splitting


def split_text(text: str, *, max_chars: int, overlap_chars: int, min_chars: int) -> list[str]:
    """Cut text into pieces of at most about `max_chars`, at the coarsest boundary that fits.

    Each piece after the first starts with the last sentence(s) of the one before (up to
    `overlap_chars`). A tiny tail is merged into the piece before instead of standing alone.
    """
    text = text.strip()
    if len(text) <= max_chars:
        return [text]
    units = _units(text, max_chars)
    pieces: list[list[tuple[str, str]]] = []  # (separator, unit) pairs
    current: list[tuple[str, str]] = []
    carried = 0  # leading items of `current` repeated from the previous piece
    for sep, unit in units:
        if len(current) > carried and _length([*current, (sep, unit)]) > max_chars:
            pieces.append(current)
            current = _overlap(current, overlap_chars, max_chars - len(unit) - 1)
            if _length([*current, (sep, unit)]) > max_chars:
                current = []  # separators the budget can't see: no overlap beats a long piece
            carried = len(current)
        current.append((sep, unit))
    fresh = current[carried:]
    if fresh:
        threshold = max(min_chars, max_chars // 8)
        if pieces and _length(fresh) < threshold:
            previous = pieces.pop()
            if _length(previous + fresh) <= max_chars:
                pieces.append(previous + fresh)
            else:
                # Too big to merge: move the end of the previous piece over to the tail instead.
                while (
                    len(previous) > 1
                    and _length(fresh) < threshold
                    and _length([previous[-1], *fresh]) <= max_chars
                ):
                    fresh.insert(0, previous.pop())
                pieces.append(previous)
                room = max_chars - _length(fresh) - 1
                tail = _overlap(previous, overlap_chars, room) + fresh
                pieces.append(tail if _length(tail) <= max_chars else fresh)
        else:
            pieces.append(current)
    return [_render(p) for p in pieces]


def _units(text: str, max_chars: int) -> list[tuple[str, str]]:
    """Paragraphs, lines, sentences, then word runs: each no longer than max_chars."""
    units: list[tuple[str, str]] = []
    for p, paragraph in enumerate(text.split("\n\n")):
        paragraph = paragraph.strip("\n")
        if not paragraph.strip():
            continue
        sep = "\n\n" if p else ""
        for line_no, line in enumerate(_fit(paragraph, "\n", max_chars)):
            line_sep = sep if line_no == 0 else "\n"
            for s_no, sentence in enumerate(_fit_sentences(line, max_chars)):
                for w_no, words in enumerate(_fit_words(sentence, max_chars)):
                    units.append((line_sep if s_no == 0 and w_no == 0 else " ", words))
    return units


def _fit(text: str, sep: str, max_chars: int) -> list[str]:
    return [text] if len(text) <= max_chars else [part for part in text.split(sep) if part.strip()]


def _fit_sentences(text: str, max_chars: int) -> list[str]:
    if len(text) <= max_chars:
        return [text]
    return split_sentences(text)


def _fit_words(text: str, max_chars: int) -> list[str]:
    if len(text) <= max_chars:
        return [text]
    runs: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > max_chars:  # no spaces at all (a URL, a data dump): cut hard
            if current:
                runs.append(current)
                current = ""
            runs.append(word[:max_chars])
            word = word[max_chars:]
        if current and len(current) + 1 + len(word) > max_chars:
            runs.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        runs.append(current)
    return runs


def _overlap(piece: list[tuple[str, str]], overlap_chars: int, room: int) -> list[tuple[str, str]]:
    """The last whole sentences of a piece that fit the overlap budget, else its last words."""
    budget = min(overlap_chars, room)
    if budget <= 0:
        return []
    tail: list[tuple[str, str]] = []
    for sep, unit in reversed(piece):
        sentences = split_sentences(unit)
        taken: list[str] = []
        for sentence in reversed(sentences):
            if len(sentence) + 1 > budget:
                break
            taken.insert(0, sentence)
            budget -= len(sentence) + 1
        if taken:
            tail.insert(0, (sep, " ".join(taken)))
        if len(taken) < len(sentences):
            break
    if not tail and budget >= 40:
        words = piece[-1][1].split()
        kept: list[str] = []
        while words and len(words[-1]) + 1 + sum(len(w) + 1 for w in kept) <= budget:
            kept.insert(0, words.pop())
        if kept and words:
            tail = [("", "… " + " ".join(kept))]
    return tail


def _length(items: list[tuple[str, str]]) -> int:
    return len(_render(items))


def _render(items: list[tuple[str, str]]) -> str:
    text = "".join(sep + unit for sep, unit in items)
    return text.strip()
