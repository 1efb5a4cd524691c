"""Incremental, atomic indexing of the knowledge folder into Chroma, one writer at a time."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout
from pydantic import BaseModel, Field

from retrieval.errors import IndexBusyError, IndexUnavailableError, KnowledgeError
from retrieval.ingest import chunk_document, load_document, scan_knowledge
from retrieval.manifest import FileEntry, Manifest, load_manifest, save_manifest
from retrieval.models import Chunk, Skipped
from retrieval.protocols import Embedder
from retrieval.store import COLLECTION_PREFIX, ChromaStore

log = logging.getLogger(__name__)

LOCK_NAME = "index.lock"
# Bump when chunking or cleaning changes, so stored chunks are rebuilt rather than mixed.
PIPELINE_VERSION = "3"
EMBED_BATCH = 64

Progress = Callable[[int, int], None]


class IndexReport(BaseModel):
    files: int
    chunks: int
    embedded: int = Field(description="Chunks embedded in this run (new or changed).")
    reused: int = Field(description="Chunks carried over from the previous index unchanged.")
    added: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    skipped: list[Skipped] = Field(default_factory=list)
    seconds: float
    collection: str
    switched: bool = Field(description="False when nothing changed and the live index was kept.")


class _Plan(BaseModel):
    """What one run will do, decided before anything is written."""

    entries: dict[str, FileEntry]
    new_chunks: list[Chunk]
    reused_ids: list[str]
    added: list[str]
    changed: list[str]
    removed: list[str]
    skipped: list[Skipped]


def pipeline_fingerprint(model_name: str) -> str:
    return f"{model_name}|pipeline={PIPELINE_VERSION}"


def update_index(
    knowledge_dir: Path,
    data_dir: Path,
    store: ChromaStore,
    embedder: Embedder,
    *,
    model_name: str,
    rebuild: bool = False,
    progress: Progress | None = None,
    lock_timeout: float = 0.0,
) -> IndexReport:
    """Bring the index in line with the folder. Only a validated new collection goes live."""
    if not knowledge_dir.is_dir():
        raise KnowledgeError(
            f"Knowledge folder {knowledge_dir} does not exist; "
            "create it or set COACH_KNOWLEDGE_DIR."
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(data_dir / LOCK_NAME))
    try:
        lock.acquire(timeout=lock_timeout)
    except Timeout:
        raise IndexBusyError(
            "Another indexer is updating the index right now; the current index keeps serving. "
            "Try again when it has finished."
        ) from None
    try:
        return _update_locked(
            knowledge_dir,
            data_dir,
            store,
            embedder,
            pipeline_fingerprint(model_name),
            rebuild=rebuild,
            progress=progress,
        )
    finally:
        lock.release()


def _update_locked(
    knowledge_dir: Path,
    data_dir: Path,
    store: ChromaStore,
    embedder: Embedder,
    fingerprint: str,
    *,
    rebuild: bool,
    progress: Progress | None,
) -> IndexReport:
    started = time.perf_counter()
    previous = load_manifest(data_dir)
    live_names = store.collection_names()
    if previous and (previous.fingerprint != fingerprint or previous.collection not in live_names):
        log.info("index settings changed or collection missing: rebuilding")
        rebuild = True
    plan = _plan(knowledge_dir, None if rebuild else previous)
    total = sum(len(e.chunk_ids) for e in plan.entries.values())

    unchanged = (
        previous is not None and not rebuild and not (plan.added or plan.changed or plan.removed)
    )
    if unchanged:
        if plan.skipped != previous.skipped or plan.entries != previous.files:
            save_manifest(
                data_dir,
                previous.model_copy(update={"skipped": plan.skipped, "files": plan.entries}),
            )
        _drop_orphans(store, keep={previous.collection})
        return IndexReport(
            files=len(plan.entries),
            chunks=previous.chunk_count,
            embedded=0,
            reused=previous.chunk_count,
            skipped=plan.skipped,
            seconds=time.perf_counter() - started,
            collection=previous.collection,
            switched=False,
        )

    name = f"{COLLECTION_PREFIX}{datetime.now(UTC):%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
    collection = store.create(name)
    try:
        done = 0
        if plan.reused_ids and previous is not None:
            old = store.get(previous.collection)
            for start in range(0, len(plan.reused_ids), 512):
                ids = plan.reused_ids[start : start + 512]
                chunks, vectors, headings = ChromaStore.read_all_ids(old, ids)
                ChromaStore.add(collection, chunks, vectors, headings)
                done += len(chunks)
                if progress:
                    progress(done, total)
        # Length-sorted batches pad less: the model sees ~1.3x fewer tokens than in file order.
        pending = sorted(plan.new_chunks, key=lambda c: len(c.embedding_text()))
        for start in range(0, len(pending), EMBED_BATCH):
            batch = pending[start : start + EMBED_BATCH]
            # One call for passages and headings: the model batches them together.
            vectors = embedder.embed(
                [c.embedding_text() for c in batch] + [c.heading_text() for c in batch]
            )
            ChromaStore.add(collection, batch, vectors[: len(batch)], vectors[len(batch) :])
            done += len(batch)
            if progress:
                progress(done, total)
        _validate(collection, total)
    except BaseException:
        # The previous collection is untouched and the manifest still points at it.
        store.drop(name)
        raise

    manifest = Manifest(
        collection=name,
        built_at=datetime.now(UTC),
        fingerprint=fingerprint,
        files=plan.entries,
        skipped=plan.skipped,
        chunk_count=total,
    )
    save_manifest(data_dir, manifest)
    # The previous generation stays one more run: a search that read the old manifest a
    # moment ago may still be querying it. Anything older, or half-built, goes.
    _drop_orphans(store, keep={name, previous.collection} if previous else {name})
    return IndexReport(
        files=len(plan.entries),
        chunks=total,
        embedded=len(plan.new_chunks),
        reused=len(plan.reused_ids),
        added=plan.added,
        changed=plan.changed,
        removed=plan.removed,
        skipped=plan.skipped,
        seconds=time.perf_counter() - started,
        collection=name,
        switched=True,
    )


def _plan(knowledge_dir: Path, previous: Manifest | None) -> _Plan:
    paths, skipped = scan_knowledge(knowledge_dir)
    old_files = previous.files if previous else {}
    entries: dict[str, FileEntry] = {}
    new_chunks: list[Chunk] = []
    reused: list[str] = []
    added: list[str] = []
    changed: list[str] = []
    seen_ids: set[str] = set()
    for path in paths:
        source = path.relative_to(knowledge_dir).as_posix()
        old = old_files.get(source)
        try:
            stat = path.stat()
            if old and old.size == stat.st_size and old.mtime_ns == stat.st_mtime_ns:
                entries[source] = old
                reused.extend(old.chunk_ids)
                seen_ids.update(old.chunk_ids)
                continue
            doc = load_document(path, knowledge_dir)
        except (KnowledgeError, OSError) as exc:
            reason = (
                str(exc)
                if isinstance(exc, KnowledgeError)
                else f"cannot read this file ({exc.strerror or exc})"
            )
            if old:
                # A broken edit must not take the last good version of the file offline.
                reason += " (still serving the last good version)"
                entries[source] = old
                reused.extend(old.chunk_ids)
                seen_ids.update(old.chunk_ids)
            skipped.append(Skipped(source=source, reason=reason))
            continue
        if old and old.content_hash == doc.content_hash:
            entries[source] = old.model_copy(
                update={"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
            )
            reused.extend(old.chunk_ids)
            seen_ids.update(old.chunk_ids)
            continue
        chunks, dropped = chunk_document(doc)
        skipped.extend(dropped)
        chunks = [c for c in chunks if c.chunk_id not in seen_ids]
        if not chunks:
            skipped.append(Skipped(source=source, reason="no passages long enough to index"))
            continue
        seen_ids.update(c.chunk_id for c in chunks)
        new_chunks.extend(chunks)
        (changed if old else added).append(source)
        entries[source] = FileEntry(
            source=source,
            size=stat.st_size,
            mtime_ns=stat.st_mtime_ns,
            content_hash=doc.content_hash,
            title=doc.title,
            front_matter=doc.front_matter,
            chunk_ids=[c.chunk_id for c in chunks],
        )
    removed = sorted(set(old_files) - set(entries))
    return _Plan(
        entries=entries,
        new_chunks=new_chunks,
        reused_ids=reused,
        added=added,
        changed=changed,
        removed=removed,
        skipped=skipped,
    )


def _validate(collection, expected: int) -> None:
    count = collection.count() // 2  # a passage vector and a heading vector per chunk
    if count != expected:
        raise IndexUnavailableError(
            f"New index has {count} passages, expected {expected}; "
            "the previous index keeps serving."
        )
    if expected:
        got = collection.get(where={"kind": "chunk"}, limit=1, include=["embeddings"])
        vector = np.asarray(got["embeddings"][0], dtype=np.float32)
        nearest = ChromaStore.query(collection, vector, 1)
        # A mirrored file stores the very same vector, and its twin may come back first.
        if not nearest or (nearest[0][0] != got["ids"][0] and nearest[0][1] < 0.999):
            raise IndexUnavailableError("New index failed its self-check; previous index kept.")


def _drop_orphans(store: ChromaStore, keep: set[str]) -> None:
    """Collections left by a crashed run or two generations back are never served; remove them."""
    for name in store.collection_names():
        if name not in keep:
            log.info("removing stale index collection %s", name)
            store.drop(name)
