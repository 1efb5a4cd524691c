"""The knowledge-base admin: preview, add, remove, list, show, history, undo, one writer at a time.

The one service of the coaches' library: the surfaces (the `/kb` cog and its buttons,
`coach kb`, the console) call these blocking methods and render what they return. Every
change keeps the previous version, re-indexes, and re-resolves planner citations, so no edit
can take `/plan` down.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from filelock import FileLock, Timeout
from pydantic import BaseModel, Field

from library.errors import KbBusyError, KbError
from library.fetch import fetch_url
from library.history import Change, History, digest, write_atomic
from library.lint import LintIssue, lint_knowledge
from library.plan_citations import CitationReport
from library.preview import MAX_FILE_BYTES, Preview, preview_file, safe_filename
from retrieval.errors import IndexBusyError
from retrieval.ingest.indexer import IndexReport
from retrieval.manifest import load_manifest
from retrieval.models import Chunk

log = logging.getLogger(__name__)

WRITE_LOCK = "kb-write.lock"
STAGING_DIR = "kb-staging"
STAGED_FOR = timedelta(hours=24)
BUSY = (
    "Another coach is changing the knowledge base right now. Wait a moment and try again: "
    "nothing of yours was written."
)


# One change at a time per data folder in this process, however many admins serve it (the
# `/kb` commands and the buttons under a preview each hold one); the file lock covers processes.
_writers: dict[Path, threading.Lock] = {}
_writers_lock = threading.Lock()


def _writer_lock(data_dir: Path) -> threading.Lock:
    with _writers_lock:
        return _writers.setdefault(Path(data_dir).resolve(), threading.Lock())


def article_mode(path: Path) -> int:
    """Permission bits for an article written at `path`: its own when it is replaced, else
    those of the folder's other articles, else what a new file gets under the umask."""
    candidates = [path, *sorted(path.parent.iterdir())] if path.parent.is_dir() else [path]
    for other in candidates:
        with contextlib.suppress(OSError):
            if other.is_file() and not other.name.startswith("."):
                return stat.S_IMODE(other.stat().st_mode)
    # Reading the umask means setting it (process-wide, racy with threads): a probe file
    # created like any other shows it instead.
    path.parent.mkdir(parents=True, exist_ok=True)
    probe = path.parent / f".mode-probe-{uuid.uuid4().hex[:8]}"
    fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
    try:
        return stat.S_IMODE(os.fstat(fd).st_mode)
    finally:
        os.close(fd)
        probe.unlink(missing_ok=True)


class KbSettings(Protocol):
    """The settings the admin reads (read-only: the app's settings are frozen)."""

    @property
    def knowledge_dir(self) -> Path: ...
    @property
    def data_dir(self) -> Path: ...
    @property
    def kb_allow_hosts(self) -> list[str]: ...
    @property
    def kb_fetch_timeout_s(self) -> float: ...
    @property
    def kb_max_fetch_bytes(self) -> int: ...


class KbApp(Protocol):
    """The slice of CoachApp the admin needs."""

    @property
    def settings(self) -> KbSettings: ...

    def reindex(self, *, rebuild: bool = False) -> IndexReport: ...
    def index_writer(self, purpose: str) -> contextlib.AbstractContextManager[None]: ...
    def check_citations(self) -> CitationReport: ...
    def live_chunks(self) -> list[Chunk]: ...


class Staged(BaseModel):
    """A previewed file waiting for Add or Cancel (kept on disk: buttons outlive restarts)."""

    id: str
    preview: Preview
    origin: str = Field(description="The attachment's name or the URL it came from.")
    staged_at: datetime
    who: str


class ChangeResult(BaseModel):
    change: Change
    passages: int = 0
    skipped_reason: str | None = None
    citations: CitationReport = Field(default_factory=CitationReport)


class FileSummary(BaseModel):
    source: str
    title: str
    passages: int
    last_change: Change | None = None


