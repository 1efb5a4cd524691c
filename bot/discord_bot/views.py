"""Buttons under answers: 👍/👎 feedback and 🧵 follow-up threads.

They are DynamicItems: the custom_id carries the answer id, so a button pressed days
later, after any number of restarts, still finds its answer in the store.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import discord

from answering.sanitise import neutralize_mentions
from bot.discord_bot.buttons import HEX_ID, PersistentButton
from bot.text_limits import MODAL_TITLE, THREAD_NAME
from retrieval.text import trim

if TYPE_CHECKING:
    from bot.discord_bot.client import CoachBot

log = logging.getLogger(__name__)

REASON_MODAL = "coach:fbr:"
REASON_INPUT = "reason"
REASK_BUTTON = "coach:reason:"
GONE = "I no longer have that answer on record. Ask again with `/ask`."
NO_DOWNVOTE = "I have no 👎 from you on that answer, so there is no reason to add."
THREAD_INTRO = (
    "Ask your follow-up questions here with `/ask` or by mentioning me: "
    "I'll keep this conversation in mind."
)


class FeedbackButton(
    PersistentButton, custom_id="coach:fb:{vote}:{answer_id}", vote="up|down", answer_id=HEX_ID
):
    """👍 records a vote; 👎 records it too, then asks (optionally) what was wrong."""

    def __init__(self, vote: Literal["up", "down"], answer_id: str) -> None:
        super().__init__(
            {"vote": vote, "answer_id": answer_id},
            emoji="👍" if vote == "up" else "👎",
            style=discord.ButtonStyle.secondary,
        )
        self.vote: Literal["up", "down"] = vote
        self.answer_id = answer_id

    @classmethod
    def from_match(cls, match: re.Match[str], item: discord.ui.Item[Any]) -> FeedbackButton:
        return cls("up" if match["vote"] == "up" else "down", match["answer_id"])

    async def pressed(self, interaction: discord.Interaction[CoachBot]) -> None:
        bot = interaction.client
        try:
            await asyncio.to_thread(self._record, bot, interaction)
        except KeyError:
            await interaction.response.send_message(GONE, ephemeral=True)
            return
        if self.vote == "up":
            await interaction.response.send_message("Thanks! Glad it helped. 👍", ephemeral=True)
            return
        await interaction.response.send_modal(reason_modal(self.answer_id))
        bot.review.report_later(self.answer_id, interaction.user.id)

    def _record(self, bot: CoachBot, interaction: discord.Interaction[CoachBot]) -> None:
        """Store the vote; for a 👎 also the form about to open, so a restart can't lose it."""
        user_id = interaction.user.id
        bot.store.record_vote(self.answer_id, user_id, 1 if self.vote == "up" else -1)
        if self.vote == "down":
            bot.store.open_reason_prompt(
                self.answer_id,
                user_id,
                token=interaction.token,
                channel_id=interaction.channel_id,
                guild_id=interaction.guild_id,
                now=bot.clock(),  # the re-ask desk compares it with the same clock
            )


class ReasonButton(PersistentButton, custom_id=REASK_BUTTON + "{answer_id}", answer_id=HEX_ID):
    """A re-ask's *Add a reason*: opens the same form as 👎, for the member who voted."""

    def __init__(self, answer_id: str) -> None:
        super().__init__(
            {"answer_id": answer_id},
            emoji="✍️",
            label="Add a reason",
            style=discord.ButtonStyle.primary,
        )
        self.answer_id = answer_id

    @classmethod
    def from_match(cls, match: re.Match[str], item: discord.ui.Item[Any]) -> ReasonButton:
        return cls(match["answer_id"])

    async def pressed(self, interaction: discord.Interaction[CoachBot]) -> None:
        store = interaction.client.store
        answer = await asyncio.to_thread(store.answer, self.answer_id)
        feedback = await asyncio.to_thread(store.feedback, self.answer_id, interaction.user.id)
        if answer is None:
            await interaction.response.send_message(GONE, ephemeral=True)
        elif feedback is None or feedback.vote >= 0:
            await interaction.response.send_message(NO_DOWNVOTE, ephemeral=True)
        else:
            await interaction.response.send_modal(reason_modal(self.answer_id, feedback.reason))


