"""Incremental, atomic indexing of the knowledge folder into Chroma, one writer at a time.

A change costs what changed: the new and edited files' chunks are embedded into a new
segment (a Chroma collection written once, never modified), and a new manifest listing the
live chunk ids of every segment is written atomically. Readers only ever load the ids the
manifest lists, so a crash before the switch leaves the previous generation serving, and a
removed or replaced chunk left in an older segment is never returned. Small segments are
merged into the new one as they accumulate (each chunk is copied O(log n) times over its
life), and a segment that is mostly dead is rewritten, so the store does not grow forever.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from retrieval import sentence_vectors
from retrieval.chroma_store import COLLECTION_PREFIX, ChromaStore
from retrieval.errors import KnowledgeError, StoreWriteError
from retrieval.ingest.pipeline import load_document, scan_knowledge, split_passages
from retrieval.ingest.writer import LOCK_NAME, writer_lock
from retrieval.manifest import FileEntry, Manifest, Segment, load_manifest, save_manifest
from retrieval.models import Chunk, Skipped
from retrieval.protocols import Embedder
from retrieval.sentence_vectors import embed_chunks

log = logging.getLogger(__name__)

__all__ = ["LOCK_NAME", "IndexReport", "pipeline_fingerprint", "update_index"]

# Bump when chunking or cleaning changes, so stored chunks are rebuilt rather than mixed.
PIPELINE_VERSION = "5"  # 4: hidden text removed from web pages; 5: judged from page CSS
EMBED_BATCH = 64
COPY_BATCH = 512
# Merge policy: a segment is merged into the new one when it holds at most MERGE_RATIO times
# as many live chunks as the new one so far (a binary-counter cascade), or when less than
# MIN_LIVE of what it stores is still live; never more than MAX_SEGMENTS live segments.
MERGE_RATIO = 2
MIN_LIVE = 0.5
MAX_SEGMENTS = 8
PROBE_READS = 16  # passages read back per segment when nothing changed (damage check)

Progress = Callable[[int, int], None]


class IndexReport(BaseModel):
    files: int
    chunks: int
    embedded: int = Field(description="Chunks embedded in this run (new or changed).")
    reused: int = Field(description="Chunks carried over from the previous index unchanged.")
    copied: int = Field(0, description="Reused chunks copied while merging segments.")
    added: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    skipped: list[Skipped] = Field(default_factory=list)
    seconds: float
    collection: str
    segments: int = 1
    switched: bool = Field(description="False when nothing changed and the live index was kept.")

    # What a run did, said once: the CLI, the console, Discord and the watcher's log style it.
    def summary(self, seconds: float | None = None) -> str:
        """One sentence: what the index holds now, and what this run embedded."""
        took = self.seconds if seconds is None else seconds
        if not self.switched:
            return (
                f"Up to date: {self.files} files, {self.chunks} passages, nothing changed "
                f"({took:.2f} s)."
            )
        return (
            f"Indexed {self.files} files, {self.chunks} passages ({self.embedded} embedded, "
            f"{self.reused} reused) in {took:.1f} s."
        )

    def changes(self) -> list[tuple[str, list[str]]]:
        """The files added, changed and removed, by label; empty lists left out."""
        lists = (("Added", self.added), ("Changed", self.changed), ("Removed", self.removed))
        return [(label, names) for label, names in lists if names]


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
    role: str = "indexer",
) -> IndexReport:
    """Bring the index in line with the folder. Only a validated new generation goes live."""
    if not knowledge_dir.is_dir():
        raise KnowledgeError(
            f"Knowledge folder {knowledge_dir} does not exist; "
            "create it or set COACH_KNOWLEDGE_DIR."
        )
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _unwritable(data_dir, exc) from exc
    try:
        with writer_lock(data_dir, role, timeout=lock_timeout):
            return _update_locked(
                knowledge_dir,
                data_dir,
                store,
                embedder,
                pipeline_fingerprint(model_name),
                rebuild=rebuild,
                progress=progress,
            )
    except OSError as exc:  # the lock file, the manifest: the data folder itself failed
        raise _unwritable(data_dir, exc) from exc


def _unwritable(data_dir: Path, exc: OSError) -> StoreWriteError:
    if exc.errno == 28:
        return StoreWriteError(
            f"No space left on the disk holding {data_dir}; free some space, then run "
            "`coach index`. The previous index keeps serving."
        )
    return StoreWriteError(
        f"Cannot write to the data folder {data_dir} ({exc.strerror or exc}); make it writable "
        "or set COACH_DATA_DIR to a writable folder, then run `coach index`."
    )


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
    live_names = set(store.collection_names())
    if previous and (
        previous.fingerprint != fingerprint
        or any(s.name not in live_names for s in previous.segments)
    ):
        log.info("index settings changed or a segment is missing: rebuilding")
        rebuild = True
    plan = _plan(knowledge_dir, None if rebuild else previous)
    total = sum(len(e.chunk_ids) for e in plan.entries.values())

    unchanged = (
        previous is not None and not rebuild and not (plan.added or plan.changed or plan.removed)
    )
    if unchanged and previous is not None:
        if plan.skipped != previous.skipped or plan.entries != previous.files:
            save_manifest(
                data_dir,
                previous.model_copy(update={"skipped": plan.skipped, "files": plan.entries}),
            )
        _drop_orphans(store, data_dir, keep={s.name for s in previous.segments})
        _probe(store, previous)
        return IndexReport(
            files=len(plan.entries),
            chunks=previous.chunk_count,
            embedded=0,
            reused=previous.chunk_count,
            skipped=plan.skipped,
            seconds=time.perf_counter() - started,
            collection=previous.collection,
            segments=len(previous.segments),
            switched=False,
        )

    old_segments = [] if rebuild or previous is None else previous.segments
    live = _live_counts(plan.entries, previous)
    kept, merged = _choose_merges(old_segments, live, len(plan.new_chunks))
    writing = bool(plan.new_chunks or merged)
    name = f"{COLLECTION_PREFIX}{datetime.now(UTC):%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"
    copied = 0
    if writing:
        collection = store.create(name)
        try:
            sentence_ids: list[str] = []
            sentences: list[np.ndarray] = []
            copied = _copy_merged(
                store, collection, plan.entries, merged, progress, total,
                sentences=(data_dir, embedder, sentence_ids, sentences),
            )  # fmt: skip
            done = copied
            # Length-sorted batches pad less: the model sees ~1.3x fewer tokens than in file order.
            pending = sorted(plan.new_chunks, key=lambda c: len(c.embedding_text()))
            for start in range(0, len(pending), EMBED_BATCH):
                batch = pending[start : start + EMBED_BATCH]
                # One pass gives passages, headings and the passages' sentences.
                vectors, headings, pooled = embed_chunks(embedder, batch)
                store.add(collection, batch, vectors, headings)
                sentence_ids.extend(c.chunk_id for c in batch)
                sentences.extend(p.astype(np.float16) for p in pooled)
                done += len(batch)
                if progress:
                    progress(done, total)
            store.self_check(collection, copied + len(plan.new_chunks))
            sentence_vectors.save_segment(data_dir, name, sentence_ids, sentences)
        except BaseException:
            # The previous segments are untouched and the manifest still points at them.
            store.drop(name)
            raise

    entries = _point_entries(plan, merged, name)
    segments = [s for s in kept if any(e.segment == s.name for e in entries.values())]
    if writing:
        segments.append(Segment(name=name, stored=copied + len(plan.new_chunks)))
    manifest = Manifest(
        collection=segments[-1].name if segments else name,
        segments=segments,
        built_at=datetime.now(UTC),
        fingerprint=fingerprint,
        files=entries,
        skipped=plan.skipped,
        chunk_count=total,
    )
    save_manifest(data_dir, manifest)
    # The previous generation's segments stay one more run: a search that read the old
    # manifest a moment ago may still be reading them. Anything older, or half-built, goes.
    keep = {s.name for s in segments} | ({s.name for s in previous.segments} if previous else set())
    _drop_orphans(store, data_dir, keep=keep)
    return IndexReport(
        files=len(plan.entries),
        chunks=total,
        embedded=len(plan.new_chunks),
        reused=len(plan.reused_ids),
        copied=copied,
        added=plan.added,
        changed=plan.changed,
        removed=plan.removed,
        skipped=plan.skipped,
        seconds=time.perf_counter() - started,
        collection=manifest.collection,
        segments=len(segments),
        switched=True,
    )


def _probe(store: ChromaStore, manifest: Manifest) -> None:
    """Read a few passages of each live segment: a damaged store is reported by `coach index`
    (one line, `StoreDamagedError`) rather than by the next question."""
    for segment, ids in manifest.live_ids().items():
        step = max(1, len(ids) // PROBE_READS)
        store.read_ids(store.get(segment), ids[::step][:PROBE_READS])


def _live_counts(entries: dict[str, FileEntry], previous: Manifest | None) -> dict[str, int]:
    """Live chunks per existing segment after this run (reused entries keep their segment)."""
    counts: dict[str, int] = {}
    if previous is None:
        return counts
    for entry in entries.values():
        if entry.segment:
            counts[entry.segment] = counts.get(entry.segment, 0) + len(entry.chunk_ids)
    return counts


def _choose_merges(
    segments: list[Segment], live: dict[str, int], new_chunks: int
) -> tuple[list[Segment], list[Segment]]:
    """Split the existing segments into those kept as they are and those merged into the new
    one. Newest first: merge while a segment is small next to what the new one already holds."""
    kept = [s for s in segments if live.get(s.name, 0) > 0]
    merged: list[Segment] = []
    size = new_chunks
    while kept and size and live[kept[-1].name] <= MERGE_RATIO * size:
        segment = kept.pop()
        merged.append(segment)
        size += live[segment.name]
    for segment in list(kept):
        if live[segment.name] < MIN_LIVE * segment.stored:
            kept.remove(segment)
            merged.append(segment)
    while len(kept) + (1 if size or merged else 0) > MAX_SEGMENTS:
        smallest = min(kept, key=lambda s: live[s.name])
        kept.remove(smallest)
        merged.append(smallest)
    return kept, merged


def _copy_merged(
    store: ChromaStore,
    collection,
    entries: dict[str, FileEntry],
    merged: list[Segment],
    progress: Progress | None,
    total: int,
    *,
    sentences: tuple[Path, Embedder, list[str], list[np.ndarray]],
) -> int:
    """Copy the live chunks of the merged segments into the new one, and their sentence
    vectors into `sentences` (encoded when an old segment has none); returns how many."""
    data_dir, embedder, sentence_ids, sentence_rows = sentences
    done = 0
    for segment in merged:
        ids = [cid for e in entries.values() if e.segment == segment.name for cid in e.chunk_ids]
        old = store.get(segment.name)
        stored = sentence_vectors.load_segment(data_dir, segment.name) or {}
        for start in range(0, len(ids), COPY_BATCH):
            chunks, vectors, headings = store.read_ids(old, ids[start : start + COPY_BATCH])
            store.add(collection, chunks, vectors, headings)
            missing = [c for c in chunks if c.chunk_id not in stored]
            encoded = dict(
                zip(
                    [c.chunk_id for c in missing],
                    sentence_vectors.encode_sentences(embedder, [c.text for c in missing]),
                    strict=True,
                )
            )
            for chunk in chunks:
                rows = stored.get(chunk.chunk_id)
                sentence_ids.append(chunk.chunk_id)
                sentence_rows.append(
                    np.asarray(rows if rows is not None else encoded[chunk.chunk_id], np.float16)
                )
            done += len(chunks)
            if progress:
                progress(done, total)
    return done


def _point_entries(plan: _Plan, merged: list[Segment], name: str) -> dict[str, FileEntry]:
    """Each file entry names the segment holding its chunks after this run."""
    moved = {s.name for s in merged}
    fresh = set(plan.added) | set(plan.changed)
    entries = {}
    for source, entry in plan.entries.items():
        if source in fresh or entry.segment in moved or not entry.segment:
            entry = entry.model_copy(update={"segment": name})
        entries[source] = entry
    return entries


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
        parsed = split_passages(doc)  # the same passages the coaches' preview shows
        skipped.extend(parsed.skipped)
        chunks = [c for c in parsed.passages if c.chunk_id not in seen_ids]
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


def _drop_orphans(store: ChromaStore, data_dir: Path, keep: set[str]) -> None:
    """Segments left by a crashed run or no longer listed are never served; remove them, their
    sentence vectors, and the vector folders Chroma leaves behind when a collection is deleted."""
    sentence_vectors.drop_segments(data_dir, keep)
    dropped = False
    for name in store.collection_names():
        if name not in keep:
            log.info("removing stale index segment %s", name)
            store.drop(name)
            dropped = True
    if dropped or store.path is not None:
        store.prune_folders()
