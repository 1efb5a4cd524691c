"""Output hygiene: no pings, no HTML, never longer than the surface allows (pure)."""

from __future__ import annotations

import html
import re

from .grounding import CITATION_RE, split_sentences

# Discord's message limit is 2000; leave room for a footer the adapter may add.
DEFAULT_MAX_CHARS = 1800

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


def trim(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Cut at the last whole sentence that fits; a citation is never cut in half."""
    if len(text) <= max_chars:
        return text
    kept = ""
    for i, line in enumerate(text.splitlines()):
        for j, sentence in enumerate(split_sentences(line) or [""]):
            glue = ("\n" if i else "") if j == 0 else " "
            if len(kept) + len(glue) + len(sentence) > max_chars:
                return kept.rstrip() or _hard_cut(text, max_chars)
            kept += glue + sentence
    return kept.rstrip()


def split_for_surface(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> list[str]:
    """Split a long answer into messages at paragraph, line, then sentence boundaries."""
    chunks: list[str] = []
    current = ""
    for block in _pieces(text, max_chars):
        glue = "\n" if current else ""
        if len(current) + len(glue) + len(block) <= max_chars:
            current += glue + block
        else:
            if current.strip():
                chunks.append(current.strip())
            current = block
    if current.strip():
        chunks.append(current.strip())
    return chunks


def _pieces(text: str, max_chars: int) -> list[str]:
    """Lines; sentences of lines too long to fit; hard cuts of sentences that still don't."""
    pieces: list[str] = []
    for line in text.splitlines():
        if len(line) <= max_chars:
            pieces.append(line)
            continue
        current = ""
        for sentence in split_sentences(line):
            while len(sentence) > max_chars:
                cut = _hard_cut(sentence, max_chars)
                pieces.append(cut)
                sentence = sentence[len(cut) :].lstrip()
            if current and len(current) + 1 + len(sentence) > max_chars:
                pieces.append(current)
                current = sentence
            else:
                current = f"{current} {sentence}".strip()
        if current:
            pieces.append(current)
    return pieces


def _hard_cut(text: str, max_chars: int) -> str:
    """The longest prefix ending at a space, never inside a `[n]`."""
    head = text[:max_chars]
    last_open = head.rfind("[")
    if last_open > head.rfind("]") and CITATION_RE.match(text, last_open):
        head = head[:last_open]
    if " " in head.strip():
        head = head[: head.rstrip().rfind(" ")]
    return head.rstrip()
