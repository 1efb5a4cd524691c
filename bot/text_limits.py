"""Discord's size limits, and splitting, trimming and mention-neutralising text to fit them."""

from __future__ import annotations

import re

MESSAGE_CHARS = 2000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
EMBED_FOOTER = 2048
EMBED_TOTAL = 6000
EMBEDS_PER_MESSAGE = 10
THREAD_NAME = 100
BUTTON_LABEL = 80
SELECT_OPTIONS = 25
SELECT_LABEL = 100
MODAL_TITLE = 45

ELLIPSIS = "…"
FENCE = "```"
ZWSP = "\u200b"

_MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
# Break points in order of preference: paragraph, line, sentence, word.
_BREAKS = ("\n\n", "\n", ". ", " ")


def trim(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at a word boundary when one is near, with `…`."""
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def split_text(text: str, limit: int = MESSAGE_CHARS) -> list[str]:
    """Split `text` into pieces of at most `limit` characters at the nicest break available.

    A code fence left open at a split is closed and reopened in the next piece, so
    every piece renders on its own.
    """
    if limit < 40:
        raise ValueError(f"limit {limit} is too small to split text into")
    text = text.strip()
    pieces: list[str] = []
    reopen = ""
    while text:
        room = limit - len(reopen)
        if len(text) <= room and (reopen + text).count(FENCE) % 2 == 0:
            pieces.append(reopen + text)
            break
        # Reserve space to close a fence that may be open at the split.
        head = _head(text, room - len(FENCE) - 1)
        piece = reopen + head.rstrip()
        if piece.count(FENCE) % 2 == 1:
            lang = _fence_lang(piece)
            piece += "\n" + FENCE
            reopen = FENCE + lang + "\n"
        else:
            reopen = ""
        pieces.append(piece)
        text = text[len(head) :].lstrip("\n ")
    return [p for p in pieces if p.strip()]


def _head(text: str, room: int) -> str:
    if len(text) <= room:
        return text
    window = text[:room]
    for sep in _BREAKS:
        at = window.rfind(sep)
        if at >= room // 3:
            return window[: at + len(sep)]
    return window


def _fence_lang(piece: str) -> str:
    """The language tag of the last fence opened in `piece` (``` + `python`, say)."""
    last = piece.rfind(FENCE)
    tag = piece[last + len(FENCE) :].split("\n", 1)[0].strip()
    return tag if tag.isalnum() and len(tag) <= 12 else ""


def neutralize_mentions(text: str) -> str:
    """`text` with @everyone/@here and user/role mentions made inert (shown, never pinging)."""
    text = _MASS_MENTION.sub(lambda m: "@" + ZWSP + m.group(1), text)
    text = _USER_MENTION.sub("@user", text)
    return _ROLE_MENTION.sub("@role", text)


def strip_bot_mention(text: str, bot_id: int) -> str:
    """A message addressed to the bot without the bot's own mention(s), trimmed."""
    return re.sub(rf"<@!?{bot_id}>", " ", text).strip()
