"""Who may run coach-only commands: checked in code, not only in Discord's permission UI."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import discord
from discord import app_commands

if TYPE_CHECKING:
    from bot.discord_bot.client import CoachBot

T = TypeVar("T")


class NotCoachError(app_commands.CheckFailure):
    """The user lacks the coach role; the message says which role to ask for."""


def is_coach(user: discord.abc.User, role_name: str) -> bool:
    """True when `user` is a server member holding a role named `role_name` (case-insensitive)."""
    if not isinstance(user, discord.Member):
        return False  # DMs carry no roles: coach commands only work inside the server
    wanted = role_name.casefold()
    return any(role.name.casefold() == wanted for role in user.roles)


def coach_only() -> Callable[[T], T]:
    """An app-command check that lets only holders of `COACH_ROLE` through."""

    async def predicate(interaction: discord.Interaction[CoachBot]) -> bool:
        role = interaction.client.app.settings.coach_role
        if is_coach(interaction.user, role):
            return True
        where = "in the club's server" if interaction.guild is None else "here"
        raise NotCoachError(f"Only members with the **{role}** role can use this {where}.")

    return app_commands.check(predicate)
