"""Hidden text on saved web pages: found and removed before extraction, and reported.

A page can carry text no reader sees: `<div hidden>`, `aria-hidden`, `display:none`,
`opacity:0`, `transform: scale(0)`, a clip or clip-path that shows nothing, zero-size or
off-screen boxes, `visibility:hidden`, `font-size:0`, transparent or white-on-white text,
`<template>` and `<noscript>`. Indexed, it becomes "advice" the club never wrote. Styles come
from the style attribute and from the page's own `<style>` rules (css_hidden applies them, any
selector). A box hidden whole is dropped with everything in it; a property children inherit
(visibility, font size, colour) takes only the text that still has it, since a child may set
it back. Each removal is described so the index report can list it. A page nested deeper or
with more tags than limits.py allows is refused here, at its first parse.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from retrieval.ingest.css_hidden import Declared, Styles, page_styles
from retrieval.ingest.limits import MAX_HTML_DEPTH, MAX_HTML_ELEMENTS, LimitError

log = logging.getLogger(__name__)

ALWAYS_HIDDEN_TAGS = ("template", "noscript")
EXCERPT_CHARS = 80
# Colours this close (sum of channel differences, 0-765) read as the same colour.
SAME_COLOUR_DISTANCE = 30
DEFAULT_BACKGROUND = (255, 255, 255)

_ZERO_RE = re.compile(r"^-?0+(?:\.0+)?(?:px|em|rem|%|pt|vh|vw)?$")
_RGB_RE = re.compile(
    r"rgba?\(\s*([\d.]+)%?[\s,]+([\d.]+)%?[\s,]+([\d.]+)%?(?:[\s,/]+([\d.]+)(%?))?\s*\)"
)
_SCALE_RE = re.compile(r"scale(?:3d|x|y|z)?\(([^()]*)\)")
_TRANSLATE_RE = re.compile(r"translate(?:3d|x|y)?\(\s*(-\d{3,}(?:\.\d+)?(?:px|em|rem|pt|%)?)")
_INSET_RE = re.compile(r"inset\(\s*([\d.]+)%")
_RECT_RE = re.compile(r"rect\(([^()]*)\)")
_FONT_SIZE_TOKEN = re.compile(r"^([\d.]+)([a-z%]*)(/\S*)?$")
_UNKNOWN_BACKGROUND = ("url(", "gradient(", "var(")
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
    """The page without its hidden text, and what was removed (text-bearing parts only)."""
    from lxml import html as lxml_html

    try:
        tree = lxml_html.document_fromstring(html)
    except Exception:  # not parseable: the extractors will fail on it the same way
        return html, []
    check_html_shape(tree)
    styles = page_styles(tree)
    found: dict[int, tuple[str, list[str]]] = {}  # by the element whose style hides it
    doomed: list[Any] = []
    changed = False
    stack: list[tuple[Any, _Inherited]] = [(tree, _Inherited())]
    while stack:
        element, inherited = stack.pop()
        if not isinstance(element.tag, str) or element.tag in _NOT_TEXT:
            continue
        style = styles.get(element, {})
        why = _why_hidden(element, style)
        if why:
            doomed.append(element)
            _note(found, element, why, element.text_content())
            continue
        state = inherited.below(element, style)
        why_text = state.hides_text()
        if why_text:
            reason, owner = why_text
            own = [element.text or "", *(child.tail or "" for child in element)]
            if any(t.strip() for t in own):
                _note(found, owner, reason, " ".join(own))
                element.text = None
                for child in element:
                    child.tail = None
                changed = True
        stack.extend((child, state) for child in reversed(element))
    for element in doomed:
        element.drop_tree()
    removed = [Removed(why=why, excerpt=_excerpt(" ".join(texts))) for why, texts in found.values()]
    removed = [r for r in removed if r.excerpt]
    if not doomed and not changed:
        return html, []
    return lxml_html.tostring(tree, encoding="unicode"), removed


def check_html_shape(tree: Any) -> None:
    """LimitError for a page too deep or too big to be an article (the first parse of a page)."""
    from lxml import etree

    depth = deepest = count = 0
    for event, _ in etree.iterwalk(tree, events=("start", "end")):
        if event == "start":
            count += 1
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    if deepest > MAX_HTML_DEPTH:
        raise LimitError(
            f"its tags are nested more than {MAX_HTML_DEPTH} deep — not a web page as saved by "
            "a browser; save the article's text as .md or .txt"
        )
    if count > MAX_HTML_ELEMENTS:
        raise LimitError(
            f"it has more than {MAX_HTML_ELEMENTS:,} tags — far more than an article; "
            "save the article's text as .md or .txt"
        )


_NOT_TEXT = frozenset({"head", "script", "style", "title", "meta", "link"})


def _note(found: dict[int, tuple[str, list[str]]], owner: Any, why: str, text: str) -> None:
    found.setdefault(id(owner), (why, []))[1].append(text)


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


@dataclass(frozen=True)
class _Inherited:
    """What an element inherits that can hide its text, and which element set it."""

    visibility: tuple[str, Any] | None = None  # (why, owner) while hidden
    zero_font: tuple[str, Any] | None = None
    colour: tuple[tuple[int, int, int] | None, str, Any] | None = None  # None: transparent
    background: tuple[int, int, int] | None = DEFAULT_BACKGROUND  # None: unknown (an image)

    def below(self, element: Any, style: Styles) -> _Inherited:
        visibility, zero_font, colour, background = (
            self.visibility, self.zero_font, self.colour, self.background
        )  # fmt: skip
        if "visibility" in style:
            value = style["visibility"]
            if value.value in ("hidden", "collapse"):
                visibility = (_because("visibility:hidden", value), element)
            elif value.value == "visible":
                visibility = None
        size = _font_size(style)
        if size is not None:
            if _is_zero(size.value):
                zero_font = (_because("zero size", size), element)
            elif not size.value.endswith(("em", "%")) or size.value.endswith("rem"):
                zero_font = None  # an absolute size; em and % of zero stay zero
        declared_colour = style.get("color")
        raw_colour = declared_colour.value if declared_colour else element.get("color")
        if raw_colour and raw_colour not in ("inherit", "currentcolor"):
            rgb, alpha = parse_colour_alpha(raw_colour)
            origin = declared_colour or Declared(raw_colour, "")
            if alpha == 0:
                colour = (None, _because("color: transparent", origin), element)
            elif rgb is not None:
                colour = (rgb, _because("same colour as background", origin), element)
        declared_background = style.get("background-color") or style.get("background")
        raw_background = (
            declared_background.value if declared_background else element.get("bgcolor")
        )
        if style.get("background-image", Declared("none", "")).value != "none" or (
            raw_background and any(k in raw_background for k in _UNKNOWN_BACKGROUND)
        ):
            background = None
        elif raw_background:
            background = _first_colour(raw_background) or background
        return _Inherited(visibility, zero_font, colour, background)

    def hides_text(self) -> tuple[str, Any] | None:
        if self.visibility:
            return self.visibility
        if self.zero_font:
            return self.zero_font
        if self.colour is None:
            return None
        rgb, why, owner = self.colour
        if rgb is None:
            return why, owner
        if self.background is not None and _distance(rgb, self.background) <= SAME_COLOUR_DISTANCE:
            return why, owner
        return None


def _because(why: str, declared: Declared) -> str:
    return f"{why} ({declared.origin})" if declared.origin else why


def _why_hidden(element: Any, style: Styles) -> str | None:
    """Why an element is hidden with everything in it, or None."""
    tag = element.tag.lower()
    if tag in ALWAYS_HIDDEN_TAGS:
        return f"<{tag}>"
    if element.get("hidden") is not None:
        return "hidden attribute"
    if (element.get("aria-hidden") or "").strip().lower() == "true":
        return "aria-hidden"
    if (element.get("type") or "").lower() == "hidden" and tag == "input":
        return "hidden input"
    for why, prop in _box_hiding(style):
        return _because(why, style[prop])
    return None


def _box_hiding(style: Styles) -> list[tuple[str, str]]:
    """(why, property) for each way this element's box shows nothing at all."""

    def value(name: str) -> str:
        return style[name].value if name in style else ""

    found: list[tuple[str, str]] = []
    if value("display") == "none":
        found.append(("display:none", "display"))
    if _is_zero(value("opacity") or None) or "opacity(0)" in value("filter").replace(" ", ""):
        found.append(("opacity:0", "opacity" if "opacity" in style else "filter"))
    transform = value("transform")
    if any(_has_zero(args) for args in _SCALE_RE.findall(transform)):
        found.append(("transform: scale(0)", "transform"))
    elif _TRANSLATE_RE.search(transform):
        found.append(("off-screen", "transform"))
    inset = _INSET_RE.search(value("clip-path"))
    if (inset and float(inset.group(1)) >= 50) or re.search(
        r"(?:circle|ellipse)\(\s*0(?:px|%)?[\s)]", value("clip-path")
    ):
        found.append(("clip-path hides it", "clip-path"))
    if _empty_rect(value("clip")):
        found.append(("zero size", "clip"))
    overflow = {value("overflow"), value("overflow-x"), value("overflow-y")}
    if overflow & {"hidden", "clip"}:
        for prop in ("height", "width", "max-height", "max-width"):
            if _is_tiny(value(prop)):
                found.append(("zero size", prop))
                break
    for prop in ("left", "top", "text-indent"):
        if _FAR_OFF_RE.match(value(prop)):
            found.append(("off-screen", prop))
            break
    return found


