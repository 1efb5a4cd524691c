"""Live knowledge: re-index in the background whenever coaches edit the knowledge folder.

The indexer switches to the new index atomically and skips broken files, so answers keep
flowing while it works; nothing raised here ever reaches the bot. While it runs, the bot owns
the embedded store: a `coach index` started meanwhile hands its job over (retrieval.ingest.writer)
and this module runs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from watchfiles import DefaultFilter, awatch

from retrieval.errors import CoachError, IndexBusyError

if TYPE_CHECKING:
    from bot.settings import Settings
    from retrieval.ingest.indexer import IndexReport

log = logging.getLogger(__name__)

REQUEST_POLL_S = 0.5
FOLDER_POLL_S = 5.0


class Reindexable(Protocol):
    settings: Settings

    def reindex(self, *, rebuild: bool = False) -> IndexReport: ...


def describe_report(report: IndexReport) -> str:
    """One log line: what the index holds now and what changed."""
    changes = "; ".join(f"{label}: {', '.join(names)}" for label, names in report.changes())
    skipped = f"; {len(report.skipped)} skipped" if report.skipped else ""
    return f"{report.summary()}{' ' + changes if changes else ''}{skipped}"


async def reindex_now(
    app: Reindexable, *, retry_s: float = 5.0, attempts: int = 12, rebuild: bool = False
) -> bool:
    """Re-index in a worker thread; wait and retry while another writer holds the index."""
    for attempt in range(1, attempts + 1):
        try:
            report = await asyncio.to_thread(_reindex, app, rebuild)
        except IndexBusyError:
            log.info("index busy (attempt %d/%d); retrying in %.0fs", attempt, attempts, retry_s)
            await asyncio.sleep(retry_s)
            continue
        except CoachError as exc:
            log.warning("re-indexing failed, answers use the last good index: %s", exc)
            return False
        except Exception as exc:
            log.warning(
                "re-indexing failed (%s: %s); answers use the last good index",
                exc.__class__.__name__,
                exc,
            )
            log.debug("re-index failure", exc_info=True)
            return False
        log.info("knowledge re-indexed: %s", describe_report(report))
        for skipped in report.skipped:
            log.warning("skipped %s: %s", skipped.source, skipped.reason)
        return True
    log.warning("gave up re-indexing: the index stayed busy; the next change will try again")
    return False


def _reindex(app: Reindexable, rebuild: bool) -> IndexReport:
    return app.reindex(rebuild=rebuild) if rebuild else app.reindex()


async def watch_knowledge(
    app: Reindexable,
    *,
    debounce_ms: int = 1500,
    retry_s: float = 5.0,
    stop_event: asyncio.Event | None = None,
    folder_poll_s: float = FOLDER_POLL_S,
    ready: asyncio.Event | None = None,
) -> None:
    """Run until cancelled or `stop_event` is set, re-indexing after each burst of changes.

    A missing or deleted folder is one log line; answers keep coming from the last index, and
    watching resumes (with a re-index) when the folder is back. Index jobs handed over by
    `coach index` are run meanwhile. `ready` is set each time the folder is being watched.
    """
    stop_event = stop_event or asyncio.Event()
    requests = asyncio.create_task(serve_index_requests(app, stop_event), name="index-requests")
    folder = Path(app.settings.knowledge_dir)
    try:
        first = True
        while not stop_event.is_set():
            if not folder.is_dir():
                log.warning(
                    "knowledge folder %s is missing; answering from the last index and "
                    "re-indexing when it is back",
                    folder,
                )
                if not await _wait_for(folder, stop_event, folder_poll_s):
                    return
                if not first:
                    await reindex_now(app, retry_s=retry_s)
            first = False
            log.info("watching %s for changes", folder)
            await _watch(app, folder, debounce_ms, retry_s, stop_event, ready)
            if folder.is_dir():
                return  # stopped, or the watcher failed (logged)
    except asyncio.CancelledError:
        raise
    finally:
        requests.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await requests


async def _watch(
    app: Reindexable,
    folder: Path,
    debounce_ms: int,
    retry_s: float,
    stop_event: asyncio.Event,
    ready: asyncio.Event | None,
) -> None:
    data_dir = Path(app.settings.data_dir).resolve()
    if ready is not None:
        # Waiters run at this task's next suspension, which comes after the loop's first step
        # has set up the OS watch (awatch does that before it first awaits): no edit is missed.
        ready.set()
    try:
        async for changes in awatch(
            folder, watch_filter=DefaultFilter(), debounce=debounce_ms, stop_event=stop_event
        ):
            # A data folder kept inside the knowledge folder changes on every index run.
            paths = [Path(path) for _, path in changes]
            paths = [p for p in paths if not p.resolve().is_relative_to(data_dir)]
            if not paths:
                continue
            names = sorted({p.name for p in paths})
            log.info(
                "knowledge changed: %s", ", ".join(names[:5]) + (" …" if len(names) > 5 else "")
            )
            if not folder.is_dir():
                return  # deleted: the caller waits for it to come back
            await reindex_now(app, retry_s=retry_s)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        if not folder.is_dir():
            return
        log.warning(
            "the knowledge watcher stopped (%s: %s); restart the bot to resume live updates",
            exc.__class__.__name__,
            exc,
        )
        log.debug("watcher failure", exc_info=True)


async def _wait_for(folder: Path, stop_event: asyncio.Event, poll_s: float) -> bool:
    """True when the folder exists again, False when asked to stop first."""
    while not folder.is_dir():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop_event.wait(), poll_s)
        if stop_event.is_set():
            return False
    log.info("knowledge folder %s is back", folder)
    return True


async def serve_index_requests(
    app: Reindexable, stop_event: asyncio.Event, *, poll_s: float = REQUEST_POLL_S
) -> None:
    """Own the embedded store while the bot runs, and run the index jobs `coach index` hands
    over (see retrieval.ingest.writer.request_index)."""
    from retrieval.ingest.writer import (
        IndexResult,
        answer_request,
        claim_request,
        claim_store,
        pending_requests,
        release_store,
    )

    settings = app.settings
    if getattr(settings, "chroma_url", None):
        return  # a server serialises writers itself; each process indexes on its own
    data_dir = Path(settings.data_dir)
    try:
        claim_store(data_dir, "bot")
    except OSError as exc:
        log.warning("cannot record store ownership in %s: %s", data_dir, exc)
        return
    try:
        while not stop_event.is_set():
            for path, request in pending_requests(data_dir):
                if not claim_request(path):
                    continue
                log.info("re-indexing for %s", request.asked_by.describe())
                try:
                    report = await asyncio.to_thread(_reindex, app, request.rebuild)
                    result = IndexResult(id=request.id, ok=True, report=report.model_dump())
                except CoachError as exc:
                    result = IndexResult(id=request.id, ok=False, error=str(exc))
                except Exception as exc:
                    log.debug("handed-over re-index failed", exc_info=True)
                    result = IndexResult(
                        id=request.id, ok=False, error=f"{exc.__class__.__name__}: {exc}"
                    )
                with contextlib.suppress(OSError):
                    answer_request(data_dir, path, result)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop_event.wait(), poll_s)
    finally:
        release_store(data_dir)
