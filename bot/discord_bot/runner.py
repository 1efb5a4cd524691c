"""`coach bot`: warm up, connect, watch the knowledge folder, and shut down cleanly on a signal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import TYPE_CHECKING

import discord

from bot.discord_bot.client import CoachBot
from bot.watcher import watch_knowledge
from retrieval.errors import CoachError

if TYPE_CHECKING:
    from bot.app import CoachApp

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_S = 10.0


def run_bot(app: CoachApp) -> None:
    """Blocking: load the model, ensure the index, then serve Discord until SIGINT/SIGTERM."""
    if app.settings.discord_token is None:
        raise CoachError(
            "DISCORD_TOKEN is not set. Create a bot in the Discord developer portal "
            "(README: Discord bot), then put DISCORD_TOKEN=... in .env."
        )
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    log.info("loading the embedding model and checking the index of %s", app.settings.knowledge_dir)
    # Warm up before connecting, so the first /ask is as fast as the rest.
    _ = app.retriever, app.answerer
    asyncio.run(serve(app, app.settings.discord_token.get_secret_value()))


async def serve(app: CoachApp, token: str, *, watch: bool = True) -> None:
    """Run the bot (and the knowledge watcher) until a signal arrives or the connection fails."""
    bot = CoachBot(app)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows; non-main thread
            loop.add_signal_handler(sig, stop.set)
    client = asyncio.create_task(bot.start(token), name="discord-client")
    watcher = (
        asyncio.create_task(watch_knowledge(app, stop_event=stop), name="watcher")
        if watch
        else None
    )
    stopping = asyncio.create_task(stop.wait(), name="stop-signal")
    try:
        await asyncio.wait({client, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if stop.is_set():
            log.info("shutting down: finishing answers in flight (up to %.0fs)", SHUTDOWN_GRACE_S)
        stop.set()
        await bot.wait_idle(SHUTDOWN_GRACE_S)
        await bot.review.drain()
        await bot.close()
        for task in (watcher, stopping):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
    if client.done() and not client.cancelled() and (error := client.exception()) is not None:
        if isinstance(error, discord.LoginFailure):
            raise CoachError(
                "Discord rejected DISCORD_TOKEN. Copy the token again from the Bot page of your "
                "application (Reset Token) and update .env."
            ) from error
        raise error
    log.info("Club Coach bot stopped")
