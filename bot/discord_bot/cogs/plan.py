"""`/plan`: a strength plan around the runner's week, with why / swap / calendar buttons."""

from __future__ import annotations

from discord.ext import commands

from bot.discord_bot.client import CoachBot


class PlanCog(commands.Cog):
    def __init__(self, bot: CoachBot) -> None:
        self.bot = bot


async def setup(bot: CoachBot) -> None:
    await bot.add_cog(PlanCog(bot))
