"""Document structure: headings (Markdown or recovered from plain text), the title, and sections.

Plain text (and PDF) has no heading markup, so short title-like lines standing on their own
become headings. A line ending in ":" ("Hamstrings and glutes:") introduces the list after
it, so it stays body text with that list rather than becoming a heading of its own.

Pasted web pages write subheads other ways too, recovered from their context: a one-sentence
line ending in a period, or a long title line, standing between long paragraphs and much
shorter than the paragraph it introduces; "Q1:"-style question lines (the answer under them
becomes their section); ALL-CAPS lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.token import Token

from retrieval.ingest.cleaning import is_date_line, is_list_item, plain
from retrieval.ingest.limits import MAX_MARKDOWN_NESTING
from retrieval.models import Section
from retrieval.text import split_sentences

BlockKind = Literal["heading", "text", "item"]


@dataclass(frozen=True)
class Block:
    """A heading, a paragraph, or a list item (items of one list are joined by single newlines)."""

    kind: BlockKind
    text: str
    level: int = 0
    # A heading recovered from a bold line or a Q&A question in Markdown, not from `#` markup.
    implied: bool = False


# ---------------------------------------------------------------------------------------------
# Markdown


def markdown_blocks(text: str) -> list[Block]:
    """Parse Markdown into blocks; `#` inside code is not a heading, inline syntax is stripped."""
    # Lists and quotes nested deeper than the limit are read as text (bounded recursion).
    md = MarkdownIt("commonmark", {"maxNesting": MAX_MARKDOWN_NESTING}).enable("table")
    tokens = md.parse(text)
    blocks: list[Block] = []
    lists: list[list[int | str]] = []  # stack of [marker, next number]
    item_fresh = False
    row: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        kind = token.type
        if kind == "heading_open":
            content = _inline_text(tokens[i + 1])
            if content:
                blocks.append(Block("heading", content, int(token.tag[1])))
            i += 3
            continue
        if kind in ("bullet_list_open", "ordered_list_open"):
            start = int(token.attrGet("start") or 1) if kind == "ordered_list_open" else 0
            lists.append(["-" if kind == "bullet_list_open" else ".", start])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            item_fresh = True
        elif kind == "inline" and tokens[i - 1].type == "paragraph_open":
            content = _inline_text(token)
            implied = None if lists else _implied_heading(token, content)
            if implied is not None:
                # One level below the last `#` heading (the page, when there is none yet):
                # implied headings in a row are siblings, not each other's children.
                parent = next(
                    (b.level for b in reversed(blocks) if b.kind == "heading" and not b.implied),
                    1,
                )
                blocks.append(Block("heading", implied, parent + 1, implied=True))
            elif content and lists:
                marker, number = lists[-1]
                indent = "  " * (len(lists) - 1)
                if item_fresh:
                    prefix = "- " if marker == "-" else f"{number}. "
                    if marker == ".":
                        lists[-1][1] = int(number) + 1
                    content = indent + prefix + content
                else:
                    content = indent + "  " + content
                blocks.append(Block("item", content))
                item_fresh = False
            elif content:
                blocks.append(Block("text", content))
        elif kind in ("fence", "code_block"):
            code = token.content.rstrip()
            if code:
                blocks.append(Block("text", code))
        elif kind == "html_block":
            stripped = " ".join(re.sub(r"<[^>]+>", " ", token.content).split())
            if stripped:
                blocks.append(Block("text", stripped))
        elif kind == "tr_open":
            row = []
        elif kind == "inline" and tokens[i - 1].type in ("th_open", "td_open"):
            row.append(_inline_text(token))
        elif kind == "tr_close" and any(row):
            blocks.append(Block("item", " | ".join(row)))
        i += 1
    return blocks


_IMPLIED_WORDS = 16


def _implied_heading(token: Token, content: str) -> str | None:
    """A paragraph that is a heading in all but markup: a short line set wholly in bold
    ("**Landing cues**"), or a Q&A question ("Q: Are machines okay?") heading its answer."""
    question = question_line(content)
    if question:
        return question
    children = [c for c in token.children or [] if not (c.type == "text" and not c.content.strip())]
    bold = (
        len(children) >= 3
        and children[0].type == "strong_open"
        and children[-1].type == "strong_close"
        and sum(c.type == "strong_open" for c in children) == 1
    )
    if not bold or "\n" in content or len(content.split()) > _IMPLIED_WORDS:
        return None
    return content.rstrip(":.").strip() or None


def _inline_text(token: Token) -> str:
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
    return "\n".join(" ".join(line.split()) for line in "".join(parts).split("\n")).strip()


# ---------------------------------------------------------------------------------------------
# Plain text


_TERMINAL = (".", ",", ";", ":", "!", "…")
_QA_MARKER = re.compile(r"^[QA]\d*\s*[:.)-]", re.IGNORECASE)
_DANGLING = frozenset(
    {"a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "of", "on", "or"}
    | {"than", "that", "the", "to", "with", "your"}
)
_READER_QUESTION = re.compile(r"^\S+(?:\s\S+)?,")
_URL = re.compile(r"https?://|www\.", re.IGNORECASE)


def is_heading_like(line: str) -> bool:
    """A short, title-like line: few words, capitalised, no sentence punctuation at the end."""
    text = line.strip()
    if not 2 <= len(text) <= 70 or len(text.split()) > 12:
        return False
    if text.endswith(_TERMINAL) or is_list_item(line):
        return False
    if _QA_MARKER.match(text) or _URL.search(text):
        return False
    if text.split()[-1].lower() in _DANGLING:
        return False  # "Lift twice a week on" is the start of a wrapped sentence
    first_alpha = next((c for c in text if c.isalpha()), "")
    if not first_alpha.isupper() or (not text[0].isalnum() and text[0] not in "\"'“‘("):
        return False
    if text.endswith("?") and _READER_QUESTION.match(text):
        return False  # "Runners, do you lift?" asks the reader; "Will I get bulky, slow?" heads
    letters = sum(c.isalpha() for c in text)
    return letters >= len(text) / 2 and not is_date_line(text)


def is_title_like(line: str) -> bool:
    """Looser than a heading: a page title may be longer and carry a site name after '|'."""
    text = line.strip()
    if is_heading_like(text):
        return True
    return (
        len(text) <= 120
        and len(text.split()) <= 16
        and not text.endswith(_TERMINAL)
        and text[:1].isupper()
        and not is_list_item(line)
    )


def unwrap_lines(lines: Sequence[str]) -> list[str]:
    """Join hard-wrapped lines (PDF, 72-column text) back into paragraphs.

    Only when most lines end near one width: a line that reaches that width without ending a
    sentence continues on the next line. Other text is left as it is.
    """
    lengths = sorted(len(line) for line in lines if line.strip())
    if len(lengths) < 6:
        return list(lines)
    width = lengths[int(len(lengths) * 0.9) - 1]
    near = sum(1 for n in lengths if 0.7 * width <= n <= width)
    if width < 30 or width > 140 or near < len(lengths) * 0.4:
        return list(lines)
    out: list[str] = []
    joining = False
    for line in lines:
        stripped = line.strip()
        if joining and stripped and not is_list_item(line):
            out[-1] = f"{out[-1].rstrip()} {stripped}"
        else:
            out.append(line)
        last = out[-1].strip()
        wrapped = len(line) >= 0.7 * width and not last.endswith((".", "!", "?", ":"))
        joining = bool(stripped) and wrapped
    return out


# A subhead in context: at most this many words, and the paragraph it introduces this many
# times longer (and at least _BODY_CHARS long). Pages of short lines never qualify.
_SUBHEAD_WORDS = 20
_BODY_RATIO = 2.5
_BODY_CHARS = 200
_QUESTION_LINE = re.compile(r"^Q\d*\s*[:.)-]\s*(?P<question>\S.*)$")


def is_subhead_in_context(line: str, prev: str, following: str) -> bool:
    """A line that heads the paragraph after it although it reads as a sentence or is long:
    one sentence, short next to the long paragraph it introduces, not introducing a list."""
    text = line.strip()
    words = text.split()
    if not 2 <= len(words) <= _SUBHEAD_WORDS or text.endswith((":", ",", ";", "!", "…")):
        return False
    if is_list_item(line) or _QA_MARKER.match(text) or _URL.search(text) or is_date_line(text):
        return False
    if not text[:1].isupper() or words[-1].lower().rstrip(".") in _DANGLING:
        return False
    if len(split_sentences(text)) > 1:
        return False  # two sentences: a short paragraph, not a subhead
    body = following.strip()
    introduces_list = body.endswith(":") and len(body) > len(text)
    if is_list_item(following) or (
        len(body) < max(_BODY_CHARS, _BODY_RATIO * len(text)) and not introduces_list
    ):
        return False
    # Between paragraphs, not inside one: what came before ended a sentence (or nothing did).
    return not prev or prev.endswith((".", "!", "?", "”", '"', ")"))


_MENU_GAP = re.compile(r"\s{2,}|\s[|·•]\s")


def is_menu_line(line: str) -> bool:
    """A site's navigation bar pasted as one line ("Home   Classes   Blog   Book Now"): three
    or more short items spaced apart, none a sentence. It must not become the page title."""
    items = [part for part in _MENU_GAP.split(line.strip()) if part.strip(" |·•")]
    return len(items) >= 3 and all(
        len(item.split()) <= 3 and not item.rstrip().endswith((".", "?", ":")) for item in items
    )


def question_line(line: str) -> str | None:
    """The question of a Q&A line ("Q2: How often?" -> "How often?"), else None."""
    match = _QUESTION_LINE.match(line.strip())
    return match.group("question").strip() if match else None


def plain_blocks(lines: Sequence[str]) -> list[Block]:
    """Blocks of plain text, one per line, with headings recovered from title-like lines,
    subheads in context, and Q&A questions (which head their answers one level down)."""
    lines = ["" if is_menu_line(line) else _plain_line(line) for line in lines]
    blocks: list[Block] = []
    n = len(lines)
    for i, line in enumerate(lines):
        if not line:
            continue
        prev = lines[i - 1] if i > 0 else ""
        following = next((lines[k] for k in range(i + 1, n) if lines[k]), "")
        after_heading = bool(blocks) and blocks[-1].kind == "heading" and blocks[-1].text == prev
        standalone = after_heading or not prev or prev.endswith((".", "!", "?", ":", "”", '"', ")"))
        question = question_line(line)
        if question and following:
            blocks.append(Block("heading", question, _QUESTION_LEVEL))
        elif standalone and following and is_heading_like(line):
            blocks.append(Block("heading", line, 1))
        elif following and is_subhead_in_context(line, "" if after_heading else prev, following):
            blocks.append(Block("heading", line.rstrip("."), 1))
        elif is_list_item(line):
            blocks.append(Block("item", line))
        elif prev and blocks and blocks[-1].kind != "heading" and not standalone:
            # The line above stops mid-sentence: this one continues it (hard-wrapped text).
            blocks[-1] = Block(blocks[-1].kind, f"{blocks[-1].text} {line}")
        else:
            blocks.append(Block("text", line))
    return _nest_recovered(blocks)


_ITEM = re.compile(r"^\s*(?:([-*+•·▪►])|(\d{1,3}[.)]))\s+")


def _plain_line(line: str) -> str:
    match = _ITEM.match(line)
    if not match:
        return plain(line)
    marker = "- " if match.group(1) else match.group(2) + " "
    return marker + plain(line[match.end() :])


_QUESTION_LEVEL = 9  # a marker: Q&A questions sit one level below the heading above them


def _nest_recovered(blocks: list[Block]) -> list[Block]:
    # A heading straight after a heading is a subheading: the first one is a parent.
    out: list[Block] = []
    nested = False
    level = 0
    for k, block in enumerate(blocks):
        if block.kind != "heading":
            out.append(block)
            continue
        if block.level == _QUESTION_LEVEL:
            out.append(Block("heading", block.text, level + 1))
            continue
        next_is_heading = k + 1 < len(blocks) and blocks[k + 1].kind == "heading"
        previous_is_heading = k > 0 and blocks[k - 1].kind == "heading"
        if next_is_heading and not previous_is_heading:
            nested = True
            level = 1
        else:
            level = 2 if nested else 1
        out.append(Block("heading", block.text, level))
    return out


# ---------------------------------------------------------------------------------------------
# Title and sections


def heading_key(text: str) -> str:
    """Comparison key for titles and headings: case, punctuation and spacing ignored."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def humanize_stem(stem: str) -> str:
    words = re.sub(r"[-_.]+", " ", stem).split()
    text = " ".join(words)
    return text[:1].upper() + text[1:] if text else "Untitled"


