"""What the live index holds, for `coach status`, `/kb status` and `/sources` (pure)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import BaseModel

from retrieval.manifest import FileEntry, Manifest
from retrieval.models import Skipped
from retrieval.search.abstention import describe


class IndexStatus(BaseModel):
    knowledge_dir: str
    built_at: datetime | None
    files: int
    chunks: int
    skipped: list[Skipped]
    collection: str | None
    store: str
    owner: str | None = None  # the long-running process that owns the store (the bot)
    writer: str | None = None  # who holds the index writer lock right now
    abstention: str | None = None  # the calibration and bands deciding "not covered"
    judge: str | None = None  # the judge model in force (its name), "off", or why it can't load


class SourceInfo(BaseModel):
    source: str
    title: str
    origin: str
    tags: list[str]
    chunks: int


def index_status(
    manifest: Manifest | None, knowledge_dir: Path, store: str, data_dir: Path | None = None
) -> IndexStatus:
    if manifest is None:
        return IndexStatus(
            knowledge_dir=str(knowledge_dir),
            built_at=None,
            files=0,
            chunks=0,
            skipped=[],
            collection=None,
            store=store,
        )
    return IndexStatus(
        knowledge_dir=str(knowledge_dir),
        built_at=manifest.built_at,
        files=len(manifest.files),
        chunks=manifest.chunk_count,
        skipped=manifest.skipped,
        collection=manifest.collection,
        store=store,
        abstention=describe(data_dir, manifest.model_dump_json()) if data_dir else None,
    )


def list_sources(manifest: Manifest | None, topic: str | None = None) -> list[SourceInfo]:
    """Articles in the index, optionally only those whose title, tags or file match `topic`."""
    if manifest is None:
        return []
    infos = [_info(entry) for entry in manifest.files.values()]
    if topic and topic.strip():
        words = topic.lower().split()
        infos = [i for i in infos if all(w in _haystack(i) for w in words)]
    return sorted(infos, key=lambda i: i.title.lower())


def describe_origin(front_matter: dict) -> str:
    """Front matter `source` as one line: 'Title — Author, Site (date)'; lists joined by '; '."""
    value = front_matter.get("source")
    items = value if isinstance(value, list) else [value] if value else []
    lines = []
    for item in items:
        if isinstance(item, dict):
            title = item.get("title") or ""
            who = ", ".join(str(item[k]) for k in ("author", "site") if item.get(k))
            date = f" ({item['date']})" if item.get("date") else ""
            lines.append(" — ".join(p for p in (str(title), who) if p) + date)
        else:
            lines.append(str(item))
    return "; ".join(line for line in lines if line) or "club coaches"


def _info(entry: FileEntry) -> SourceInfo:
    tags = entry.front_matter.get("tags") or []
    return SourceInfo(
        source=entry.source,
        title=entry.title,
        origin=describe_origin(entry.front_matter),
        tags=[str(t) for t in tags] if isinstance(tags, list) else [str(tags)],
        chunks=len(entry.chunk_ids),
    )


def _haystack(info: SourceInfo) -> str:
    return " ".join([info.title, info.source, *info.tags]).lower()
