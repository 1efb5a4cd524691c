"""Buttons of the `/kb` tools: Add/Cancel under a preview, confirm a removal, open a gap thread.

DynamicItems, like the answer buttons: the custom_id carries what they act on (a staged
preview on disk, a file, a digest topic), so they keep working across restarts. Each press
is handed to the kb cog, which checks the coach role again.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord

from bot.discord_bot.errors import report_error

if TYPE_CHECKING:
    from bot.discord_bot.client import CoachBot
    from bot.discord_bot.cogs.kb import KbCog


def _cog(interaction: discord.Interaction[CoachBot]) -> KbCog:
    cog = interaction.client.get_cog("KbCog")
    assert cog is not None, "the kb cog is loaded with its buttons"
    return cog  # type: ignore[return-value]


class PreviewButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"coach:kb:(?P<action>add|cancel):(?P<staged>[0-9a-f]{16})",
):
    def __init__(self, action: str, staged_id: str) -> None:
        add = action == "add"
        super().__init__(
            discord.ui.Button(
                label="Add" if add else "Cancel",
                emoji="✅" if add else None,
                style=discord.ButtonStyle.success if add else discord.ButtonStyle.secondary,
                custom_id=f"coach:kb:{action}:{staged_id}",
            )
        )
        self.action, self.staged_id = action, staged_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> PreviewButton:
        return cls(match["action"], match["staged"])

    async def callback(self, interaction: discord.Interaction[CoachBot]) -> None:
        try:
            await _cog(interaction).preview_pressed(interaction, self.action, self.staged_id)
        except Exception as error:
            await report_error(interaction, error)


class RemoveButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"coach:kb:(?P<action>rm|keep):(?P<key>[0-9a-f]{16})",
):
    def __init__(self, action: str, key: str) -> None:
        remove = action == "rm"
        super().__init__(
            discord.ui.Button(
                label="Remove" if remove else "Keep it",
                style=discord.ButtonStyle.danger if remove else discord.ButtonStyle.secondary,
                custom_id=f"coach:kb:{action}:{key}",
            )
        )
        self.action, self.key = action, key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> RemoveButton:
        return cls(match["action"], match["key"])

    async def callback(self, interaction: discord.Interaction[CoachBot]) -> None:
        try:
            await _cog(interaction).remove_pressed(interaction, self.action, self.key)
        except Exception as error:
            await report_error(interaction, error)


class GapThreadButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"coach:kb:gap:(?P<group>\d{1,2})",
):
    def __init__(self, group: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Write the article",
                emoji="📝",
                style=discord.ButtonStyle.primary,
                custom_id=f"coach:kb:gap:{group}",
            )
        )
        self.group = group

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> GapThreadButton:
        return cls(int(match["group"]))

    async def callback(self, interaction: discord.Interaction[CoachBot]) -> None:
        try:
            await _cog(interaction).gap_pressed(interaction, self.group)
        except Exception as error:
            await report_error(interaction, error)


def preview_view(staged_id: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(PreviewButton("add", staged_id))
    view.add_item(PreviewButton("cancel", staged_id))
    return view


def remove_view(key: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(RemoveButton("rm", key))
    view.add_item(RemoveButton("keep", key))
    return view


def gap_view(group: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(GapThreadButton(group))
    return view