def take_title(
    blocks: list[Block], *, title: str | None, fallback: str | None, stem: str, markdown: bool
) -> tuple[str, list[Block]]:
    """Choose the document title and remove it from the blocks when it is their first line.

    Order: front matter title, first H1 (or first heading when it opens the page), the page's
    metadata title, the first title-like line, then the file name.
    """
    first = next((k for k, b in enumerate(blocks) if b.kind != "item"), None)
    opening = blocks[first] if first is not None and blocks[first].kind == "heading" else None
    if title:
        if opening and _same_title(opening.text, title):
            return title, _without(blocks, first)
        return title, blocks
    h1 = next((k for k, b in enumerate(blocks) if b.kind == "heading" and b.level == 1), None)
    headings = [b.level for b in blocks if b.kind == "heading"]
    # A lone top-level heading in markdown, or the page's opening heading, names the page.
    if h1 is not None and (h1 == first or (markdown and headings.count(1) == 1)):
        return blocks[h1].text, _without(blocks, h1)
    if fallback:
        if opening and _same_title(opening.text, fallback):
            return opening.text, _without(blocks, first)
        return fallback, blocks
    if first is not None:
        line = blocks[first].text.split("\n", 1)
        head = line[0]
        if is_title_like(head):
            rest = line[1] if len(line) > 1 else ""
            remaining = _without(blocks, first)
            if rest.strip():
                remaining.insert(first, Block("text", rest))
            return head.strip(), remaining
        if len(head) <= 150 and 3 <= len(head.split()) <= 20 and head[:1].isalnum():
            # A scraped page's first line is usually its title even when it reads as a sentence;
            # keep it in the text too, in case it is one.
            return head.strip().rstrip("."), blocks
    return humanize_stem(stem), blocks


