"""Whole files to documents and chunks: messy fixtures, every format, and files that must fail."""

from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.messy_corpus import compare_corpora, write_messy_corpus
from retrieval.errors import KnowledgeError
from retrieval.ingest.loaders import html_fallback_text, split_front_matter, without_site_name
from retrieval.ingest.pipeline import chunk_document, load_document, parse_text, scan_knowledge

MESSY = Path(__file__).parent / "fixtures" / "messy"
KNOWLEDGE = Path(__file__).resolve().parents[3] / "knowledge"


def all_text(doc) -> str:
    return "\n".join([doc.title, *(" ".join(s.heading_path) + "\n" + s.text for s in doc.sections)])


def make_pdf(pages: list[list[str]]) -> bytes:
    """A minimal valid PDF with one Helvetica text line per entry, as a PDF export would hold."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    pages_id = len(objects) + 2 * len(pages) + 1
    kids = []
    for lines in pages:
        ops = ["BT", "/F1 11 Tf", "14 TL", "72 760 Td"]
        for line in lines:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops += [f"({escaped}) Tj", "T*"]
        stream = "\n".join([*ops, "ET"]).encode("latin-1")
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] "
                b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
                % (pages_id, font, content)
            )
        )
    refs = b" ".join(b"%d 0 R" % kid for kid in kids)
    assert add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(kids))) == pages_id
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        catalog,
        xref,
    )
    return bytes(out)


# ---------------------------------------------------------------------------------------------
# Messy fixtures: what is removed and what is kept


@pytest.mark.parametrize(
    ("name", "title", "headings", "kept", "removed"),
    [
        (
            "hill-sprints-blog.txt",
            "Hill Sprints for Distance Runners | short, steep and surprisingly gentle",
            [
                (),
                ("Why hill sprints work",),
                ("How to run them",),
                ("Where they fit in the week",),
                # Q&A questions head their answers (issue 9: heading recovery on real pages).
                ("Hill sprints: Q&A", "Can I do hill sprints on a treadmill?"),
                ("Hill sprints: Q&A", "My calves ache for days afterwards. Should I stop?"),
                ("Hill sprints: Q&A", "Do hill sprints replace my strength training?"),
            ],
            [
                "beginner group",
                "Start with four reps",
                "A2: Halve the number of reps",
                "Do hill sprints replace",
                "Disclaimer:",
            ],
            [
                "ADVERTISEMENT",
                "Advertisement",
                "Sponsored",
                "Facebook",
                "Coach Marta",
                "Updated",
                "Tweet",
                "Related Articles",
                "kettle",
                "2024",
                "Comments",
                "recently posted",
                "My Profile",
                "bridge ramp",
                "[…]",
                "Leave a Reply",
                "Notify me",
                "Scroll to top",
            ],
        ),
        (
            "tempo-runs-wix.txt",
            "Tempo Runs Made Simple",
            [(), ("How Long and How Fast",), ("Common Mistakes",)],
            ["comfortably hard", "two blocks of 12 minutes", "heaviest lifting day"],
            [
                "top of page",
                "bottom of page",
                "Skip to content",
                "Menu",
                "Home >",
                "Updated",
                "min read",
                "newsletter",
            ],
        ),
        (
            "core-strength-page.html",
            "Core Strength for Runners",
            [
                (),
                ("Why runners need a strong core",),
                ("Three exercises to start with",),
                ("Three exercises to start with", "How to progress"),
                ("When to do core work",),
            ],
            [
                "deep abdominals",
                "- Dead bug: 3 sets of 8",
                "- Pallof press",
                "side plank with a leg",
            ],
            [
                "Riverside",
                "cookies",
                "Accept all",
                "Skip to content",
                "Join the club",
                "Sam Okafor",
                "Share",
                "LinkedIn",
                "Related posts",
                "trail shoes",
                "Pete",
                "video of the dead bug",
                "Leave a Reply",
                "Name*",
                "Privacy",
                "newsletter",
                "dataLayer",
                "position: fixed",
            ],
        ),
        (
            "easy-runs.md",
            "Easy Runs: The Base of Everything",
            [
                (),
                ("Why easy means easy",),
                ("How easy is easy",),
                ("How easy is easy", "The talk test"),
                ("Recovery between easy runs",),
            ],
            [
                "should be easy. Easy runs",
                "Read the full guide to training zones for the science",
                "three quarters",
                "- You can speak in full sentences.",
                "# week 6 easy runs",
                "one full rest day",
            ],
            [
                "**",
                "](",
                "https://",
                "By Coach",
                "February 10",
                "Share",
                "ADVERTISEMENT",
                "Related posts",
                "Tempo runs made simple",
                "Subscribe",
                "inbox",
            ],
        ),
        (
            "cadence-drills-crlf.txt",
            "Cadence Drills for Smoother Running",
            [(), ("Counting Your Cadence",), ("Three Drills to Try",), ("How Fast to Change",)],
            [
                "small, gradual increase than from chasing",  # hard wrap joined
                "- Quick feet: 20 seconds",
                "- Downhill strides",
                "calves and the Achilles tendon",
            ],
            ["\r", "\ufeff", "\t", "Ana Ruiz"],
        ),
        (
            "long-run-fuel-cp1252.txt",
            "Fuelling the Long Run",
            [("Why Fuel Matters",), ("What to Carry",)],
            ["“the wall”", "Don’t try anything new", "two and a half hours – more than that"],
            ["Posted on", "Coach Lee", "\r"],
        ),
    ],
)
def test_messy_fixture(name, title, headings, kept, removed) -> None:
    doc = load_document(MESSY / name, MESSY)
    assert doc.source == name
    assert doc.title == title
    assert [s.heading_path for s in doc.sections] == headings
    text = all_text(doc)
    body = "\n".join(s.text for s in doc.sections)
    for phrase in kept:
        assert phrase in text, phrase
    for phrase in removed:
        assert phrase not in body, phrase
    chunks, skipped = chunk_document(doc)
    assert chunks and skipped == []
    assert all(len(c.text) <= 1200 for c in chunks)


def test_front_matter_is_read_and_dates_become_strings() -> None:
    doc = load_document(MESSY / "easy-runs.md", MESSY)
    assert doc.front_matter == {
        "title": "Easy Runs: The Base of Everything",
        "author": "Coach Ines Barra",
        "date": "2024-02-10",
        "tags": ["easy running", "aerobic base", "recovery"],
    }


@pytest.mark.parametrize(
    ("text", "front_matter", "body"),
    [
        ("---\ntitle: A\n---\nBody", {"title": "A"}, "Body"),
        ("---\r\ntitle: A\r\n---\r\nBody", {"title": "A"}, "Body"),
        ("---\n---\nBody", {}, "Body"),
        ("---\ntitle: [unclosed\n---\nBody", {}, "Body"),  # bad YAML: dropped, never indexed
        ("Body\n---\nmore", {}, "Body\n---\nmore"),
    ],
)
def test_split_front_matter(text: str, front_matter: dict, body: str) -> None:
    assert split_front_matter(text) == (front_matter, body)


def test_cp1252_fallback_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="retrieval.ingest.loaders"):
        load_document(MESSY / "long-run-fuel-cp1252.txt", MESSY)
    assert "not UTF-8; read it as Windows-1252" in caplog.text


def test_content_hash_is_sha256_of_raw_bytes() -> None:
    path = MESSY / "cadence-drills-crlf.txt"
    doc = load_document(path, MESSY)
    assert doc.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_input_gives_same_chunk_ids() -> None:
    first = chunk_document(load_document(MESSY / "hill-sprints-blog.txt", MESSY))
    second = chunk_document(load_document(MESSY / "hill-sprints-blog.txt", MESSY))
    assert [c.chunk_id for c in first[0]] == [c.chunk_id for c in second[0]]
    assert first[0][1].chunk_id.startswith("hill-sprints-blog.txt#why-hill-sprints-work#")


def test_source_is_relative_posix_path(tmp_path: Path) -> None:
    path = tmp_path / "guides" / "hills.md"
    path.parent.mkdir()
    path.write_text("# Hills\n\nRun up them briskly and walk back down to recover.\n")
    assert load_document(path, tmp_path).source == "guides/hills.md"


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes("Strides\n\nFour relaxed strides after easy runs.".encode("utf-16"))
    doc = load_document(path, tmp_path)
    assert doc.title == "Strides" and "relaxed strides" in doc.sections[0].text


def test_html_without_main_content_falls_back_to_simple_text(tmp_path: Path) -> None:
    html = (
        "<html><head><title>Strides</title><script>var x = 1;</script></head><body>"
        "<nav>Home Blog</nav><p>Do four strides.</p><div>Walk back <b>slowly</b>.</div>"
        "<footer>© Club</footer></body></html>"
    )
    assert html_fallback_text(html) == "Do four strides.\n\nWalk back slowly."
    path = tmp_path / "strides.html"
    path.write_text(html)
    doc = load_document(path, tmp_path)
    assert doc.title == "Strides"
    assert "Do four strides." in doc.sections[0].text


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Core Strength for Runners | Riverside Running Club", "Core Strength for Runners"),
        ("Hill Sprints - Club Blog", "Hill Sprints"),
        ("Strength | a very long tagline that is clearly part of the title", None),
        (None, None),
    ],
)
def test_without_site_name(title: str | None, expected: str | None) -> None:
    assert without_site_name(title) == (expected or title)


def test_html_title_without_heading_drops_the_site_name(tmp_path: Path) -> None:
    paragraph = "<p>Strides are short, relaxed accelerations over about 100 metres. " * 4
    page = (
        f"<html><head><title>Strides | Club Blog</title></head><body>{paragraph}</p></body></html>"
    )
    path = tmp_path / "strides.html"
    path.write_text(page)
    assert load_document(path, tmp_path).title == "Strides"


def test_markdown_headings_in_a_txt_file_are_recovered(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("# Race Week\n\nRest more.\n\n## Taper\n\nCut volume by half.\n")
    doc = load_document(path, tmp_path)
    assert doc.title == "Race Week"
    assert [(s.heading_path, s.text) for s in doc.sections] == [
        ((), "Rest more."),
        (("Taper",), "Cut volume by half."),
    ]


# ---------------------------------------------------------------------------------------------
# PDF


def test_pdf_text_and_recovered_headings(tmp_path: Path) -> None:
    path = tmp_path / "strength-guide.pdf"
    path.write_bytes(
        make_pdf(
            [
                [
                    "Strength Guide for Runners",
                    "Why Lift",
                    "Lifting twice a week makes runners more robust.",
                    "It also improves running economy over a season.",
                ],
                ["Page 2 of 2", "Rest Days", "Take one full day off every week to recover."],
            ]
        )
    )
    doc = load_document(path, tmp_path)
    assert doc.title == "Strength Guide for Runners"
    assert [s.heading_path for s in doc.sections] == [("Why Lift",), ("Rest Days",)]
    assert doc.sections[1].text == "Take one full day off every week to recover."
    assert "Page 2" not in all_text(doc)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.4\nthis is not really a pdf", "unreadable PDF"),
        (make_pdf([[]]), "PDF has no extractable text"),
    ],
)
def test_bad_pdf(tmp_path: Path, data: bytes, reason: str) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(data)
    with pytest.raises(KnowledgeError, match=reason):
        load_document(path, tmp_path)


# ---------------------------------------------------------------------------------------------
# Files that cannot be used


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.md", b"", "file is empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (contains NUL bytes)"),
        ("bad.md", "Caf\u00e9 ".encode() + b"\x81\x8d\x90 \xc3", "not UTF-8 text — open it"),
        ("control.txt", bytes(range(1, 32)) * 20 + b"\x81", "not UTF-8"),
        ("fake.txt", b"%PDF-1.7\n...", "rename it to .pdf"),
        (
            "clutter.txt",
            b"Menu\n\nADVERTISEMENT\n\nFacebook X Reddit\n\nScroll to top\n",
            "no text left after removing page clutter",
        ),
    ],
)
def test_unusable_files(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(KnowledgeError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        load_document(path, tmp_path)


def test_binary_reason_tells_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "binary.md"
    path.write_bytes(b"abc\x00def")
    with pytest.raises(KnowledgeError) as error:
        load_document(path, tmp_path)
    assert (
        str(error.value) == "binary file (contains NUL bytes) — save it as .md, .txt, .html or .pdf"
    )


def test_too_large_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.md"
    with open(path, "wb") as handle:
        handle.truncate(20_000_000)
    with pytest.raises(KnowledgeError, match=r"larger than 5\.0 MB limit \(20\.0 MB\)"):
        load_document(path, tmp_path)


def test_file_deleted_between_scan_and_load(tmp_path: Path) -> None:
    shutil.copy(MESSY / "easy-runs.md", tmp_path / "easy-runs.md")
    [path], _ = scan_knowledge(tmp_path)
    path.unlink()
    with pytest.raises(KnowledgeError, match="disappeared while indexing"):
        load_document(path, tmp_path)


# ---------------------------------------------------------------------------------------------
# The project's own knowledge folder


def test_knowledge_articles_load_with_titles_and_headings() -> None:
    paths, skipped = scan_knowledge(KNOWLEDGE)
    assert paths and skipped == []
    for path in paths:
        doc = load_document(path, KNOWLEDGE)
        assert doc.title == doc.front_matter["title"]
        assert all(s.heading_path for s in doc.sections if s.text), doc.source
        chunks, dropped = chunk_document(doc)
        assert chunks and dropped == [], doc.source


def test_messy_corpus_is_deterministic_and_recovers_the_articles(tmp_path: Path) -> None:
    first = write_messy_corpus(KNOWLEDGE, tmp_path / "a")
    second = write_messy_corpus(KNOWLEDGE, tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    stems = sorted(p.stem for p in KNOWLEDGE.glob("*.md"))
    assert sorted(p.stem for p in first) == stems
    assert {p.suffix for p in first} == {".txt", ".html"}
    figures = compare_corpora(KNOWLEDGE, tmp_path / "a")
    assert figures["documents"] == len(stems)
    assert figures["sentences_kept"] >= 0.98
    assert figures["headings_recovered"] >= 0.95
    assert figures["clutter_markers_left"] == 0


markdownish = st.lists(
    st.sampled_from(
        [*"abcXYZ .,:?!#*-_[]()<>`|~\n\t\r0123456789’…", "\n\n", "Word ", "## ", "- ", "1. "]
    ),
    max_size=200,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(text=markdownish, suffix=st.sampled_from([".md", ".txt", ".html"]))
def test_any_text_loads_or_fails_with_a_readable_reason(text: str, suffix: str) -> None:
    try:
        doc = parse_text(text.encode(), source=f"x{suffix}", suffix=suffix, stem="x")
    except KnowledgeError as error:
        assert str(error)
        return
    assert doc.title.strip()
    chunks, skipped = chunk_document(doc)
    assert all(c.text.strip() for c in chunks)
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    assert all(s.reason for s in skipped)
