"""Who may write the index: the writer lock, who holds it, and which process owns the store.

Every write to the index (the CLI, the folder watcher, a coach's `/kb` edit) runs inside
`writer_lock`. While it is held, `index.owner.json` says who holds it. A long-running process
that serves the embedded store (the bot) also claims the store in `store-owner.json`; a CLI
`coach index` started meanwhile hands its job to that process (`request_index`) instead of
writing the embedded store from a second process.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout
from pydantic import BaseModel, ValidationError

from retrieval.errors import IndexBusyError

LOCK_NAME = "index.lock"
HOLDER_NAME = "index.owner.json"
STORE_OWNER_NAME = "store-owner.json"
REQUESTS_DIR = "index-requests"

_locks: dict[str, FileLock] = {}
_locks_guard = threading.Lock()


class Holder(BaseModel):
    """A process, as `coach status` shows it."""

    role: str
    pid: int
    host: str
    since: datetime

    def describe(self) -> str:
        return f"{self.role} (pid {self.pid} on {self.host}, since {self.since:%Y-%m-%d %H:%M} UTC)"

    def alive(self) -> bool:
        if self.host != socket.gethostname():
            return True  # cannot check another machine's process; trust the file
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def me(role: str) -> Holder:
    return Holder(role=role, pid=os.getpid(), host=socket.gethostname(), since=datetime.now(UTC))


def _lock(data_dir: Path) -> FileLock:
    # One FileLock object per path: re-entrant within a thread, exclusive across processes.
    path = str((data_dir / LOCK_NAME).resolve())
    with _locks_guard:
        if path not in _locks:
            _locks[path] = FileLock(path)
        return _locks[path]


@contextlib.contextmanager
def writer_lock(
    data_dir: Path,
    role: str,
    *,
    timeout: float = 0.0,
    on_wait: Callable[[Holder | None], None] | None = None,
) -> Iterator[None]:
    """Hold the index writer lock while the block runs (re-entrant in one thread).

    Waits up to `timeout` seconds (calling `on_wait` once with the holder), then raises
    `IndexBusyError` naming who holds it. Use it around any change to the knowledge folder
    that must be indexed before another writer runs, e.g. a `/kb` edit plus its re-index.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = _lock(data_dir)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        holder = _read_holder(data_dir / HOLDER_NAME)
        if timeout <= 0:
            raise _busy(holder) from None
        if on_wait:
            on_wait(holder)
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise _busy(_read_holder(data_dir / HOLDER_NAME)) from None
    outermost = lock.lock_counter == 1
    try:
        if outermost:
            _write_json(data_dir / HOLDER_NAME, me(role).model_dump_json())
        yield
    finally:
        if outermost:
            with contextlib.suppress(OSError):
                (data_dir / HOLDER_NAME).unlink()
        lock.release()


def _busy(holder: Holder | None) -> IndexBusyError:
    who = f"{holder.describe()} is" if holder else "Another indexer is"
    return IndexBusyError(
        f"{who} updating the index right now; the current index keeps serving. "
        "Try again when it has finished."
    )


def lock_holder(data_dir: Path) -> Holder | None:
    """Who holds the writer lock now, or None when nobody does.

    Read from the holder file, never by taking the lock: asking must not make a writer that
    starts at that moment fail as busy. A holder killed with -9 leaves the file behind; its
    dead pid says the lock is free (the OS released it with the process).
    """
    holder = _read_holder(data_dir / HOLDER_NAME)
    return holder if holder is not None and holder.alive() else None


def claim_store(data_dir: Path, role: str = "bot") -> Holder:
    """Record that this long-running process owns the embedded store (see `store_owner`)."""
    holder = me(role)
    _write_json(data_dir / STORE_OWNER_NAME, holder.model_dump_json())
    return holder


def release_store(data_dir: Path) -> None:
    path = data_dir / STORE_OWNER_NAME
    holder = _read_holder(path)
    if holder is not None and holder.pid == os.getpid():
        with contextlib.suppress(OSError):
            path.unlink()


def store_owner(data_dir: Path) -> Holder | None:
    """The live process that claimed the store, or None (a dead claimant is ignored)."""
    holder = _read_holder(data_dir / STORE_OWNER_NAME)
    return holder if holder is not None and holder.alive() else None


# -- hand-off: a CLI asks the owning process to index ----------------------------------------
class IndexRequest(BaseModel):
    id: str
    rebuild: bool = False
    asked_by: Holder


class IndexResult(BaseModel):
    id: str
    ok: bool
    report: dict | None = None
    error: str | None = None


def request_index(
    data_dir: Path, *, rebuild: bool, timeout: float, pickup_timeout: float = 30.0
) -> IndexResult:
    """Ask the store's owner to index and wait for its answer.

    Raises `IndexBusyError` when the owner does not pick the job up in `pickup_timeout`
    seconds or does not finish within `timeout`.
    """
    folder = data_dir / REQUESTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    request = IndexRequest(id=uuid.uuid4().hex[:12], rebuild=rebuild, asked_by=me("coach index"))
    ask = folder / f"{request.id}.request.json"
    done = folder / f"{request.id}.result.json"
    _write_json(ask, request.model_dump_json())
    started = time.monotonic()
    try:
        while True:
            if done.exists():
                result = IndexResult.model_validate_json(done.read_bytes())
                done.unlink(missing_ok=True)
                return result
            waited = time.monotonic() - started
            if ask.exists() and waited > pickup_timeout:
                raise IndexBusyError(
                    "The bot owns the index but did not pick up the re-index request in "
                    f"{pickup_timeout:.0f} s; it re-indexes by itself when files change. "
                    "Check its log, or stop it and run `coach index` again."
                )
            if waited > timeout:
                raise IndexBusyError(
                    f"The bot is still re-indexing after {timeout:.0f} s; "
                    "its log says when it has finished."
                )
            time.sleep(0.2)
    finally:
        ask.unlink(missing_ok=True)


def pending_requests(data_dir: Path) -> list[tuple[Path, IndexRequest]]:
    """Requests waiting for this process, oldest first; unreadable ones are removed."""
    folder = data_dir / REQUESTS_DIR
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.request.json"), key=_mtime):
        try:
            found.append((path, IndexRequest.model_validate_json(path.read_bytes())))
        except (OSError, ValidationError, ValueError):
            path.unlink(missing_ok=True)
    return found


def answer_request(data_dir: Path, path: Path, result: IndexResult) -> None:
    path.unlink(missing_ok=True)  # picked up: the asker now waits for the result
    _write_json(data_dir / REQUESTS_DIR / f"{result.id}.result.json", result.model_dump_json())


def claim_request(path: Path) -> bool:
    """Take a request off the queue (False if the asker gave up meanwhile)."""
    try:
        path.rename(path.with_suffix(".taken"))
    except OSError:
        return False
    path.with_suffix(".taken").unlink(missing_ok=True)
    return True


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _read_holder(path: Path) -> Holder | None:
    try:
        return Holder.model_validate_json(path.read_bytes())
    except (OSError, ValidationError, ValueError):
        return None


def _write_json(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
