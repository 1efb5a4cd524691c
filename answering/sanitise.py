"""Output hygiene: no pings, no HTML (pure); `retrieval.text.trim` fits an answer to a limit.

The one home of Discord's mention syntax: an answer loses every mention (`clean_text`); a
member's own words shown back to coaches keep a visible, inert trace of them
(`neutralize_mentions`: "@user", "@everyone" with a zero-width space), so they read as written.
"""

from __future__ import annotations

import html
import re

ZWSP = "\u200b"
# Users <@id> or <@!id>, roles <@&id>, channels <#id>, custom emoji <:name:id>.
MENTION_RE = re.compile(r"<(?:@[!&]?|#)\d+>|<a?:\w+:\d+>")
USER_MENTION_RE = re.compile(r"<@!?\d+>")
ROLE_MENTION_RE = re.compile(r"<@&\d+>")
EVERYONE_RE = re.compile(r"@+\s*(everyone|here)\b", re.IGNORECASE)
# Discord pings "@everyone" wherever it starts, whatever follows: no word boundary here.
MASS_MENTION_RE = re.compile(r"@(everyone|here)", re.IGNORECASE)
USER_PING_RE = re.compile(r"(?<![\w.])@(?=\w)")
TAG_RE = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?/?>|<!--.*?-->", re.DOTALL)
SCRIPT_RE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
BLANKS_RE = re.compile(r"\n{3,}")


def clean_text(text: str) -> str:
    """Plain text/markdown: pings defused, HTML tags and comments removed, blank runs collapsed."""
    text = SCRIPT_RE.sub("", text)
    text = TAG_RE.sub("", text)
    text = html.unescape(text)
    text = TAG_RE.sub("", text)  # tags that were hiding behind &lt;...&gt;
    text = MENTION_RE.sub("", text)
    text = EVERYONE_RE.sub(r"\1", text)
    text = USER_PING_RE.sub("", text)
    text = re.sub(r"(?<=\S)[ \t]{2,}", " ", text)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return BLANKS_RE.sub("\n\n", text).strip()


def neutralize_mentions(text: str) -> str:
    """`text` with @everyone/@here and user/role mentions made inert (shown, never pinging)."""
    text = MASS_MENTION_RE.sub(lambda m: "@" + ZWSP + m.group(1), text)
    text = USER_MENTION_RE.sub("@user", text)
    return ROLE_MENTION_RE.sub("@role", text)
