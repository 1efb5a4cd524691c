"""👍/👎 feedback and 🧵 threads: the persistent buttons and the 👎 reason form."""

from __future__ import annotations

import asyncio
import logging

import discord
from discord.ext import commands

from bot.discord_bot.client import CoachBot
from bot.discord_bot.errors import report_error
from bot.discord_bot.views import (
    GONE,
    REASON_INPUT,
    REASON_MODAL,
    FeedbackButton,
    ThreadButton,
    modal_values,
)

log = logging.getLogger(__name__)


class FeedbackCog(commands.Cog):
    def __init__(self, bot: CoachBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[CoachBot]) -> None:
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        custom_id = (interaction.data or {}).get("custom_id", "")
        if not custom_id.startswith(REASON_MODAL):
            return
        try:
            await self._save_reason(interaction, custom_id.removeprefix(REASON_MODAL))
        except Exception as error:
            await report_error(interaction, error)

    async def _save_reason(
        self, interaction: discord.Interaction[CoachBot], answer_id: str
    ) -> None:
        values = modal_values((interaction.data or {}).get("components", []))  # type: ignore[arg-type]
        reason = values.get(REASON_INPUT, "").strip()
        store = self.bot.store
        record = await asyncio.to_thread(store.set_reason, answer_id, interaction.user.id, reason)
        if record is None:
            await interaction.response.send_message(GONE, ephemeral=True)
            return
        await interaction.response.send_message(
            "Thanks, the coaches will look at this answer. 👎 noted.", ephemeral=True
        )
        if reason:
            self.bot.review.report_later(answer_id, interaction.user.id)


async def setup(bot: CoachBot) -> None:
    bot.add_dynamic_items(FeedbackButton, ThreadButton)
    await bot.add_cog(FeedbackCog(bot))
