from __future__ import annotations

import asyncio
import logging
import os
import signal

import pytest

from bot.discord_bot.runner import run_bot, serve
from bot.settings import Settings
from retrieval.errors import CoachError
from tests.discord.conftest import FakeApp, fake_discord


def test_run_bot_without_a_token_says_what_to_do(fake_app: FakeApp) -> None:
    with pytest.raises(CoachError, match="DISCORD_TOKEN"):
        run_bot(fake_app)  # type: ignore[arg-type]


async def test_sigterm_lets_answers_in_flight_finish_then_stops(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app = FakeApp(settings, delay_s=1.0)
    async with fake_discord() as fake:
        with caplog.at_level(logging.INFO):
            running = asyncio.create_task(serve(app, "fake-token", watch=False))  # type: ignore[arg-type]
            for _ in range(300):
                if "Club Coach ready" in caplog.text or running.done():
                    break
                await asyncio.sleep(0.05)
            ready = next(r.getMessage() for r in caplog.records if "ready" in r.getMessage())
            assert "8 commands synced to all servers; index 2 files / 9 passages" in ready

            payload = fake.slash("ask", {"question": "How often should I lift?"})
            await fake.interact(payload)
            assert (await fake.callback(payload)).json["type"] == 5
            os.kill(os.getpid(), signal.SIGTERM)
            await asyncio.wait_for(running, 20)
        (followup,) = await fake.followups(payload, timeout=1)
        assert followup.json["embeds"][0]["title"] == "How often should I lift?"
        assert "shutting down" in caplog.text and "bot stopped" in caplog.text


async def test_a_rejected_token_is_a_readable_error(settings: Settings) -> None:
    async with fake_discord() as fake:
        fake.reject_token = True
        with pytest.raises(CoachError, match="rejected DISCORD_TOKEN"):
            await asyncio.wait_for(serve(FakeApp(settings), "bad", watch=False), 20)  # type: ignore[arg-type]