def _font_size(style: Styles) -> Declared | None:
    if "font-size" in style:
        return style["font-size"]
    if "font" not in style:
        return None
    for token in style["font"].value.split():
        match = _FONT_SIZE_TOKEN.match(token)
        # A number with a unit, or before a "/line-height", or 0 ("font: 0/0 a"): not a weight.
        if match and (match.group(2) or match.group(3) or _is_zero(match.group(1))):
            return Declared(match.group(1) + match.group(2), style["font"].origin)
    return None


def _has_zero(args: str) -> bool:
    return any(_is_zero(a) for a in re.split(r"[\s,]+", args.strip()) if a)


def _empty_rect(clip: str) -> bool:
    """clip: rect(top, right, bottom, left) with no height or no width left."""
    match = _RECT_RE.search(clip)
    if not match:
        return False
    edges = [e for e in re.split(r"[\s,]+", match.group(1).strip()) if e]
    try:
        top, right, bottom, left = (float(re.sub(r"[a-z%]+$", "", e)) for e in edges)
    except ValueError:  # auto, or not four edges
        return False
    return bottom - top <= 1 or right - left <= 1


def _is_tiny(value: str) -> bool:
    match = re.fullmatch(r"([\d.]+)(px)?", value.strip())
    return _is_zero(value) or bool(match and float(match.group(1)) <= 1)