def _without(blocks: list[Block], index: int | None) -> list[Block]:
    return [b for k, b in enumerate(blocks) if k != index]


def _same_title(a: str, b: str) -> bool:
    ka, kb = heading_key(a), heading_key(b)
    return ka == kb or (len(ka) > 8 and (kb.startswith(ka) or ka.startswith(kb)))


def build_sections(blocks: Sequence[Block]) -> list[Section]:
    """Group blocks under their heading path; levels are relative to the top heading level used.

    Text before the first heading gets an empty heading path. A heading with neither text nor
    subheadings is kept as an empty section, so chunking can report it.
    """
    heading_levels = [b.level for b in blocks if b.kind == "heading"]
    base = min(heading_levels, default=1)
    sections: list[Section] = []
    path: tuple[str, ...] = ()
    parts: list[Block] = []
    has_children = False

    def flush() -> None:
        text = _join_blocks(parts)
        if text or (path and not has_children):
            sections.append(Section(heading_path=path, text=text))

    seen = 0
    for block in blocks:
        if block.kind != "heading":
            parts.append(block)
            continue
        flush()
        parts = []
        seen += 1
        level = block.level - base + 1
        path = (*path[: level - 1], block.text)
        has_children = seen < len(heading_levels) and heading_levels[seen] > block.level
    flush()
    return sections


def _join_blocks(blocks: Sequence[Block]) -> str:
    out = ""
    previous: Block | None = None
    for block in blocks:
        text = block.text.strip("\n")
        if not text.strip():
            continue
        if previous is None:
            out = text
        elif block.kind == "item" and previous.kind == "item":
            out += "\n" + text
        else:
            out += "\n\n" + text
        previous = block
    return out
