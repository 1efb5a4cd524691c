"""File formats to text: decode bytes, read front matter, extract HTML main content and PDF text."""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from retrieval.errors import KnowledgeError
from retrieval.ingest.files import SAVE_AS
from retrieval.ingest.front_matter import split_front_matter
from retrieval.ingest.hidden_html import strip_hidden

log = logging.getLogger(__name__)

Markup = Literal["markdown", "plain"]

# Control characters that never appear in text files (tab, newlines and form feed are fine).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class LoadedText:
    """A file's text before cleaning: Markdown (headings marked) or plain (headings to recover)."""

    text: str
    markup: Markup
    front_matter: dict[str, Any] = field(default_factory=dict)
    title: str | None = None  # authoritative: from front matter
    fallback_title: str | None = None  # a hint: a web page's <title> or metadata
    # What cleaning took out that a coach should know about (hidden text on web pages).
    removed: tuple[str, ...] = ()


def load_text(data: bytes, suffix: str, name: str = "") -> LoadedText:
    """Turn the raw bytes of a supported file into text, by suffix (".md", ".html", ".pdf"...)."""
    suffix = suffix.lower()
    if suffix == ".pdf":
        return LoadedText(text=pdf_text(data), markup="plain")
    text = decode_text(data, name)
    if suffix in (".md", ".markdown"):
        front_matter, body = split_front_matter(text)
        title = front_matter.get("title")
        return LoadedText(
            text=body,
            markup="markdown",
            front_matter=front_matter,
            title=str(title).strip() if title else None,
        )
    if suffix in (".html", ".htm"):
        return html_text(text)
    return LoadedText(text=text, markup="plain")


def decode_text(data: bytes, name: str = "") -> str:
    """Decode text: UTF-8 (BOM or not), UTF-16 with a BOM, else Windows-1252 (logged)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise KnowledgeError(not_utf8_reason()) from None
    if data.startswith(b"%PDF-"):
        raise KnowledgeError("this is a PDF saved with a text extension — rename it to .pdf")
    if b"\x00" in data:
        raise KnowledgeError(f"binary file (contains NUL bytes) — {SAVE_AS}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise KnowledgeError(not_utf8_reason()) from None
    if _looks_binary(text):
        raise KnowledgeError(f"binary file (not text) — {SAVE_AS}")
    # Old Word/Notepad exports are often Windows-1252; readable, but worth a note in the log.
    log.warning(
        "%s is not UTF-8; read it as Windows-1252 (re-save it as UTF-8 to be sure)", name or "file"
    )
    return text


def not_utf8_reason() -> str:
    return "not UTF-8 text — open it in an editor and save it with UTF-8 encoding"


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    return bool(sample) and len(_CONTROL.findall(sample)) > max(2, len(sample) // 100)


def html_text(html: str) -> LoadedText:
    """Main content of a web page as Markdown (trafilatura), or plain text when it finds nothing.

    Hidden elements go first, whatever the extractor would make of them (see hidden_html).
    """
    import trafilatura

    html, hidden = strip_hidden(html)
    removed = tuple(r.describe() for r in hidden)
    if removed:
        log.info("removed %d hidden element(s) from a web page", len(removed))

    title = None
    try:
        metadata = trafilatura.extract_metadata(html)
        title = metadata.title if metadata and metadata.title else None
    except Exception:  # trafilatura raises a zoo of lxml errors on broken pages
        log.debug("no metadata from html", exc_info=True)
    try:
        extracted = trafilatura.extract(
            html,
            output_format="markdown",
            include_comments=False,
            include_tables=True,
            include_formatting=True,
            include_images=False,
            include_links=False,
            deduplicate=False,
        )
    except Exception:
        log.debug("trafilatura failed", exc_info=True)
        extracted = None
    if extracted and extracted.strip():
        return LoadedText(
            text=extracted,
            markup="markdown",
            fallback_title=without_site_name(title),
            removed=removed,
        )
    return LoadedText(
        text=html_fallback_text(html),
        markup="plain",
        fallback_title=without_site_name(title or html_title(html)),
        removed=removed,
    )


def without_site_name(title: str | None) -> str | None:
    """'Core Strength for Runners | Riverside RC' -> 'Core Strength for Runners'."""
    if not title:
        return None
    for sep in (" | ", " – ", " — ", " - ", " · "):
        head, found, site = title.rpartition(sep)
        if found and head.strip() and len(site.split()) <= 5:
            return head.strip()
    return title.strip()


_DROP_TAGS = (
    "head",
    "script",
    "style",
    "noscript",
    "nav",
    "footer",
    "header",
    "aside",
    "form",
    "template",
    "svg",
)
_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "main",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "tr",
        "table",
        "br",
        "blockquote",
        "pre",
        "dd",
        "dt",
    ]
)


def html_fallback_text(html: str) -> str:
    """Simple text of a page: drops scripts and page chrome, keeps one block per line."""
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(html)
    except Exception:
        return ""
    for tag in _DROP_TAGS:
        for element in tree.iter(tag):
            element.drop_tree()
    lines: list[str] = [""]
    _collect_text(tree, lines)
    paragraphs = [" ".join(line.split()) for line in lines]
    return "\n\n".join(p for p in paragraphs if p)


def _collect_text(element: Any, lines: list[str]) -> None:
    block = isinstance(element.tag, str) and element.tag in _BLOCK_TAGS
    if block:
        lines.append("")
    if isinstance(element.tag, str) and element.text:
        lines[-1] += element.text
    for child in element:
        _collect_text(child, lines)
    if block:
        lines.append("")
    if element.tail:
        lines[-1] += element.tail


def html_title(html: str) -> str | None:
    # No "<" inside: on "<title<title..." each try stops at the next tag instead of the end.
    match = re.search(r"<title[^<>]*>([^<]*)</title>", html, re.IGNORECASE)
    return " ".join(match.group(1).split()) if match and match.group(1).strip() else None


def pdf_text(data: bytes) -> str:
    """Text of every page of a PDF, pages separated by blank lines."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception:
                raise KnowledgeError(
                    "PDF is password-protected — save an unprotected copy"
                ) from None
        pages = [page.extract_text() or "" for page in reader.pages]
    except KnowledgeError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AttributeError) as exc:
        raise KnowledgeError(
            f"unreadable PDF ({exc}) — export it again, or save it as .txt"
        ) from None
    text = "\n\n".join(page.strip() for page in pages)
    if not text.strip():
        raise KnowledgeError(
            "PDF has no extractable text (scanned image?) — copy its text into a .txt or .md file"
        )
    return text
