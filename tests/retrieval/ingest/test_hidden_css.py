"""Hidden text judged from the page's own CSS (issue 21, finding 4).

A saved page hides "take ibuprofen before every run" 25 ways: stylesheet rules on classes,
ids, attributes and descendants, `!important` over the style attribute, a screen media query,
and the inline tricks. None of it may be indexed or quoted; the article's text stays, and so
does text the same stylesheet only seems to hide (print-only, narrow screens, reset by a child).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from answering.extractive import compose_extractive_answer
from retrieval.ingest.css_hidden import media_applies
from retrieval.ingest.hidden_html import parse_colour_alpha, strip_hidden
from retrieval.ingest.pipeline import parse_text
from retrieval.live_index import open_store, refresh_index
from retrieval.models import ParsedDocument
from retrieval.search.hybrid import HybridRetriever

PAGE = Path(__file__).parent / "fixtures" / "hidden" / "warm-up-page.html"
TIPS = 25
VISIBLE = [
    "Start every session with ten minutes of easy jogging",
    "Follow the jog with dynamic drills",
    "Finish with four to six strides of about eighty metres",
    # .row { font-size: 0 } with .row .col { font-size: 16px }: the children set it back.
    "On cold evenings, keep a layer on until the strides are done",
    "Arrive ten minutes early",
    # .note { display: none } loses to the more specific .note.shown { display: block }.
    "Coaches lead the warm-up from the start line",
    # Hidden only in print and on narrow screens.
    "Skipping the warm-up is the most common reason for calf strains",
]


@pytest.fixture(scope="module")
def doc() -> ParsedDocument:
    return parse_text(PAGE.read_bytes(), source="warm-up.html", suffix=".html", stem="warm-up")


def page_text(doc: ParsedDocument) -> str:
    return " ".join(" ".join(s.text.split()) for s in doc.sections)


@pytest.mark.parametrize("tip", range(1, TIPS + 1))
def test_every_hiding_trick_is_removed_and_reported(doc: ParsedDocument, tip: int) -> None:
    assert f"(tip {tip})" not in page_text(doc)
    assert [n for n in doc.removed if f"(tip {tip})" in n], doc.removed


def test_no_hidden_advice_is_left_and_the_article_stays(doc: ParsedDocument) -> None:
    text = page_text(doc)
    assert "ibuprofen" not in text.lower()
    for sentence in VISIBLE:
        assert sentence in text
    assert len(doc.removed) == TIPS


@pytest.mark.parametrize(
    ("tip", "why"),
    [
        (1, "display:none (page style .seo-tip)"),
        (2, "visibility:hidden (page style #sponsor-box)"),
        (3, "color: transparent (page style article .aside p.faint)"),
        (4, "transform: scale(0) (page style .shrink)"),
        (5, "clip-path hides it (page style .clipped)"),
        (12, "display:none (page style .forced)"),  # !important beats style="display: block"
        (14, "color: transparent"),
        (15, "transform: scale(0)"),
        (16, "clip-path hides it"),
    ],
)
def test_the_report_names_the_rule(doc: ParsedDocument, tip: int, why: str) -> None:
    (note,) = [n for n in doc.removed if f"(tip {tip})" in n]
    assert f"({why})" in note


def test_hidden_advice_is_never_indexed_or_quoted(tmp_path: Path, embedder) -> None:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "warm-up.html").write_bytes(PAGE.read_bytes())
    data = tmp_path / "data"
    store = open_store(data)
    report = refresh_index(knowledge, data, store, embedder)
    assert report.files == 1 and report.chunks >= 1

    question = "should I take ibuprofen before every run"
    result = HybridRetriever(store, data, embedder).search(question, 5)
    assert all("ibuprofen" not in hit.text.lower() for hit in result.hits)
    answer = compose_extractive_answer(question, result, embedder)
    assert "ibuprofen" not in answer.answer.lower()
    assert all("ibuprofen" not in c.quote.lower() for c in answer.citations)


def page(body: str, css: str = "") -> str:
    return (
        f"<html><head><style>{css}</style></head><body><article><h1>Warm-up</h1>"
        f"<p>Jog easily for ten minutes before the session, then do a few drills.</p>"
        f"{body}</article></body></html>"
    )


@pytest.mark.parametrize(
    ("css", "body"),
    [
        # A child may set an inherited property back.
        (
            "#s { visibility: hidden } #s p { visibility: visible }",
            '<div id="s"><p>SHOWN</p></div>',
        ),
        (".z { font-size: 0 } .z span { font-size: 14px }", '<p class="z"><span>SHOWN</span></p>'),
        # Light text on the element's own dark background.
        (".b { color: #fff; background-color: #123 }", '<p class="b">SHOWN</p>'),
        # The style attribute beats a rule without !important.
        (".x { display: none }", '<p class="x" style="display: block">SHOWN</p>'),
        # Pseudo-classes and pseudo-elements don't apply to the text as saved.
        ("p:hover { opacity: 0 } p::after { display: none }", "<p>SHOWN</p>"),
        ("@media print { p { display: none } }", "<p>SHOWN</p>"),
        ("@media (max-width: 480px) { p { display: none } }", "<p>SHOWN</p>"),
        # White text over an image: the background can't be judged, so the text is kept.
        (".h { color: #fff; background: url(hero.jpg) }", '<p class="h">SHOWN</p>'),
    ],
)
def test_text_the_css_does_not_hide_stays(css: str, body: str) -> None:
    cleaned, removed = strip_hidden(page(body, css))
    assert "SHOWN" in cleaned
    assert removed == []


@pytest.mark.parametrize(
    "hidden",
    [
        '<p style="transform: scaleY(0)">GONE</p>',
        '<p style="transform: translateX(-10000px)">GONE</p>',
        '<p style="clip-path: circle(0)">GONE</p>',
        '<p style="color: rgba(0, 0, 0, 0)">GONE</p>',
        '<p style="color: #0000">GONE</p>',
        '<p style="filter: opacity(0)">GONE</p>',
        '<p style="max-height: 0; overflow-y: hidden">GONE</p>',
        '<p style="text-indent: -9999em">GONE</p>',
        '<div style="font-size: 0"><p style="font-size: 1.5em">GONE</p></div>',
    ],
)
def test_more_inline_tricks(hidden: str) -> None:
    cleaned, removed = strip_hidden(page(hidden))
    assert "GONE" not in cleaned
    assert [r for r in removed if "GONE" in r.excerpt]


@pytest.mark.parametrize(
    ("query", "applies"),
    [
        ("screen", True),
        ("all", True),
        ("print", False),
        ("not print", True),
        ("screen and (min-width: 768px)", True),
        ("(max-width: 600px)", False),
        ("print, (min-width: 40em)", True),
    ],
)
def test_media_queries_are_judged_for_a_desktop_screen(query: str, applies: bool) -> None:
    assert media_applies(query) is applies


@pytest.mark.parametrize(
    ("value", "rgb", "alpha"),
    [
        ("transparent", None, 0.0),
        ("rgba(10, 20, 30, 0)", (10, 20, 30), 0.0),
        ("rgb(10 20 30 / 50%)", (10, 20, 30), 0.5),
        ("#ffffff00", (255, 255, 255), 0.0),
        ("#fff", (255, 255, 255), None),
    ],
)
def test_colours_with_alpha(value: str, rgb: tuple | None, alpha: float | None) -> None:
    assert parse_colour_alpha(value) == (rgb, alpha)


def test_rules_for_other_pages_change_nothing() -> None:
    # A saved page carries its theme's whole stylesheet: thousands of rules for other pages.
    css = "\n".join(
        f".widget-{i} .title-{i} {{ color: #333; display: block }}" for i in range(5000)
    )
    html = page('<p class="seo">GONE</p>', css + " .seo { display: none }")
    cleaned, removed = strip_hidden(html)
    assert "GONE" not in cleaned and len(removed) == 1
    assert re.search(r"page style \.seo\b", removed[0].why)
