"""Hidden text on saved web pages never becomes advice; the index report says what went."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.ingest.hidden_html import parse_colour, strip_hidden
from retrieval.ingest.pipeline import load_document, parse_text
from retrieval.live_index import open_store, refresh_index

HARMFUL = "runners with shin pain should run through the pain every day"
ARTICLE = (
    "<p>Calf raises strengthen the lower leg, and the single-leg version shows up any "
    "difference between your two sides. Do them slowly, through the full range.</p>"
    "<p>Work the front of the shin too: toe raises against a band help control how your foot "
    "meets the ground, and together they stabilise the ankle on every stride.</p>"
)


def page(hidden: str, style: str = "") -> str:
    return (
        f"<html><head><title>Lower-leg strength</title><style>{style}</style></head><body>"
        f"<article><h1>Lower-leg strength</h1>{ARTICLE}{hidden}</article></body></html>"
    )


HIDING = [
    ("hidden attribute", f"<div hidden>{HARMFUL}</div>"),
    ("aria-hidden", f'<div aria-hidden="true"><p>{HARMFUL}</p></div>'),
    ("display:none", f'<p style="display: none">{HARMFUL}</p>'),
    ("visibility:hidden", f'<p style="visibility:hidden !important">{HARMFUL}</p>'),
    ("zero size", f'<p style="font-size:0">{HARMFUL}</p>'),
    ("zero size", f'<div style="height:0;overflow:hidden"><p>{HARMFUL}</p></div>'),
    ("off-screen", f'<p style="position:absolute;left:-9999px">{HARMFUL}</p>'),
    ("same colour as background", f'<p>Tip: <span style="color:#fff">{HARMFUL}</span></p>'),
    ("same colour as background",
     f'<div style="background-color: rgb(0,0,0)"><p style="color:#000">{HARMFUL}</p></div>'),
    ("same colour as background", f'<p><font color="white">{HARMFUL}</font></p>'),
    ("<template>", f"<template><p>{HARMFUL}</p></template>"),
    ("<noscript>", f"<noscript><p>{HARMFUL}</p></noscript>"),
]  # fmt: skip


@pytest.mark.parametrize(("why", "hidden"), HIDING)
def test_hidden_text_is_removed_and_reported(why: str, hidden: str) -> None:
    doc = parse_text(page(hidden).encode(), source="leg.html", suffix=".html", stem="leg")
    text = " ".join(s.text for s in doc.sections)

    assert "run through the pain" not in text
    assert "Calf raises strengthen the lower leg" in text
    assert any(why in note and "runners with shin pain" in note for note in doc.removed)


def test_hidden_by_the_pages_own_style_rule() -> None:
    html = page(f'<p class="sr-note">{HARMFUL}</p>', style=".sr-note { display: none; }")
    cleaned, removed = strip_hidden(html)
    assert HARMFUL not in cleaned
    assert removed and "page style .sr-note" in removed[0].why


@pytest.mark.parametrize(
    "visible",
    [
        f'<p style="color:#333">{HARMFUL}</p>',
        f'<div style="background:#000"><p style="color:#fff">{HARMFUL}</p></div>',
        f'<p style="display:block;font-size:16px">{HARMFUL}</p>',
        f'<p aria-hidden="false">{HARMFUL}</p>',
    ],
)
def test_visible_text_stays(visible: str) -> None:
    cleaned, removed = strip_hidden(page(visible))
    assert HARMFUL in cleaned
    assert removed == []


def test_plain_pages_are_untouched_and_unparseable_ones_pass_through() -> None:
    assert strip_hidden(page(""))[1] == []
    assert strip_hidden("") == ("", [])


@pytest.mark.parametrize(
    ("value", "rgb"),
    [("#fff", (255, 255, 255)), ("#FFFFFF", (255, 255, 255)), ("white", (255, 255, 255)),
     ("rgb(10, 20, 30)", (10, 20, 30)), ("rgba(0,0,0,0.5)", (0, 0, 0)), ("nonsense", None)],
)  # fmt: skip
def test_parse_colour(value: str, rgb: tuple[int, int, int] | None) -> None:
    assert parse_colour(value) == rgb


def test_the_index_report_lists_what_was_removed(tmp_path: Path, embedder) -> None:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "leg.html").write_text(page(f"<div hidden>{HARMFUL}</div>"))
    data = tmp_path / "data"
    report = refresh_index(knowledge, data, open_store(data), embedder)

    notes = [s for s in report.skipped if s.source == "leg.html"]
    assert report.files == 1 and report.chunks >= 1
    assert notes and "hidden text removed (hidden attribute)" in notes[0].reason
    doc = load_document(knowledge / "leg.html", knowledge)
    assert all(HARMFUL not in s.text for s in doc.sections)
