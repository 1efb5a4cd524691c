"""Who writes the index: the lock names its holder, `coach status` shows owner and writer, and
`coach index` hands its job to the bot that owns the store (real processes, real files)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from retrieval.errors import IndexBusyError
from retrieval.ingest.writer import lock_holder, store_owner, writer_lock
from tests.conftest import use_session_model
from tests.retrieval.conftest import write_articles

REPO = Path(__file__).resolve().parents[3]

HOLD_LOCK = """
import sys, time
from pathlib import Path
from retrieval.ingest.writer import writer_lock
with writer_lock(Path(sys.argv[1]), "coach index"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""

# A stand-in bot: owns the store and serves handed-over jobs with the real request loop; its
# "re-index" reports what it was asked, so the test sees the job went through it.
FAKE_BOT = """
import asyncio, sys
from pathlib import Path
from bot.settings import Settings
from bot.watcher import serve_index_requests
from retrieval.ingest.indexer import IndexReport

class Bot:
    def __init__(self):
        self.settings = Settings(knowledge_dir=Path(sys.argv[1]), data_dir=Path(sys.argv[2]))

    def reindex(self, *, rebuild=False):
        if Path(sys.argv[1], "fail").exists():
            raise OSError("disk on fire")
        return IndexReport(files=3, chunks=7, embedded=7 if rebuild else 0, reused=0,
                           seconds=0.1, collection="handed-over", switched=rebuild)

async def main():
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(float(sys.argv[3]), stop.set)
    print("serving", flush=True)
    await serve_index_requests(Bot(), stop, poll_s=0.05)

asyncio.run(main())
"""


def start(script: str, *args: str) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    process.stdout.readline()  # ready
    return process


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen]:
    process = start(HOLD_LOCK, str(tmp_path / "data"), "30")
    yield process
    process.kill()
    process.wait()


def test_busy_error_names_the_process_holding_the_lock(tmp_path: Path, holder) -> None:
    data = tmp_path / "data"
    with pytest.raises(IndexBusyError) as caught, writer_lock(data, "bot"):
        pass
    assert f"coach index (pid {holder.pid}" in str(caught.value)
    assert "keeps serving" in str(caught.value)
    found = lock_holder(data)
    assert found is not None and found.pid == holder.pid
    holder.kill()
    holder.wait()
    assert lock_holder(data) is None  # the OS released it with the process
    with writer_lock(data, "bot"):
        assert lock_holder(data).role == "bot"


def test_status_shows_owner_and_writer(tmp_path: Path, holder) -> None:
    env = {"COACH_DATA_DIR": str(tmp_path / "data"), "COACH_KNOWLEDGE_DIR": str(tmp_path)}
    run = CliRunner().invoke(app, ["status", "--json"], env=env)
    assert run.exit_code == 0, run.output
    assert f"coach index (pid {holder.pid}" in run.stdout
    assert '"owner":null' in run.stdout.replace(" ", "")


def test_coach_index_hands_its_job_to_the_bot_that_owns_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder
) -> None:
    use_session_model(monkeypatch, embedder)
    knowledge, data = write_articles(tmp_path / "knowledge"), tmp_path / "data"
    env = {"COACH_DATA_DIR": str(data), "COACH_KNOWLEDGE_DIR": str(knowledge)}
    bot = start(FAKE_BOT, str(knowledge), str(data), "30")
    try:
        for _ in range(50):
            if store_owner(data) is not None:
                break
            time.sleep(0.1)
        owner = store_owner(data)
        assert owner is not None and (owner.role, owner.pid) == ("bot", bot.pid)
        status = CliRunner().invoke(app, ["status"], env=env)
        assert f"bot (pid {bot.pid}" in " ".join(status.stdout.split())

        run = CliRunner().invoke(app, ["index", "--rebuild"], env=env)
        assert run.exit_code == 0, run.output
        assert f"bot (pid {bot.pid}" in " ".join(run.stderr.split())
        assert "handing it the job" in " ".join(run.stderr.split())
        assert "7 embedded" in run.stdout  # the bot's report, not a local index run
        assert not (data / "index-manifest.json").exists()  # this process wrote nothing

        (knowledge / "fail").write_text("x")
        failed = CliRunner().invoke(app, ["index"], env=env)
        assert failed.exit_code == 1
        lines = [line for line in failed.stderr.splitlines() if line.strip()]
        assert lines[-1].startswith("error:") and "disk on fire" in lines[-1]
    finally:
        bot.kill()
        bot.wait()
    assert store_owner(data) is None  # a dead owner is ignored


def test_claim_is_released_when_the_bot_stops(tmp_path: Path) -> None:
    data = tmp_path / "data"
    bot = start(FAKE_BOT, str(tmp_path), str(data), "0.5")
    assert bot.wait(10) == 0
    assert not (data / "store-owner.json").exists()


def test_a_kb_edit_and_its_reindex_run_under_one_hold_of_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder
) -> None:
    """The API for `/kb` writes: change the folder and re-index inside `index_writer`; the
    re-index re-enters the lock, and another writer meanwhile is told who holds it."""
    from bot.app import CoachApp
    from bot.settings import Settings

    knowledge, data = write_articles(tmp_path / "knowledge"), tmp_path / "data"
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(knowledge))
    monkeypatch.setenv("COACH_DATA_DIR", str(data))
    coach = CoachApp(Settings(), embedder=embedder)
    coach.role = "bot"
    coach.reindex()
    other = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(HOLD_LOCK), str(data), "0"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert other.returncode == 0  # free before
    with coach.index_writer("kb add tempo-runs.md"):
        holder = lock_holder(data)
        assert holder is not None and holder.role == "bot: kb add tempo-runs.md"
        (knowledge / "tempo-runs.md").write_text(
            "# Tempo runs\n\n## Effort\n\n" + "Comfortably hard, about an hour's race pace. " * 6,
            encoding="utf-8",
        )
        report = coach.reindex()
        assert report.added == ["tempo-runs.md"]
        blocked = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(HOLD_LOCK), str(data), "0"],
            cwd=REPO,
            capture_output=True,
            text=True,
        )
        assert blocked.returncode != 0 and "bot: kb add tempo-runs.md" in blocked.stderr
    assert lock_holder(data) is None
