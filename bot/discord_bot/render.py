"""Replies rendered to Discord embeds, packed into messages within every Discord limit."""

from __future__ import annotations

import io

import discord
from pydantic import BaseModel, ConfigDict

from bot.replies import Reply, ReplyField
from bot.text_limits import (
    EMBED_DESCRIPTION,
    EMBED_FIELDS,
    EMBED_FOOTER,
    EMBED_TITLE,
    EMBED_TOTAL,
    EMBEDS_PER_MESSAGE,
    FIELD_NAME,
    FIELD_VALUE,
)
from retrieval.text import split_message, trim

COLORS = {
    "answer": 0x2E7D32,
    "plan": 0x1565C0,
    "sources": 0x6A1B9A,
    "help": 0x455A64,
    "status": 0x455A64,
    "gaps": 0xEF6C00,
    "notice": 0x757575,
}
ABSTAINED_COLOR = 0xF9A825


class Outgoing(BaseModel):
    """One Discord message worth of embeds (and files, on the last message of a reply)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    embeds: list[discord.Embed]
    files: list[tuple[str, bytes]] = []

    def discord_files(self) -> list[discord.File]:
        return [discord.File(io.BytesIO(data), filename=name) for name, data in self.files]


def source_fields(reply: Reply) -> list[ReplyField]:
    """Numbered sources as `[1] Title › Heading › file`, packed into as few fields as fit."""
    lines = [trim(f"`[{s.n}]` {s.label()}", FIELD_VALUE) for s in reply.sources]
    fields: list[ReplyField] = []
    value = ""
    for line in lines:
        if value and len(value) + 1 + len(line) > FIELD_VALUE:
            fields.append(
                ReplyField(name="Sources" if not fields else "Sources (cont.)", value=value)
            )
            value = ""
        value = f"{value}\n{line}" if value else line
    if value:
        fields.append(ReplyField(name="Sources" if not fields else "Sources (cont.)", value=value))
    return fields


def _fit_fields(fields: list[ReplyField]) -> list[ReplyField]:
    """Fields with names and values within limits; long values continue in further fields."""
    fitted = []
    for field in fields:
        name = trim(field.name, FIELD_NAME) or "\u200b"
        parts = split_message(field.value, FIELD_VALUE) if field.value.strip() else ["\u200b"]
        for i, part in enumerate(parts):
            fitted.append(
                ReplyField(name=name if i == 0 else trim(f"{name} (cont.)", FIELD_NAME), value=part)
            )
    return fitted


def render_embeds(reply: Reply, *, abstained: bool = False) -> list[discord.Embed]:
    """The reply as embeds: title and body first, then fields and sources, footer last."""
    color = ABSTAINED_COLOR if abstained else COLORS.get(reply.kind, COLORS["notice"])
    bodies = split_message(reply.body, EMBED_DESCRIPTION) if reply.body.strip() else [""]
    embeds = [
        discord.Embed(
            title=trim(reply.title, EMBED_TITLE) if i == 0 and reply.title else None,
            description=body or None,
            color=color,
        )
        for i, body in enumerate(bodies)
    ]
    footer = trim(reply.footer, EMBED_FOOTER)
    for field in _fit_fields([*reply.fields, *source_fields(reply)]):
        embed = embeds[-1]
        full = len(embed.fields) >= EMBED_FIELDS
        if full or len(embed) + len(field.name) + len(field.value) + len(footer) > EMBED_TOTAL:
            embed = discord.Embed(color=color)
            embeds.append(embed)
        embed.add_field(name=field.name, value=field.value, inline=False)
    if footer:
        if len(embeds[-1]) + len(footer) > EMBED_TOTAL:
            embeds.append(discord.Embed(color=color))
        embeds[-1].set_footer(text=footer)
    return embeds


def render_messages(reply: Reply, *, abstained: bool = False) -> list[Outgoing]:
    """Embeds grouped into messages: at most 10 embeds and 6000 characters per message."""
    messages: list[Outgoing] = []
    size = 0
    for embed in render_embeds(reply, abstained=abstained):
        if (
            not messages
            or len(messages[-1].embeds) >= EMBEDS_PER_MESSAGE
            or (size + len(embed) > EMBED_TOTAL)
        ):
            messages.append(Outgoing(embeds=[]))
            size = 0
        messages[-1].embeds.append(embed)
        size += len(embed)
    messages[-1].files = [(a.filename, a.data) for a in reply.attachments]
    return messages
