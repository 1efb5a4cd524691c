"""Fixtures for the Discord adapter: a small fake app and the bot running against FakeDiscord."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import discord
import pytest

from answering.models import Answer, Citation, Turn
from bot.app import CoachApp
from bot.app_protocol import BotApp
from bot.discord_bot.client import CoachBot
from bot.feedback_store import FeedbackStore
from bot.settings import Settings
from bot.training_log_store import TrainingLogStore
from planner.api import Planner
from retrieval.ingest.indexer import IndexReport
from retrieval.ingest.pipeline import chunk_document, load_document, scan_knowledge
from retrieval.inventory import IndexStatus, SourceInfo
from retrieval.models import Skipped
from retrieval.protocols import Embedder
from tests.conftest import KNOWLEDGE_DIR
from tests.fakes.discord_server import FakeDiscord


class FakeApp:
    """A canned app for the adapters (`BotApp`), answering instantly (or after `delay_s`)."""

    def __init__(self, settings: Settings, *, delay_s: float = 0.0) -> None:
        self.settings = settings
        self.delay_s = delay_s
        self.questions: list[tuple[str, list[Turn]]] = []
        self.reindexed = 0
        self.answer_text = "Lift two or three times a week, heavy and short. [1]"
        self._planner: Planner | None = None

    @property
    def planner(self) -> Planner:
        """The real planner over the bundled articles (a plan needs no index or model)."""
        if self._planner is None:
            paths, _ = scan_knowledge(KNOWLEDGE_DIR)
            docs = [load_document(path, KNOWLEDGE_DIR) for path in paths]
            self._planner = Planner([c for doc in docs for c in chunk_document(doc)[0]])
        return self._planner

    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        self.questions.append((question, list(history)))
        if self.delay_s:
            time.sleep(self.delay_s)
        if "quantum" in question:
            return Answer(
                question=question,
                answer="The guides don't cover that.",
                citations=[],
                abstained=True,
                suggestions=["Calf raises", "Warm-ups before lifting"],
            )
        return Answer(
            question=question,
            answer=self.answer_text,
            citations=[
                Citation(
                    n=1,
                    chunk_id="freq-001",
                    source="strength-frequency.md",
                    title="Strength frequency",
                    heading="How often",
                    quote="Two or three",
                ),
            ],
            abstained=False,
        )

    def status(self) -> IndexStatus:
        return IndexStatus(
            knowledge_dir=str(self.settings.knowledge_dir),
            built_at=datetime(2025, 1, 1, tzinfo=UTC),
            files=2,
            chunks=9,
            skipped=[Skipped(source="broken.pdf", reason="not a readable PDF")],
            collection="kb-1",
            store="embedded",
        )

    def sources(self, topic: str | None = None) -> list[SourceInfo]:
        items = [
            SourceInfo(
                source="calves.md",
                title="Calves and shins",
                origin="club coaches",
                tags=["calves"],
                chunks=4,
            ),
            SourceInfo(
                source="strength-frequency.md",
                title="Strength frequency",
                origin="club coaches",
                tags=["planning"],
                chunks=5,
            ),
        ]
        return [i for i in items if not topic or topic in i.tags]

    def reindex(self, *, rebuild: bool = False) -> IndexReport:
        self.reindexed += 1
        return IndexReport(
            files=2,
            chunks=9,
            embedded=1,
            reused=8,
            added=["new.md"],
            seconds=0.1,
            collection="kb-2",
            switched=True,
        )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", cooldown_s=0, max_concurrency=4)


@pytest.fixture
def fake_app(settings: Settings) -> FakeApp:
    return FakeApp(settings)


@pytest.fixture(scope="session")
def built_data_dir(bundled_index: Path) -> Path:
    """A data dir with the bundled knowledge indexed once for the session (root fixture)."""
    return bundled_index


@pytest.fixture
def real_app(built_data_dir: Path, embedder: Embedder) -> CoachApp:
    """The real CoachApp (extractive answers) over the session's index."""
    settings = Settings(data_dir=built_data_dir, knowledge_dir=KNOWLEDGE_DIR, cooldown_s=0)
    return CoachApp(settings, embedder=embedder)


@pytest.fixture
def bot_store(tmp_path: Path) -> FeedbackStore:
    """A bot store of the test's own: the index is shared across tests, feedback is not."""
    return FeedbackStore(tmp_path / "bot.sqlite3")


@contextlib.asynccontextmanager
async def fake_discord(coach_role: str = "Coach") -> AsyncIterator[FakeDiscord]:
    """A FakeDiscord on 127.0.0.1 with discord.py's REST base pointed at it."""
    fake = FakeDiscord(coach_role=coach_role)
    await fake.start()
    base = discord.http.Route.BASE
    discord.http.Route.BASE = fake.api_base
    try:
        yield fake
    finally:
        discord.http.Route.BASE = base
        await fake.close()


@contextlib.asynccontextmanager
async def running_bot(
    app: FakeApp | CoachApp,
    fake: FakeDiscord,
    *,
    store: FeedbackStore | None = None,
    log_store: TrainingLogStore | None = None,
    clock: Callable[[], datetime] | None = None,
) -> AsyncIterator[CoachBot]:
    """The real discord.py bot, logged in and connected to `fake`, until the block ends.

    `clock` is the bot's clock from the start (cogs read it as they load).
    """
    # mypy (make lint) holds the canned app and the real one to the same Protocol here.
    checked: BotApp = app
    # Real Discord streams guilds in for a while after READY; the fake sends its one at once.
    # CoachBot itself still takes the concrete CoachApp (its kb cog uses more than BotApp).
    bot = CoachBot(checked, store=store, log_store=log_store, guild_ready_timeout=0.05)  # type: ignore[arg-type]
    if clock is not None:
        bot.clock = clock
    task = asyncio.create_task(bot.start("fake-token"))
    ready = asyncio.create_task(bot.wait_until_ready())
    try:
        await asyncio.wait({ready, task}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()  # a failed login or connection: raise its error here
        assert ready.done(), "the bot did not become ready"
        yield bot
    finally:
        ready.cancel()
        await bot.review.drain()
        await bot.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 5)
