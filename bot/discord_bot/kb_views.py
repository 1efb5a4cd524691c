"""Buttons of the `/kb` tools: Add/Cancel under a preview, confirm a removal, open a gap thread.

DynamicItems, like the answer buttons: the custom_id carries what they act on (a staged
preview on disk, a file, a digest topic), so they keep working across restarts. Each press
checks the coach role again and calls the coaches' library itself (library.admin), never
back into the cog that posted it.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from typing import TYPE_CHECKING, Any

import discord

from answering.sanitise import neutralize_mentions
from bot import kb_replies
from bot.discord_bot.buttons import HEX_ID, PersistentButton
from bot.discord_bot.checks import NotCoachError, is_coach
from bot.discord_bot.delivery import send_followups
from bot.discord_bot.render import render_messages
from bot.replies import Reply
from bot.text_limits import THREAD_NAME
from library.admin import ChangeResult, KnowledgeAdmin
from library.errors import KbError
from library.gap_digest import DIGEST_WINDOW, DigestState, recheck

if TYPE_CHECKING:
    from bot.discord_bot.client import CoachBot


def coach_name(user: discord.abc.User) -> str:
    """How a change names the coach who made it."""
    return f"@{user.name}"


def remove_key(source: str) -> str:
    """A file's short key in a Remove button's custom_id (file names can be long)."""
    return hashlib.sha1(source.encode("utf-8")).hexdigest()[:16]


def _coach(interaction: discord.Interaction[CoachBot]) -> None:
    """The role check for buttons (commands have it as a decorator)."""
    role = interaction.client.settings.coach_role
    if not is_coach(interaction.user, role):
        raise NotCoachError(f"Only members with the **{role}** role can do this.")


def _admin(bot: CoachBot) -> KnowledgeAdmin:
    return KnowledgeAdmin(bot.app)


async def _send(interaction: discord.Interaction[CoachBot], reply: Reply) -> None:
    await send_followups(interaction, render_messages(reply), ephemeral=True)


class PreviewButton(
    PersistentButton, custom_id="coach:kb:{action}:{staged}", action="add|cancel", staged=HEX_ID
):
    def __init__(self, action: str, staged_id: str) -> None:
        add = action == "add"
        super().__init__(
            {"action": action, "staged": staged_id},
            label="Add" if add else "Cancel",
            emoji="✅" if add else None,
            style=discord.ButtonStyle.success if add else discord.ButtonStyle.secondary,
        )
        self.action, self.staged_id = action, staged_id

    @classmethod
    def from_match(cls, match: re.Match[str], item: discord.ui.Item[Any]) -> PreviewButton:
        return cls(match["action"], match["staged"])

    async def pressed(self, interaction: discord.Interaction[CoachBot]) -> None:
        _coach(interaction)
        bot, admin = interaction.client, _admin(interaction.client)
        if self.action == "cancel":
            await asyncio.to_thread(admin.cancel, self.staged_id)
            await interaction.response.edit_message(
                content="Cancelled: nothing was written.", embeds=[], view=None
            )
            return
        await interaction.response.defer(thinking=True, ephemeral=True)
        result = await bot.run_blocking(admin.add, self.staged_id, who=coach_name(interaction.user))
        answered = await _now_answered(bot, result)
        await _send(interaction, kb_replies.change_reply(result, now_answered=answered))
        await _tell_gap_thread(interaction, result, answered)


async def _now_answered(bot: CoachBot, result: ChangeResult) -> list[str]:
    """Last week's refused questions that the new file now answers."""
    search = getattr(bot.app, "search", None)
    if search is None:
        return []
    since = bot.clock() - DIGEST_WINDOW
    questions = await asyncio.to_thread(bot.store.gap_questions, since=since)
    return await bot.run_blocking(recheck, questions, lambda q: search(q, 5), result.change.source)


async def _tell_gap_thread(
    interaction: discord.Interaction[CoachBot], result: ChangeResult, answered: list[str]
) -> None:
    bot = interaction.client
    state = await asyncio.to_thread(DigestState.load, bot.settings.data_dir)
    if str(interaction.channel_id) not in state.threads:
        return
    text = kb_replies.now_answered_text(result.change.source, answered)
    await bot.get_partial_messageable(interaction.channel_id or 0).send(text)


class RemoveButton(
    PersistentButton, custom_id="coach:kb:{action}:{key}", action="rm|keep", key=HEX_ID
):
    def __init__(self, action: str, key: str) -> None:
        remove = action == "rm"
        super().__init__(
            {"action": action, "key": key},
            label="Remove" if remove else "Keep it",
            style=discord.ButtonStyle.danger if remove else discord.ButtonStyle.secondary,
        )
        self.action, self.key = action, key

    @classmethod
    def from_match(cls, match: re.Match[str], item: discord.ui.Item[Any]) -> RemoveButton:
        return cls(match["action"], match["key"])

    async def pressed(self, interaction: discord.Interaction[CoachBot]) -> None:
        _coach(interaction)
        if self.action == "keep":
            await interaction.response.edit_message(content="Kept.", embeds=[], view=None)
            return
        bot, admin = interaction.client, _admin(interaction.client)
        files = await asyncio.to_thread(admin.list_files)
        source = next((f.source for f in files if remove_key(f.source) == self.key), None)
        if source is None:
            raise KbError("That file is no longer in the knowledge base.")
        await interaction.response.defer(thinking=True, ephemeral=True)
        result = await bot.run_blocking(admin.remove, source, who=coach_name(interaction.user))
        await _send(interaction, kb_replies.change_reply(result))


class GapThreadButton(PersistentButton, custom_id="coach:kb:gap:{group}", group=r"\d{1,2}"):
    def __init__(self, group: int) -> None:
        super().__init__(
            {"group": group},
            label="Write the article",
            emoji="📝",
            style=discord.ButtonStyle.primary,
        )
        self.group = group

    @classmethod
    def from_match(cls, match: re.Match[str], item: discord.ui.Item[Any]) -> GapThreadButton:
        return cls(int(match["group"]))

    async def pressed(self, interaction: discord.Interaction[CoachBot]) -> None:
        """Open a thread under the digest topic, where a coach writes the missing article."""
        _coach(interaction)
        data_dir = interaction.client.settings.data_dir
        state = await asyncio.to_thread(DigestState.load, data_dir)
        message = interaction.message
        if message is None or self.group >= len(state.groups):
            raise KbError("That digest is out of date; the next one has fresh topics.")
        if message.thread is not None:
            await interaction.response.send_message(
                f"Continue in {message.thread.mention}.", ephemeral=True
            )
            return
        topic = state.groups[self.group]
        await interaction.response.defer(ephemeral=True, thinking=True)
        name = f"Gap: {neutralize_mentions(topic.label)}"[:THREAD_NAME]
        thread = await message.create_thread(name=name, auto_archive_duration=10080)
        state.threads[str(thread.id)] = self.group
        await asyncio.to_thread(state.save, data_dir)
        await thread.send(kb_replies.thread_intro(topic))
        await interaction.followup.send(f"Thread started: {thread.mention}", ephemeral=True)


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
