"""Hidden text on saved web pages: found and removed before extraction, and reported.

A page can carry text no reader sees: `<div hidden>`, `aria-hidden`, `display:none`,
`visibility:hidden`, zero-size or off-screen boxes, white-on-white spans, `<template>` and
`<noscript>`. Indexed, it becomes "advice" the club never wrote. Elements hidden by inline
style, by attribute, or by a simple class/id rule in the page's own `<style>` are dropped
whole; each removal is described so the index report can list it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

ALWAYS_HIDDEN_TAGS = ("template", "noscript")
EXCERPT_CHARS = 80
# Colours this close (sum of channel differences, 0-765) read as the same colour.
SAME_COLOUR_DISTANCE = 30
DEFAULT_BACKGROUND = (255, 255, 255)

_DECLARATION_RE = re.compile(r"([a-z-]+)\s*:\s*([^;]+)", re.I)
_RULE_RE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_SIMPLE_SELECTOR_RE = re.compile(r"^\s*([a-z0-9]*)([.#])([\w-]+)\s*$", re.I)
_ZERO_RE = re.compile(r"^-?0+(?:\.0+)?(?:px|em|rem|%|pt|vh|vw)?$")
_RGB_RE = re.compile(
    r"rgba?\(\s*([\d.]+)%?[\s,]+([\d.]+)%?[\s,]+([\d.]+)%?(?:[\s,/]+[\d.]+%?)?\s*\)"
)
_FAR_OFF_RE = re.compile(r"^-\d{3,}(?:\.\d+)?(?:px|em|rem|pt)?$")
# fmt: off
_NAMED = {
    "white": (255, 255, 255), "black": (0, 0, 0), "red": (255, 0, 0), "green": (0, 128, 0),
    "blue": (0, 0, 255), "yellow": (255, 255, 0), "grey": (128, 128, 128),
    "gray": (128, 128, 128), "silver": (192, 192, 192), "whitesmoke": (245, 245, 245),
    "snow": (255, 250, 250), "ivory": (255, 255, 240), "navy": (0, 0, 128),
    "transparent": None,
}
# fmt: on


@dataclass(frozen=True)
class Removed:
    """One hidden element taken out of a page."""

    why: str  # "display:none", "hidden attribute", "same colour as background"...
    excerpt: str  # the start of its text, as a coach would search for it

    def describe(self) -> str:
        return f"hidden text removed ({self.why}): “{self.excerpt}”"


def strip_hidden(html: str) -> tuple[str, list[Removed]]:
    """The page without its hidden elements, and what was removed (text-bearing ones only)."""
    from lxml import html as lxml_html

    try:
        tree = lxml_html.document_fromstring(html)
    except Exception:  # not parseable: the extractors will fail on it the same way
        return html, []
    hidden_rules = _hiding_rules(tree)
    removed: list[Removed] = []
    doomed: list[tuple[Any, str]] = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        why = _why_hidden(element, hidden_rules)
        if why:
            doomed.append((element, why))
    taken: set[int] = set()
    for element, why in doomed:
        if any(id(a) in taken for a in element.iterancestors()):
            continue  # inside an element already removed
        taken.add(id(element))
        text = " ".join(element.text_content().split())
        if text:
            excerpt = text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"
            removed.append(Removed(why=why, excerpt=excerpt))
        element.drop_tree()
    if not removed and not doomed:
        return html, []
    return lxml_html.tostring(tree, encoding="unicode"), removed


def _why_hidden(element: Any, rules: dict[str, str]) -> str | None:
    tag = element.tag.lower()
    if tag in ALWAYS_HIDDEN_TAGS:
        return f"<{tag}>"
    if element.get("hidden") is not None:
        return "hidden attribute"
    if (element.get("aria-hidden") or "").strip().lower() == "true":
        return "aria-hidden"
    if (element.get("type") or "").lower() == "hidden" and tag == "input":
        return "hidden input"
    for key in _selectors(element):
        if key in rules:
            return f"{rules[key]} (page style {key})"
    style = _declarations(element.get("style") or "")
    return _hiding_style(style) or _same_colour(element, style)


def _selectors(element: Any) -> list[str]:
    tag = element.tag.lower()
    keys = [f"#{element.get('id')}", f"{tag}#{element.get('id')}"] if element.get("id") else []
    for cls in (element.get("class") or "").split():
        keys += [f".{cls}", f"{tag}.{cls}"]
    return keys


def _hiding_rules(tree: Any) -> dict[str, str]:
    """Simple `.class` / `#id` / `tag.class` rules of the page's own <style> that hide."""
    rules: dict[str, str] = {}
    for style in tree.iter("style"):
        css = re.sub(r"/\*.*?\*/", "", style.text or "", flags=re.S)
        for selectors, body in _RULE_RE.findall(css):
            why = _hiding_style(_declarations(body))
            if not why:
                continue
            for selector in selectors.split(","):
                match = _SIMPLE_SELECTOR_RE.match(selector)
                if match:
                    tag, kind, name = match.groups()
                    rules[f"{tag.lower()}{kind}{name}"] = why
    return rules


