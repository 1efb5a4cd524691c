"""👍/👎 feedback and 🧵 threads: the persistent buttons, the 👎 reason form and its re-ask."""

from __future__ import annotations

import asyncio
import logging

import discord
from discord.ext import commands, tasks

from bot.discord_bot.client import CoachBot
from bot.discord_bot.errors import report_error
from bot.discord_bot.reask import SWEEP_EVERY_S, ReaskDesk
from bot.discord_bot.views import (
    GONE,
    NO_DOWNVOTE,
    REASK_BUTTON,
    REASON_INPUT,
    REASON_MODAL,
    FeedbackButton,
    ReasonButton,
    ThreadButton,
    modal_submission,
)

log = logging.getLogger(__name__)

THANKS = "Thanks, the coaches will look at this answer. 👎 noted."


class FeedbackCog(commands.Cog):
    def __init__(self, bot: CoachBot) -> None:
        self.bot = bot
        self.reasks = ReaskDesk(bot, started_at=bot.clock())

    async def cog_load(self) -> None:
        self.reask_loop.start()

    async def cog_unload(self) -> None:
        self.reask_loop.cancel()

    @tasks.loop(seconds=SWEEP_EVERY_S)
    async def reask_loop(self) -> None:
        try:
            await self.reasks.sweep(self.bot.clock())
        except Exception:
            log.exception("re-asking for 👎 reasons failed; it is retried in a minute")

    @reask_loop.before_loop
    async def _before_reask(self) -> None:
        await self.bot.wait_until_ready()

    @commands.Cog.listener()
    async def on_disconnect(self) -> None:
        self.reasks.disconnected(self.bot.clock())

    @commands.Cog.listener("on_connect")
    @commands.Cog.listener("on_resumed")
    async def _reconnected(self) -> None:
        await self.reasks.reconnected(self.bot.clock())

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[CoachBot]) -> None:
        custom_id, values = modal_submission(interaction)
        if not custom_id.startswith(REASON_MODAL):
            return
        try:
            await self._save_reason(interaction, custom_id.removeprefix(REASON_MODAL), values)
        except Exception as error:
            await report_error(interaction, error)

    async def _save_reason(
        self, interaction: discord.Interaction[CoachBot], answer_id: str, values: dict[str, str]
    ) -> None:
        reason = values.get(REASON_INPUT, "").strip()
        store = self.bot.store
        user_id = interaction.user.id
        if await asyncio.to_thread(store.answer, answer_id) is None:
            await interaction.response.send_message(GONE, ephemeral=True)
            return
        vote = await asyncio.to_thread(store.feedback, answer_id, user_id)
        if vote is None or vote.vote >= 0:
            await interaction.response.send_message(NO_DOWNVOTE, ephemeral=True)
            return
        await asyncio.to_thread(store.set_reason, answer_id, user_id, reason)
        if _from_reask(interaction.message):
            # The form came from a re-ask: its button has done its job, so it goes.
            await interaction.response.edit_message(content=THANKS, view=None)
        else:
            await interaction.response.send_message(THANKS, ephemeral=True)
        if reason:
            self.bot.review.report_later(answer_id, user_id)


def _from_reask(message: discord.Message | None) -> bool:
    """Whether a form was opened from a re-ask's button (not from 👎 under the answer)."""
    if message is None:
        return False
    ids = (
        getattr(child, "custom_id", None) or ""
        for row in message.components
        for child in getattr(row, "children", [])
    )
    return any(custom_id.startswith(REASK_BUTTON) for custom_id in ids)


async def setup(bot: CoachBot) -> None:
    bot.add_dynamic_items(FeedbackButton, ThreadButton, ReasonButton)
    await bot.add_cog(FeedbackCog(bot))
