"""50 concurrent /ask through FakeDiscord with a slow fake LLM: every one deferred and answered;
50 members submitting the training-log form at once (each twice): every entry stored once.

Latency and event-loop lag are measured by benchmarks/bench_discord_load.py, not asserted here.
"""

from __future__ import annotations

from pathlib import Path

from bot.app import CoachApp
from bot.feedback_store import FeedbackStore
from bot.settings import Settings
from bot.training_log_store import TrainingLogStore
from tests.answering.helpers import cite_first_sentences
from tests.conftest import KNOWLEDGE_DIR
from tests.discord.conftest import fake_discord
from tests.discord.load import run_load, run_log_load
from tests.fakes.openai_server import FakeOpenAIServer


async def test_fifty_concurrent_asks_are_all_deferred_and_delivered(
    built_data_dir: Path, embedder: object, bot_store: FeedbackStore
) -> None:
    with FakeOpenAIServer(reply=cite_first_sentences, delay_s=0.3) as llm:
        settings = Settings(
            data_dir=built_data_dir, knowledge_dir=KNOWLEDGE_DIR, llm="openai:fake-model",
            llm_base_url=llm.base_url, llm_api_key="x", max_concurrency=4, cooldown_s=5,
        )  # fmt: skip
        app = CoachApp(settings, embedder=embedder)  # type: ignore[arg-type]
        async with fake_discord() as fake:
            result = await run_load(app, fake, bot_store, count=50)
        assert result.errors == []
        assert (result.deferred, result.delivered) == (50, 50), result.summary()
        assert len(llm.requests) >= 50  # the slow LLM really was in the loop


async def test_fifty_members_logging_at_once_store_every_entry_once(
    real_app: CoachApp, bot_store: FeedbackStore, tmp_path: Path
) -> None:
    log_store = TrainingLogStore(tmp_path / "log.sqlite3")
    async with fake_discord() as fake:
        result = await run_log_load(real_app, fake, bot_store, log_store, count=50)
    assert result.errors == []
    assert result.replies == result.sent == 100
    # Each member's two submits: one new entry and one replacing it, never two entries.
    assert (result.logged, result.updated) == (50, 50)
    assert result.stored == 50 and set(result.per_member.values()) == {1}