class KnowledgeAdmin:
    def __init__(
        self,
        app: KbApp,
        *,
        clock: Callable[[], datetime] | None = None,
        hand_over: Callable[[], None] | None = None,
    ) -> None:
        """`hand_over` re-indexes through another process that owns the index (the bot)."""
        self.app = app
        self._hand_over = hand_over
        self.settings = app.settings
        self.history = History(self.settings.data_dir)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._thread_lock = _writer_lock(self.settings.data_dir)

    @property
    def knowledge_dir(self) -> Path:
        return Path(self.settings.knowledge_dir)

    @property
    def staging(self) -> Path:
        return Path(self.settings.data_dir) / STAGING_DIR

    # -- preview ---------------------------------------------------------------------------

    def preview_bytes(self, data: bytes, filename: str, *, who: str, origin: str = "") -> Staged:
        """Parse an uploaded file and stage it; nothing in the knowledge folder changes."""
        source = safe_filename(filename)
        manifest = load_manifest(Path(self.settings.data_dir))
        existing = frozenset(manifest.files) if manifest else frozenset()
        if (self.knowledge_dir / source).is_file():
            existing |= {source}
        preview = preview_file(
            data,
            source,
            existing=self.app.live_chunks(),
            existing_sources=existing,
            max_bytes=MAX_FILE_BYTES,
        )
        staged = Staged(
            id=uuid.uuid4().hex[:16],
            preview=preview,
            origin=origin or filename,
            staged_at=self._clock(),
            who=who,
        )
        self._drop_old_staged()
        write_atomic(self.staging / f"{staged.id}.bin", data)
        write_atomic(self.staging / f"{staged.id}.json", staged.model_dump_json().encode())
        return staged

    def preview_url(self, url: str, *, who: str) -> Staged:
        fetched = fetch_url(
            url,
            max_bytes=self.settings.kb_max_fetch_bytes,
            timeout_s=self.settings.kb_fetch_timeout_s,
            allow_hosts=self.settings.kb_allow_hosts,
        )
        return self.preview_bytes(fetched.data, fetched.filename, who=who, origin=fetched.url)

    def staged(self, staged_id: str) -> tuple[Staged, bytes]:
        try:
            meta = (self.staging / f"{staged_id}.json").read_bytes()
            data = (self.staging / f"{staged_id}.bin").read_bytes()
        except FileNotFoundError:
            raise KbError(
                "That preview has expired or was already used; run `/kb add` again."
            ) from None
        return Staged.model_validate_json(meta), data

    def cancel(self, staged_id: str) -> None:
        for suffix in (".json", ".bin"):
            (self.staging / f"{staged_id}{suffix}").unlink(missing_ok=True)

    def _drop_old_staged(self) -> None:
        if not self.staging.is_dir():
            return
        cutoff = time.time() - STAGED_FOR.total_seconds()
        for path in self.staging.iterdir():
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()

    # -- changes ---------------------------------------------------------------------------

    def add(self, staged_id: str, *, who: str) -> ChangeResult:
        """Write a staged file into the knowledge folder and index it."""
        staged, data = self.staged(staged_id)
        source = staged.preview.source
        with self.writing():
            path = self.knowledge_dir / source
            before = path.read_bytes() if path.is_file() else None
            before_sha = self.history.keep(before) if before is not None else None
            after_sha = self.history.keep(data)
            write_atomic(path, data, mode=article_mode(path))
            self.cancel(staged_id)
            result = self._after_write(
                source,
                action="replace" if before is not None else "add",
                who=who,
                before=before_sha,
                after=after_sha,
            )
        return result

    def remove(self, source: str, *, who: str) -> ChangeResult:
        with self.writing():
            path = self.path_of(source)
            data = path.read_bytes()
            before_sha = self.history.keep(data)
            path.unlink()
            return self._after_write(
                self.source_of(path), action="remove", who=who, before=before_sha, after=None
            )

    def undo(self, change_id: int, *, who: str) -> ChangeResult:
        """Put the file back as it was before `change_id` (refused if it changed since)."""
        with self.writing():
            change = self.history.change(change_id)
            path = self.knowledge_dir / change.source
            current = path.read_bytes() if path.is_file() else None
            current_sha = digest(current) if current is not None else None
            if current_sha != change.after:
                later = [c for c in self.history.changes(change.source) if c.id > change.id]
                hint = (
                    f"undo #{later[-1].id} first (newest first)"
                    if later
                    else "it was edited on disk since; remove or replace it instead"
                )
                raise KbError(f"`{change.source}` has changed since #{change.id}: {hint}.")
            if change.before is None:
                path.unlink(missing_ok=True)
            else:
                write_atomic(path, self.history.version(change.before), mode=article_mode(path))
            return self._after_write(
                change.source,
                action="undo",
                who=who,
                before=current_sha,
                after=change.before,
                undoes=change.id,
            )

    def _after_write(self, source: str, **fields: object) -> ChangeResult:
        self._reindex()
        manifest = load_manifest(Path(self.settings.data_dir))
        entry = manifest.files.get(source) if manifest else None
        passages = len(entry.chunk_ids) if entry else 0
        reason = None
        if manifest and fields.get("after") is not None:
            reason = next((s.reason for s in manifest.skipped if s.source == source), None)
        change = self.history.record(at=self._clock(), source=source, passages=passages, **fields)
        log.info("knowledge change %s", change.describe())
        return ChangeResult(
            change=change,
            passages=passages,
            skipped_reason=reason,
            citations=self.app.check_citations(),
        )

    def _reindex(self, *, wait_s: float = 120.0) -> None:
        """Re-index now; the folder watcher may hold the index for a moment, so wait for it."""
        if self._hand_over is not None:
            self._hand_over()
            return
        deadline = time.monotonic() + wait_s
        while True:
            try:
                self.app.reindex()
                return
            except IndexBusyError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """One change at a time, across threads and processes; the second coach is told to wait."""
        if not self._thread_lock.acquire(blocking=False):
            raise KbBusyError(BUSY)
        try:
            Path(self.settings.data_dir).mkdir(parents=True, exist_ok=True)
            lock = FileLock(str(Path(self.settings.data_dir) / WRITE_LOCK))
            try:
                lock.acquire(timeout=0)
            except Timeout:
                raise KbBusyError(BUSY) from None
            try:
                # Remember every rule's passage as it is now: the change may remove it.
                self.app.check_citations()
                # The index writer lock too: the folder watcher waits until this change is
                # written and indexed, rather than indexing a half-made change.
                if self._hand_over is not None:
                    yield  # the owner takes the index lock itself when it re-indexes
                else:
                    with self.app.index_writer("a coach's knowledge-base change"):
                        yield
            finally:
                lock.release()
        finally:
            self._thread_lock.release()

    # -- reading ---------------------------------------------------------------------------

    def path_of(self, source: str) -> Path:
        """A file inside the knowledge folder named by its source; KbError if there is none."""
        name = source.strip().strip("`").replace("\\", "/")
        root = self.knowledge_dir.resolve()
        path = (self.knowledge_dir / name).resolve()
        if root not in path.parents or not path.is_file():
            raise KbError(f"no file `{name}` in the knowledge base; `/kb list` shows the files")
        return path

    def source_of(self, path: Path) -> str:
        return path.relative_to(self.knowledge_dir.resolve()).as_posix()

    def list_files(self) -> list[FileSummary]:
        manifest = load_manifest(Path(self.settings.data_dir))
        latest: dict[str, Change] = {c.source: c for c in self.history.changes()}
        files = manifest.files.values() if manifest else []
        return [
            FileSummary(
                source=e.source,
                title=e.title,
                passages=len(e.chunk_ids),
                last_change=latest.get(e.source),
            )
            for e in sorted(files, key=lambda e: e.source)
        ]

    def show(self, source: str) -> Preview:
        path = self.path_of(source)
        return preview_file(path.read_bytes(), self.source_of(path))

    def changes(self, source: str | None = None) -> list[Change]:
        if source:
            source = source.strip().strip("`")
        return list(reversed(self.history.changes(source or None)))

    def lint(self) -> list[LintIssue]:
        """What to fix in the knowledge folder, each finding with its fix (writes nothing)."""
        return lint_knowledge(self.knowledge_dir)
