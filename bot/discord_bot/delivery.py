"""Sending rendered replies: interaction follow-ups and replies to messages, buttons last."""

from __future__ import annotations

from typing import Any

import discord

from bot.discord_bot.render import Outgoing


async def send_followups(
    interaction: discord.Interaction,
    messages: list[Outgoing],
    *,
    view: discord.ui.View | None = None,
    ephemeral: bool = False,
) -> discord.WebhookMessage:
    """Send every message as a follow-up (the first replaces "thinking…"); returns the last."""
    sent: discord.WebhookMessage | None = None
    for i, out in enumerate(messages):
        kwargs: dict[str, Any] = {"embeds": out.embeds, "wait": True, "ephemeral": ephemeral}
        if out.files:
            kwargs["files"] = out.discord_files()
        if view is not None and i == len(messages) - 1:
            kwargs["view"] = view
        sent = await interaction.followup.send(**kwargs)
    assert sent is not None, "a reply renders to at least one message"
    return sent


async def reply_to(
    message: discord.Message, messages: list[Outgoing], *, view: discord.ui.View | None = None
) -> discord.Message:
    """Answer a message: first part as a reply (no ping), the rest after it; returns the last."""
    sent: discord.Message | None = None
    for i, out in enumerate(messages):
        kwargs: dict[str, Any] = {"embeds": out.embeds}
        if out.files:
            kwargs["files"] = out.discord_files()
        if view is not None and i == len(messages) - 1:
            kwargs["view"] = view
        if i == 0:
            sent = await message.reply(mention_author=False, **kwargs)
        else:
            sent = await message.channel.send(**kwargs)
    assert sent is not None, "a reply renders to at least one message"
    return sent