def reask_view(answer_id: str) -> discord.ui.View:
    """The one button under a re-ask."""
    view = discord.ui.View(timeout=None)
    view.add_item(ReasonButton(answer_id))
    return view


def reason_modal(answer_id: str, reason: str | None = None) -> discord.ui.Modal:
    """Asks what was wrong; its submission is handled by the feedback cog's listener.

    The cog (not the modal object) handles it so a reason typed across a restart still lands.
    """
    modal = discord.ui.Modal(
        title=trim("What was wrong with the answer?", MODAL_TITLE),
        custom_id=f"{REASON_MODAL}{answer_id}",
        timeout=15 * 60,
    )
    modal.add_item(
        discord.ui.TextInput(
            label="What was missing or wrong? (optional)",
            custom_id=REASON_INPUT,
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=500,
            placeholder="e.g. It didn't say how many sets, or the source was about something else.",
            default=reason,
        )
    )
    return modal


def modal_submission(interaction: discord.Interaction[Any]) -> tuple[str, dict[str, str]]:
    """(custom_id, text values) of a submitted form; ("", {}) for any other interaction.

    Forms are read from the interaction's JSON, not a Modal object, so one typed across a
    restart still lands.
    """
    if interaction.type is not discord.InteractionType.modal_submit or not interaction.data:
        return "", {}
    # discord.py types `data` as a union of every interaction's payload; this one is a form's.
    data: Mapping[str, Any] = interaction.data
    return str(data.get("custom_id", "")), modal_values(data.get("components", []))


def modal_values(components: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """custom_id -> value of every text input in a modal submission, in rows or labels."""
    values: dict[str, str] = {}
    for component in components:
        if component.get("type") == 1:
            values.update(modal_values(component.get("components", [])))
        elif component.get("type") == 18 and "component" in component:
            values.update(modal_values([component["component"]]))
        elif "custom_id" in component and "value" in component:
            values[component["custom_id"]] = component["value"] or ""
    return values


class ThreadButton(PersistentButton, custom_id="coach:thread:{answer_id}", answer_id=HEX_ID):
    """Starts a thread from the answer; questions asked in it carry the conversation on."""

    def __init__(self, answer_id: str) -> None:
        super().__init__(
            {"answer_id": answer_id},
            emoji="🧵",
            label="Follow up",
            style=discord.ButtonStyle.secondary,
        )
        self.answer_id = answer_id

    @classmethod
    def from_match(cls, match: re.Match[str], item: discord.ui.Item[Any]) -> ThreadButton:
        return cls(match["answer_id"])

    async def pressed(self, interaction: discord.Interaction[CoachBot]) -> None:
        bot = interaction.client
        message = interaction.message
        if message is None or message.guild is None:
            await interaction.response.send_message(
                "Threads only work in a server.", ephemeral=True
            )
            return
        if message.thread is not None:
            await interaction.response.send_message(
                f"Continue in {message.thread.mention}.", ephemeral=True
            )
            return
        record = await asyncio.to_thread(bot.store.answer, self.answer_id)
        if record is None:
            await interaction.response.send_message(GONE, ephemeral=True)
            return
        await interaction.response.defer()
        name = trim(neutralize_mentions(record.question), THREAD_NAME)
        thread = await message.create_thread(name=name, auto_archive_duration=1440)
        await asyncio.to_thread(bot.store.mark_thread, thread.id, self.answer_id)
        await thread.send(THREAD_INTRO)
        # The thread exists now: drop the button so nobody tries to start a second one.
        await interaction.edit_original_response(view=answer_view(self.answer_id, thread=False))
        await interaction.followup.send(f"Thread started: {thread.mention}", ephemeral=True)


def answer_view(answer_id: str, *, thread: bool) -> discord.ui.View:
    """👍 👎 (and 🧵 where a thread can be started) for one stored answer."""
    view = discord.ui.View(timeout=None)
    view.add_item(FeedbackButton("up", answer_id))
    view.add_item(FeedbackButton("down", answer_id))
    if thread:
        view.add_item(ThreadButton(answer_id))
    return view
