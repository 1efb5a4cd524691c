"""Output hygiene: no pings, no HTML (pure); `retrieval.text.trim` fits an answer to a limit."""

from __future__ import annotations

import html
import re

MENTION_RE = re.compile(r"<(?:@[!&]?|#)\d+>|<a?:\w+:\d+>")
EVERYONE_RE = re.compile(r"@+\s*(everyone|here)\b", re.IGNORECASE)
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
