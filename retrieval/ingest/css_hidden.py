"""A saved page's own CSS, applied: the style each element ends up with (the cascade, in small).

Text can be hidden by a stylesheet rule as easily as by a style attribute, so hidden_html needs
each element's declarations from both. The page's `<style>` sheets are parsed with tinycss2,
selectors matched with cssselect (over lxml), and each property resolved the way a browser does
for author styles: `!important` first, then the style attribute, then specificity, then order.
Only properties that can show or hide text are kept. `@media` rules apply when they would on a
desktop screen; external stylesheets are not on disk, so they can't be judged.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

# Properties that can hide text, or undo what hides it.
RELEVANT = frozenset(
    {
        *("display", "visibility", "opacity", "filter", "font-size", "font", "color"),
        *("background", "background-color", "background-image", "transform", "clip"),
        *("clip-path", "height", "width", "max-height", "max-width", "overflow"),
        *("overflow-x", "overflow-y", "left", "top", "text-indent"),
    }
)
VIEWPORT_WIDTH = 1280  # media queries are judged for a desktop window this wide

_INLINE = (1, 0, 0, 0)  # the style attribute outranks any selector (below !important)
_WIDTH_QUERY = re.compile(r"\(\s*(min|max)-width\s*:\s*([\d.]+)(px|em|rem)?\s*\)", re.I)


@dataclass(frozen=True)
class Declared:
    """A property's winning value for one element, and where it came from."""

    value: str  # lower case, without !important
    origin: str  # "" for the style attribute, else "page style <selector>"


Styles = dict[str, Declared]


def page_styles(tree: Any) -> dict[Any, Styles]:
    """Each element's winning declarations from the page's <style> rules and style attributes."""
    ranked: dict[Any, dict[str, tuple[tuple, Declared]]] = {}
    present = _present_names(tree)
    order = 0
    for selectors, declarations in _style_rules(tree):
        order += 1
        for xpath, specificity, needed in _compiled(selectors):
            if not needed <= present:
                continue
            try:
                elements = xpath(tree)
            except Exception:  # an XPath cssselect wrote but libxml2 refuses: skip it
                continue
            for element in elements:
                _apply(ranked, element, declarations, (0, *specificity), order, selectors)
    for element in tree.iter():
        style = element.get("style") if isinstance(element.tag, str) else None
        if style:
            order += 1
            _apply(ranked, element, inline_declarations(style), _INLINE, order, "")
    return {el: {name: won for name, (_, won) in props.items()} for el, props in ranked.items()}


def _apply(
    ranked: dict[Any, dict[str, tuple[tuple, Declared]]],
    element: Any,
    declarations: list[tuple[str, str, bool]],
    specificity: tuple,
    order: int,
    selector: str,
) -> None:
    props = ranked.setdefault(element, {})
    origin = f"page style {selector}" if selector else ""
    for name, value, important in declarations:
        rank = (important, specificity, order)
        held = props.get(name)
        if held is None or rank >= held[0]:
            props[name] = (rank, Declared(value, origin))


def inline_declarations(style: str) -> list[tuple[str, str, bool]]:
    """(property, value, important) of a style attribute, relevant properties only."""
    import tinycss2

    return _relevant(tinycss2.parse_blocks_contents(style, skip_comments=True))


def _relevant(nodes: list[Any]) -> list[tuple[str, str, bool]]:
    import tinycss2

    found = []
    for node in nodes:
        if node.type == "declaration" and node.lower_name in RELEVANT:
            value = " ".join(tinycss2.serialize(node.value).split()).lower()
            found.append((node.lower_name, value, bool(node.important)))
    return found


def _style_rules(tree: Any) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    """(selector, relevant declarations) of every rule in the page's <style> elements, in order."""
    import tinycss2

    rules: list[tuple[str, list[tuple[str, str, bool]]]] = []

    def walk(nodes: list[Any]) -> None:
        for node in nodes:
            if node.type == "qualified-rule":
                declarations = _relevant(
                    tinycss2.parse_blocks_contents(
                        node.content, skip_comments=True, skip_whitespace=True
                    )
                )
                if declarations:
                    prelude = " ".join(tinycss2.serialize(node.prelude).split())
                    rules.append((prelude, declarations))
            elif node.type == "at-rule" and node.content is not None:
                keyword = node.lower_at_keyword
                if keyword in ("media", "supports", "layer", "container") and (
                    keyword != "media" or media_applies(tinycss2.serialize(node.prelude))
                ):
                    walk(
                        tinycss2.parse_rule_list(
                            node.content, skip_comments=True, skip_whitespace=True
                        )
                    )

    for style in tree.iter("style"):
        media = style.get("media")
        if style.text and (media is None or media_applies(media)):
            walk(tinycss2.parse_stylesheet(style.text, skip_comments=True, skip_whitespace=True))
    return rules


def media_applies(query: str) -> bool:
    """Whether a media query list holds on a desktop screen (print-only, narrow-only: no)."""
    return any(_one_query_applies(q) for q in query.lower().split(","))


def _one_query_applies(query: str) -> bool:
    words = re.findall(r"[a-z-]+", re.sub(r"\([^)]*\)", " ", query))
    negated = "not" in words
    types = [w for w in words if w in ("print", "speech", "screen", "all")]
    applies = not types or any(t in ("screen", "all") for t in types)
    for kind, number, unit in _WIDTH_QUERY.findall(query):
        width = float(number) * (16 if unit in ("em", "rem") else 1)
        fits = width <= VIEWPORT_WIDTH if kind == "min" else width >= VIEWPORT_WIDTH
        applies = applies and fits
    return applies != negated


Matcher = tuple[Any, tuple[int, int, int], frozenset[str]]


@functools.lru_cache(maxsize=4096)
def _compiled(selectors: str) -> tuple[Matcher, ...]:
    """(XPath, specificity, names it needs) of each selector of a rule that can match an element
    with text: pseudo-elements' generated content and untranslatable selectors are left out."""
    import cssselect
    from lxml import etree

    try:
        parsed = cssselect.parse(selectors)
    except cssselect.SelectorError:
        return ()
    matchers = []
    translator = cssselect.HTMLTranslator()
    for selector in parsed:
        if selector.pseudo_element is not None:
            continue
        try:
            xpath = etree.XPath(translator.selector_to_xpath(selector))
        except (cssselect.SelectorError, etree.XPathError):
            continue
        matchers.append((xpath, selector.specificity(), frozenset(_needed(selector.parsed_tree))))
    return tuple(matchers)


def _needed(node: Any) -> set[str]:
    """Classes ('.x'), ids ('#x') and tags the rightmost part of a selector requires: a quick
    test that skips the many rules of a theme's stylesheet that name nothing on this page."""
    needed: set[str] = set()
    while node is not None:
        kind = type(node).__name__
        if kind == "CombinedSelector":
            node = node.subselector
            continue
        if kind == "Class":
            needed.add(f".{node.class_name}")
        elif kind == "Hash":
            needed.add(f"#{node.id}")
        elif kind == "Element" and node.element not in (None, "*"):
            needed.add(node.element.lower())
        node = getattr(node, "selector", None)
    return needed


def _present_names(tree: Any) -> frozenset[str]:
    names: set[str] = set()
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        names.add(element.tag.lower())
        names.update(f".{c}" for c in (element.get("class") or "").split())
        if element.get("id"):
            names.add(f"#{element.get('id')}")
    return frozenset(names)