def _first_colour(raw: str) -> tuple[int, int, int] | None:
    for token in re.split(r"\s+(?![^(]*\))", raw):
        rgb, alpha = parse_colour_alpha(token)
        if rgb is not None and alpha != 0:
            return rgb
    return None


def _distance(a: tuple[int, int, int], b: tuple[int, int, int]) -> int:
    return sum(abs(x - y) for x, y in zip(a, b, strict=True))


def _is_zero(value: str | None) -> bool:
    return value is not None and bool(_ZERO_RE.match(value.strip()))


def parse_colour(value: str) -> tuple[int, int, int] | None:
    """'#fff', '#ffffff', 'rgb(255, 255, 255)', 'rgba(...)', 'white' -> (r, g, b)."""
    return parse_colour_alpha(value)[0]


def parse_colour_alpha(value: str) -> tuple[tuple[int, int, int] | None, float | None]:
    """A CSS colour as (r, g, b) and its alpha (0: 'transparent'); None for what it can't read."""
    value = value.strip().lower()
    if value == "transparent":
        return None, 0.0
    if value in _NAMED:
        return _NAMED[value], None
    if value.startswith("#"):
        digits = value[1:]
        alpha = None
        if len(digits) in (4, 8):
            alpha = int(digits[-1] * 2 if len(digits) == 4 else digits[-2:], 16) / 255
            digits = digits[: len(digits) * 3 // 4]
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        if len(digits) == 6 and re.fullmatch(r"[0-9a-f]+", digits):
            rgb = (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))
            return rgb, alpha
        return None, None
    match = _RGB_RE.fullmatch(value)
    if not match:
        return None, None
    r, g, b = (min(255, int(float(x))) for x in match.groups()[:3])
    alpha_text, percent = match.group(4), match.group(5)
    alpha = None
    if alpha_text is not None:
        alpha = float(alpha_text) / (100 if percent else 1)
    return (r, g, b), alpha
