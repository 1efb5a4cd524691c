"""The bot: a discord.py client holding the app's services, its cogs and its command tree."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.cooldown import Cooldown
from bot.discord_bot.errors import report_error
from bot.discord_bot.review import ReviewDesk
from bot.feedback_store import FeedbackStore
from bot.replies import cooldown_text
from bot.training_log_store import TrainingLogStore, open_log_store

if TYPE_CHECKING:
    from bot.app import CoachApp

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

EXTENSIONS = (
    "bot.discord_bot.cogs.ask",
    "bot.discord_bot.cogs.feedback",
    "bot.discord_bot.cogs.plan",
    "bot.discord_bot.cogs.kb",
    "bot.discord_bot.cogs.log",
)
STORE_FILE = "bot.sqlite3"


def bot_intents() -> discord.Intents:
    """Only non-privileged intents: mentions and DMs carry their content without message_content."""
    intents = discord.Intents.none()
    intents.guilds = True  # roles (coach check) and threads
    intents.guild_messages = True  # messages that mention the bot
    intents.dm_messages = True
    return intents


class CoachTree(app_commands.CommandTree["CoachBot"]):
    async def on_error(
        self, interaction: discord.Interaction[CoachBot], error: app_commands.AppCommandError
    ) -> None:
        await report_error(interaction, error)


class CoachBot(commands.AutoShardedBot):
    """Slash commands, mentions and DMs answered from one `CoachApp`.

    AutoSharded so the gateway URL and shard count come from Discord's `/gateway/bot`.
    """

    def __init__(
        self,
        app: CoachApp,
        *,
        store: FeedbackStore | None = None,
        log_store: TrainingLogStore | None = None,
        **options: Any,
    ) -> None:
        # The bot never joins voice: the missing voice libraries are not worth a warning.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=bot_intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=CoachTree,
            help_command=None,
            activity=discord.Activity(type=discord.ActivityType.listening, name="/ask"),
            **options,
        )
        self.app = app
        self.settings = app.settings
        self.store = store or FeedbackStore(app.settings.data_dir / STORE_FILE)
        # Opened on first use (training_log()): a damaged log file only turns logging off.
        self._log_store = log_store
        self._log_store_lock = threading.Lock()
        # What "today" is for logging and the coaches' summary; tests set a fixed clock.
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.limiter = asyncio.Semaphore(app.settings.max_concurrency)
        self.cooldown = Cooldown(app.settings.cooldown_s)
        self.review = ReviewDesk(self.settings, self.store, self.get_partial_messageable)
        self.synced: list[app_commands.AppCommand] = []
        self._announced = False
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def setup_hook(self) -> None:
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await self.sync_commands()

    async def sync_commands(self) -> None:
        """Sync to the configured guild (instant) or globally (Discord takes up to an hour)."""
        if self.settings.guild_id:
            guild = discord.Object(self.settings.guild_id)
            self.tree.copy_global_to(guild=guild)
            self.synced = await self.tree.sync(guild=guild)
        else:
            self.synced = await self.tree.sync()

    def training_log(self) -> TrainingLogStore:
        """The members' training logs (blocking on first use; LogStoreDamagedError if damaged)."""
        with self._log_store_lock:
            if self._log_store is None:
                self._log_store = open_log_store(self.settings.data_dir)
            return self._log_store

    async def run_blocking(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Run slow work (embedding, Chroma, the LLM) off the event loop, a few at a time."""
        async with self.limiter:
            return await asyncio.to_thread(fn, *args, **kwargs)

    async def admit(self, interaction: discord.Interaction) -> bool:
        """Charge the user's cooldown and defer; False (told privately) when they must wait."""
        wait = self.cooldown.hit(interaction.user.id)
        if wait:
            await interaction.response.send_message(cooldown_text(wait), ephemeral=True)
            return False
        await interaction.response.defer(thinking=True)
        return True

    @contextlib.asynccontextmanager
    async def busy(self) -> AsyncIterator[None]:
        """Mark a request in flight, so shutdown can let it finish."""
        self._busy += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._busy -= 1
            if self._busy == 0:
                self._idle.set()

    async def wait_idle(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout)

    async def on_ready(self) -> None:
        if self._announced:  # on_ready fires again after every reconnect
            return
        self._announced = True
        status = await asyncio.to_thread(self.app.status)
        where = f"guild {self.settings.guild_id}" if self.settings.guild_id else "all servers"
        log.info(
            "Club Coach ready as %s (id %s) in %d server(s): %d commands synced to %s; "
            "index %d files / %d passages; answers %s; max %d at once, cooldown %.0fs",
            self.user,
            self.user.id if self.user else "?",
            len(self.guilds),
            len(self.synced),
            where,
            status.files,
            status.chunks,
            self.settings.llm,
            self.settings.max_concurrency,
            self.settings.cooldown_s,
        )

    async def on_message(self, message: discord.Message) -> None:
        # No prefix commands: the ask cog listens for mentions and DMs itself.
        return

    async def close(self) -> None:
        await super().close()
        self.store.close()
        if self._log_store is not None:
            self._log_store.close()
