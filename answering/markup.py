"""No links or markup from the model that its passages don't contain (pure).

An LLM can write "[Rolling before you](http://t.co/x) run [1]" and Discord would show a
clickable link no guide ever gave. Before an answer reaches any surface, links whose address
is not in the passages lose the address (masked links keep their words), bare and angle
bracket URLs go, images become their alt text, and Discord markup that changes how text
looks or hides it (headings, subtext, spoilers, code fences) becomes plain text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

IMAGE_RE = re.compile(r"!\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
LINK_RE = re.compile(r"\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
ANGLE_URL_RE = re.compile(r"<((?:https?|ftp)://[^>\s]+|www\.[^>\s]+|mailto:[^>\s]+)>", re.I)
BARE_URL_RE = re.compile(
    r"\b(?:(?:https?|ftp)://|www\.)[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"]"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|co|ly|gg|me|xyz|info|app|link|uk)"
    r"/[^\s<>()\[\]]*[^\s<>()\[\].,;:!?'\"]",
    re.I,
)
HEADING_RE = re.compile(r"^\s{0,3}(?:#{1,6}|-#)\s+", re.M)
SPOILER_RE = re.compile(r"\|\|(.+?)\|\|", re.S)
FENCE_RE = re.compile(r"^\s*(?:```|~~~)[\w+-]*\s*$", re.M)
BLANKS_RE = re.compile(r"[ \t]{2,}")


def neutralise(text: str, passages: Sequence[str]) -> str:
    """`text` with every link the passages lack reduced to its words, and display markup gone."""
    known = "\n".join(passages).lower()

    def allowed(url: str) -> bool:
        url = url.strip().lower().rstrip("/")
        return bool(url) and url in known

    def image(match: re.Match[str]) -> str:
        return match.group(1)

    def link(match: re.Match[str]) -> str:
        words, url = match.group(1).strip(), match.group(2)
        if re.fullmatch(r"\d+", words):
            words = f"[{words}]"  # a citation someone tried to make clickable
        return f"{words} ({url})" if allowed(url) and words else words

    def angle(match: re.Match[str]) -> str:
        return match.group(1) if allowed(match.group(1)) else ""

    def bare(match: re.Match[str]) -> str:
        return match.group(0) if allowed(match.group(0)) else ""

    text = IMAGE_RE.sub(image, text)
    text = LINK_RE.sub(link, text)
    text = ANGLE_URL_RE.sub(angle, text)
    text = BARE_URL_RE.sub(bare, text)
    if not HEADING_RE.search(known):
        text = HEADING_RE.sub("", text)
    text = SPOILER_RE.sub(r"\1", text)
    text = FENCE_RE.sub("", text)
    lines = [BLANKS_RE.sub(" ", line).rstrip() for line in text.splitlines()]
    return re.sub(r"\s+([.,;:!?])", r"\1", "\n".join(lines)).strip()
