"""Pydantic models shared by ingestion, indexing, search and answering (no I/O here)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

HEADING_SEP = " › "


class Section(BaseModel):
    """A run of body text under one heading path, as recovered from a document."""

    model_config = ConfigDict(frozen=True)

    heading_path: tuple[str, ...] = ()
    text: str


class ParsedDocument(BaseModel):
    """A knowledge file after loading and cleaning, before chunking."""

    source: str = Field(description="Path relative to the knowledge dir, POSIX separators.")
    title: str
    front_matter: dict = Field(default_factory=dict)
    sections: list[Section]
    content_hash: str = Field(description="sha256 of the raw file bytes.")
    # What cleaning removed that a coach should hear about (hidden text on web pages).
    removed: list[str] = Field(default_factory=list)
    clutter: dict[str, int] = Field(
        default_factory=dict, description="Clutter lines cleaning dropped, counted by kind."
    )


class Chunk(BaseModel):
    """One indexed passage. `chunk_id` is stable: source + heading path + content hash."""

    model_config = ConfigDict(frozen=True)

    chunk_id: str
    source: str
    title: str
    heading_path: tuple[str, ...] = ()
    text: str
    ordinal: int = 0

    @property
    def heading(self) -> str:
        return HEADING_SEP.join(self.heading_path)

    def heading_text(self) -> str:
        """Title and heading alone: runners' questions often echo a heading more than the text."""
        return HEADING_SEP.join((self.title, *self.heading_path))

    def embedding_text(self) -> str:
        """Text handed to the embedder: title and heading give the passage its context."""
        context = HEADING_SEP.join((self.title, *self.heading_path))
        return f"{context}\n{self.text}"


class Skipped(BaseModel):
    """A file or section that was not indexed, and why (shown to coaches)."""

    source: str
    reason: str
    section: str | None = None

    @property
    def where(self) -> str:
        """The file, and the section when only part of it was left out."""
        return f"{self.source} › {self.section}" if self.section else self.source


class ParsedFile(BaseModel):
    """One file as the index takes it: its passages, and what was left out of them and why."""

    document: ParsedDocument
    passages: list[Chunk]
    skipped: list[Skipped] = Field(
        default_factory=list,
        description="Sections too short or merged, hidden text removed, repeated passages.",
    )


class Hit(BaseModel):
    rank: int
    chunk_id: str
    source: str
    title: str
    heading: str
    text: str
    score: float


class SearchResult(BaseModel):
    query: str
    hits: list[Hit]
    abstained: bool
    # "partial": the guides touch on it but not squarely; answer with a caveat (abstention.py).
    support: Literal["direct", "partial", "none"] = "direct"
    timings_ms: dict[str, float] = Field(default_factory=dict)


def passage_for_judge(title: str, heading: str, text: str) -> str:
    """A passage as the judge (retrieval/judge) reads it, the form it was trained on:
    'title › heading', a blank line, then the text."""
    context = HEADING_SEP.join(part for part in (title, heading) if part)
    return f"{context}\n\n{text}" if context else text
