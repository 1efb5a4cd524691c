"""Discord's size limits (trimming: `retrieval.text`; mentions: `answering.sanitise`)."""

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
SELECT_OPTIONS = 25
# Slash-command autocomplete: at most 25 choices, each name at most 100 characters.
AUTOCOMPLETE_CHOICES = 25
CHOICE_NAME = 100
SELECT_LABEL = 100
MODAL_TITLE = 45
# The longest answer: a message (2000) with room for a footer the renderer may add.
ANSWER_CHARS = 1800


def strip_bot_mention(text: str, bot_id: int) -> str:
    """A message addressed to the bot without the bot's own mention(s), trimmed."""
    return re.sub(rf"<@!?{bot_id}>", " ", text).strip()
