"""`/kb status|reload|gaps`: coach-only tools for the knowledge base."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.discord_bot.checks import coach_only
from bot.discord_bot.client import CoachBot
from bot.discord_bot.delivery import send_followups
from bot.discord_bot.render import render_messages


@app_commands.guild_only()
class KbCog(
    commands.GroupCog, group_name="kb", group_description="Coach tools: the knowledge base"
):
    def __init__(self, bot: CoachBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(
        name="status", description="Index age, files, passages, and what was skipped and why."
    )
    @coach_only()
    async def status(self, interaction: discord.Interaction[CoachBot]) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        status = await asyncio.to_thread(self.bot.app.status)
        reply = replies.status_reply(status, now=replies.utcnow())
        await send_followups(interaction, render_messages(reply), ephemeral=True)

    @app_commands.command(
        name="reload",
        description="Re-index the knowledge folder now (only changed files are re-embedded).",
    )
    @coach_only()
    async def reload(self, interaction: discord.Interaction[CoachBot]) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        report = await self.bot.run_blocking(self.bot.app.reindex)
        status = await asyncio.to_thread(self.bot.app.status)
        reply = replies.reindex_reply(report, status, now=replies.utcnow())
        await send_followups(interaction, render_messages(reply), ephemeral=True)

    @app_commands.command(
        name="gaps",
        description="Recent unanswered and 👎 questions, grouped by topic: what to write next.",
    )
    @coach_only()
    async def gaps(self, interaction: discord.Interaction[CoachBot]) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        reply = await asyncio.to_thread(replies.gaps, self.bot.store, now=replies.utcnow())
        await send_followups(interaction, render_messages(reply), ephemeral=True)


async def setup(bot: CoachBot) -> None:
    await bot.add_cog(KbCog(bot))