def _declarations(style: str) -> dict[str, str]:
    return {
        name.lower(): value.replace("!important", "").strip().lower()
        for name, value in _DECLARATION_RE.findall(style)
    }


def _hiding_style(style: dict[str, str]) -> str | None:
    if style.get("display") == "none":
        return "display:none"
    if style.get("visibility") in ("hidden", "collapse"):
        return "visibility:hidden"
    if _is_zero(style.get("opacity")):
        return "opacity:0"
    if _is_zero(style.get("font-size")):
        return "zero size"
    clipped = style.get("overflow") in ("hidden", "clip")
    if clipped and any(_is_zero(style.get(p)) for p in ("width", "height", "max-height")):
        return "zero size"
    if any(_FAR_OFF_RE.match(style.get(p, "")) for p in ("left", "top", "text-indent")):
        return "off-screen"
    if re.search(r"rect\(\s*0(?:px)?[\s,]+0", style.get("clip", "")):
        return "zero size"
    return None


def _is_zero(value: str | None) -> bool:
    return value is not None and bool(_ZERO_RE.match(value.strip()))


def _same_colour(element: Any, style: dict[str, str]) -> str | None:
    """Text whose colour matches the background behind it (inline styles, font/bgcolor)."""
    own = style.get("color") or element.get("color")
    if own is None or (not (element.text or "").strip() and not len(element)):
        return None
    colour = parse_colour(own)
    background = _background(element)
    if colour is None or background is None:
        return None
    if sum(abs(a - b) for a, b in zip(colour, background, strict=True)) <= SAME_COLOUR_DISTANCE:
        return "same colour as background"
    return None


def _background(element: Any) -> tuple[int, int, int] | None:
    for node in (element, *element.iterancestors()):
        style = _declarations(node.get("style") or "")
        raw = style.get("background-color") or style.get("background") or node.get("bgcolor")
        if raw:
            for token in re.split(r"\s+(?![^(]*\))", raw):
                colour = parse_colour(token)
                if colour is not None:
                    return colour
    return DEFAULT_BACKGROUND


def parse_colour(value: str) -> tuple[int, int, int] | None:
    """'#fff', '#ffffff', 'rgb(255, 255, 255)', 'rgba(...)', 'white' -> (r, g, b)."""
    value = value.strip().lower()
    if value in _NAMED:
        return _NAMED[value]
    if value.startswith("#"):
        digits = value[1:]
        if len(digits) in (3, 4):
            digits = "".join(c * 2 for c in digits[:3])
        if len(digits) in (6, 8) and re.fullmatch(r"[0-9a-f]+", digits):
            return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))
        return None
    match = _RGB_RE.fullmatch(value)
    if match:
        r, g, b = (min(255, int(float(x))) for x in match.groups())
        return (r, g, b)
    return None
