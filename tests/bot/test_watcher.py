from __future__ import annotations

import asyncio
import contextlib
import threading
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.watcher import reindex_now, watch_knowledge
from retrieval.errors import IndexBusyError
from retrieval.ingest.indexer import IndexReport


class Reindexer:
    """Counts re-index calls; fails or reports busy a given number of times first."""

    def __init__(self, knowledge_dir: Path, *, busy: int = 0, fail: bool = False) -> None:
        self.settings = Settings(knowledge_dir=knowledge_dir)
        self.busy = busy
        self.fail = fail
        self.calls = 0
        self.done = threading.Event()

    def reindex(self, *, rebuild: bool = False) -> IndexReport:
        self.calls += 1
        if self.busy:
            self.busy -= 1
            raise IndexBusyError("another writer holds the index")
        if self.fail:
            raise RuntimeError("disk on fire")
        self.done.set()
        return IndexReport(
            files=1,
            chunks=2,
            embedded=1,
            reused=1,
            changed=["a.md"],
            seconds=0.01,
            collection="c",
            switched=True,
        )


@pytest.mark.parametrize(
    ("busy", "fail", "ok", "calls"),
    [(0, False, True, 1), (2, False, True, 3), (5, False, False, 3), (0, True, False, 1)],
    ids=["ok", "busy-then-ok", "always-busy", "error"],
)
async def test_reindex_now_retries_while_busy_and_never_raises(
    tmp_path: Path, busy: int, fail: bool, ok: bool, calls: int
) -> None:
    app = Reindexer(tmp_path, busy=busy, fail=fail)
    assert await reindex_now(app, retry_s=0.01, attempts=3) is ok
    assert app.calls == calls


async def test_editing_the_folder_triggers_one_reindex_per_burst(tmp_path: Path) -> None:
    app = Reindexer(tmp_path)
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(watch_knowledge(app, debounce_ms=200, stop_event=stop, ready=ready))
    try:
        await asyncio.wait_for(ready.wait(), 30)
        for i in range(3):
            (tmp_path / f"article-{i}.md").write_text(f"# Article {i}\n\nText.\n")
        assert await asyncio.to_thread(app.done.wait, 10)
        await asyncio.sleep(0.6)
        assert app.calls == 1
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 5)


async def test_missing_folder_is_logged_then_watched_when_it_appears(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "nope"
    app = Reindexer(folder)
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        watch_knowledge(app, debounce_ms=100, stop_event=stop, folder_poll_s=0.1, ready=ready)
    )
    try:
        for _ in range(300):
            if any("is missing" in r.getMessage() for r in caplog.records):
                break
            await asyncio.sleep(0.01)
        assert any("is missing" in r.getMessage() for r in caplog.records)
        assert not task.done() and app.calls == 0 and not ready.is_set()
        folder.mkdir()
        await asyncio.wait_for(ready.wait(), 30)  # noticed and watched again
        (folder / "a.md").write_text("# A\n\nText.\n")
        assert await asyncio.to_thread(app.done.wait, 10)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)


async def test_folder_deleted_while_running_is_one_line_and_re_indexed_when_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import shutil

    folder = tmp_path / "knowledge"
    folder.mkdir()
    (folder / "a.md").write_text("# A\n\nText.\n")
    app = Reindexer(folder)
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        watch_knowledge(app, debounce_ms=100, stop_event=stop, folder_poll_s=0.1, ready=ready)
    )
    try:
        await asyncio.wait_for(ready.wait(), 30)
        shutil.rmtree(folder)
        for _ in range(50):
            if any("is missing" in r.getMessage() for r in caplog.records):
                break
            await asyncio.sleep(0.1)
        missing = [r for r in caplog.records if "is missing" in r.getMessage()]
        assert len(missing) == 1 and "\n" not in missing[0].getMessage()
        assert not any(r.exc_info for r in caplog.records)  # no traceback in the log
        calls = app.calls
        folder.mkdir()
        (folder / "a.md").write_text("# A again\n\nText.\n")
        for _ in range(50):
            if app.calls > calls:
                break
            await asyncio.sleep(0.1)
        assert app.calls > calls  # re-indexed when the folder came back
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
