"""Live knowledge: re-index in the background whenever coaches edit the knowledge folder.

The indexer switches to the new index atomically and skips broken files, so answers keep
flowing while it works; nothing raised here ever reaches the bot.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from watchfiles import DefaultFilter, awatch

from retrieval.errors import IndexBusyError

if TYPE_CHECKING:
    from bot.settings import Settings
    from retrieval.indexer import IndexReport

log = logging.getLogger(__name__)


class Reindexable(Protocol):
    settings: Settings

    def reindex(self, *, rebuild: bool = False) -> IndexReport: ...


def describe_report(report: IndexReport) -> str:
    """One log line: what changed and what the index holds now."""
    if not report.switched:
        return f"no change ({report.files} files, {report.chunks} passages)"
    return (
        f"{report.files} files, {report.chunks} passages; {len(report.added)} added, "
        f"{len(report.changed)} changed, {len(report.removed)} removed, "
        f"{len(report.skipped)} skipped; {report.embedded} embedded in {report.seconds:.1f}s"
    )


async def reindex_now(app: Reindexable, *, retry_s: float = 5.0, attempts: int = 12) -> bool:
    """Re-index in a worker thread; wait and retry while another writer holds the index."""
    for attempt in range(1, attempts + 1):
        try:
            report = await asyncio.to_thread(app.reindex)
        except IndexBusyError:
            log.info("index busy (attempt %d/%d); retrying in %.0fs", attempt, attempts, retry_s)
            await asyncio.sleep(retry_s)
            continue
        except Exception:
            log.exception("re-indexing after a knowledge change failed; answers use the old index")
            return False
        log.info("knowledge re-indexed: %s", describe_report(report))
        for skipped in report.skipped:
            log.warning("skipped %s: %s", skipped.source, skipped.reason)
        return True
    log.warning("gave up re-indexing: the index stayed busy; the next change will try again")
    return False


async def watch_knowledge(
    app: Reindexable,
    *,
    debounce_ms: int = 1500,
    retry_s: float = 5.0,
    stop_event: asyncio.Event | None = None,
) -> None:
    """Run until cancelled or `stop_event` is set, re-indexing after each burst of changes."""
    folder = Path(app.settings.knowledge_dir)
    if not folder.is_dir():
        log.warning("not watching %s: no such folder", folder)
        return
    log.info("watching %s for changes", folder)
    try:
        async for changes in awatch(
            folder, watch_filter=DefaultFilter(), debounce=debounce_ms, stop_event=stop_event
        ):
            names = sorted({Path(path).name for _, path in changes})
            log.info(
                "knowledge changed: %s", ", ".join(names[:5]) + (" …" if len(names) > 5 else "")
            )
            await reindex_now(app, retry_s=retry_s)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("the knowledge watcher stopped; restart the bot to resume live updates")
