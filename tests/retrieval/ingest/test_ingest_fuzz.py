"""Fuzzing ingestion (issue 21): any file ingests, or is skipped with a one-line reason, in budget.

Hypothesis writes Markdown, HTML, plain text and front matter, hostile on purpose: YAML alias
bombs, nesting thousands deep, lines of up to a megabyte, UTF-16 with and without a BOM,
Latin-1, NUL bytes, invalid UTF-8. Each file goes through the parse worker the indexer uses;
the property is that it comes back as a document that chunks, or as a KnowledgeError with a
one-line reason, having used at most the budget of CPU time and memory (what the worker
measured: a busy machine's clock would make this a lottery). Examples are derandomized here,
~60 per test; `make fuzz` runs 2,000 per test, random (COACH_FUZZ_EXAMPLES, HYPOTHESIS_PROFILE).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrieval.errors import KnowledgeError
from retrieval.ingest.chunking import chunk_document
from retrieval.ingest.indexer import update_index
from retrieval.ingest.limits import PARSE_MEMORY_BYTES, PARSE_SECONDS
from retrieval.ingest.parse_worker import ParseWorker
from retrieval.live_index import open_store
from retrieval.manifest import load_manifest
from retrieval.search.hybrid import HybridRetriever
from tests.retrieval.conftest import write_articles
from tests.retrieval.ingest.test_ingest_limits import alias_bomb

EXAMPLES = int(os.environ.get("COACH_FUZZ_EXAMPLES", "60"))
LONG = EXAMPLES > 60  # more than the quick run: random, full-size files
# The quick run keeps generated files smaller (the fixed hostile files below are full size).
BIG = 1_000_000 if LONG else 100_000
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=not LONG,  # the quick run is the same every time; `make fuzz` explores
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# The worker's timer fires at the budget; what it reports may run a little past it.
CPU_SLACK_S = 0.3


@pytest.fixture(scope="module")
def worker() -> Iterator[ParseWorker]:
    parser = ParseWorker()
    yield parser
    parser.close()


def ingests_in_budget(worker: ParseWorker, data: bytes, suffix: str) -> None:
    """The property: a chunked document or a one-line reason, within the budget."""
    try:
        doc = worker.parse(data, source=f"fuzz{suffix}", suffix=suffix, stem="fuzz")
    except KnowledgeError as exc:
        reason = str(exc)
        assert reason.strip() and "\n" not in reason, repr(reason)
        assert "Traceback" not in reason
    else:
        assert doc.title.strip() and "\n" not in doc.title
        chunks, skipped = chunk_document(doc)
        assert all(c.text.strip() for c in chunks)
        assert all(s.reason.strip() for s in skipped)
    assert worker.last_cpu <= PARSE_SECONDS + CPU_SLACK_S, worker.last_cpu
    assert worker.last_grown <= PARSE_MEMORY_BYTES, worker.last_grown


# -- text pieces ----------------------------------------------------------------------------------

WORDS = st.sampled_from(
    [
        *("run", "easy", "hill", "tempo", "strides", "rest", "calf", "Achilles", "warm-up"),
        *("5k", "10", "km", "3x10", "Q1:", "A:", "e.g.", "Dr.", "St.", "—", "…", "“quote”"),
        *("naïve", "💪", "ﬁt"),
    ]
)
PUNCT = st.sampled_from([*"[]()!*_`#>-+|:.,;?\"'<>&/\\~=^{}\t", "\u200b", "\r", "\f"])
TOKEN = st.one_of(WORDS, PUNCT, st.text(max_size=6))
LINE = st.lists(TOKEN, max_size=25).map(" ".join)


@st.composite
def long_line(draw: st.DrawFn) -> str:
    """Up to a megabyte on one line (BIG): a unit repeated."""
    unit = draw(st.one_of(TOKEN, LINE).filter(bool))
    return unit * draw(st.integers(1, BIG // max(1, len(unit))))


@st.composite
def markdown(draw: st.DrawFn) -> str:
    blocks = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["heading", "para", "list", "quote", "fence", "table", "long"]))
        if kind == "heading":
            blocks.append("#" * draw(st.integers(1, 8)) + " " + draw(LINE))
        elif kind == "para":
            blocks.append("\n".join(draw(st.lists(LINE, min_size=1, max_size=6))))
        elif kind == "list":
            depth = draw(st.integers(1, BIG // 2_500))
            marker = draw(st.sampled_from(["- ", "* ", "1. ", "> - "]))
            blocks.append("\n".join("  " * i + marker + draw(LINE) for i in range(depth)))
        elif kind == "quote":
            blocks.append(">" * draw(st.integers(1, BIG // 200)) + " " + draw(LINE))
        elif kind == "fence":
            blocks.append("```\n" + draw(LINE) + draw(st.sampled_from(["\n```", ""])))
        elif kind == "table":
            blocks.append(
                "| a | b |\n|---|---|\n" + "\n".join(f"| {draw(LINE)} | x |" for _ in "ab")
            )
        else:
            blocks.append(draw(long_line()))
    return "\n\n".join(blocks)


STYLE = st.sampled_from(
    [
        "display:none", "visibility:hidden", "opacity:0", "font-size:0", "color:#fff",
        "color:transparent", "transform:scale(0)", "clip-path:inset(100%)", "left:-9999px",
        "height:0;overflow:hidden", "clip:rect(0 0 0 0)", "font:0/0 a", "color:rgba(0,0,0,0",
        "display:block", "", "background:url(x)", "}{", "/*", "@media{",
    ]
)  # fmt: skip
TAG = st.sampled_from(["div", "p", "span", "article", "section", "b", "li", "ul", "table", "td"])


@st.composite
def element(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(TAG)
    attrs = draw(
        st.lists(
            st.one_of(
                STYLE.map(lambda s: f'style="{s}"'),
                st.sampled_from(["hidden", 'aria-hidden="true"', 'class="x"', 'id="y"']),
            ),
            max_size=2,
        )
    )
    inner = [draw(LINE)]
    if depth < 4:
        inner += draw(st.lists(element(depth + 1), max_size=3))
    return f"<{tag} {' '.join(attrs)}>{''.join(inner)}</{tag}>"


@st.composite
def html(draw: st.DrawFn) -> str:
    css = " ".join(
        f"{draw(st.sampled_from(['.x', '#y', 'p', 'div > span', '*', 'a:hover', '[z]']))} "
        f"{{{draw(STYLE)}}}"
        for _ in range(draw(st.integers(0, 6)))
    )
    body = "".join(draw(st.lists(element(), max_size=6)))
    kind = draw(st.sampled_from(["page", "deep", "wide", "long", "broken"]))
    if kind == "deep":
        n = draw(st.integers(1, BIG // 10))
        body += "<div>" * n + draw(LINE) + "</div>" * draw(st.integers(0, n))
    elif kind == "wide":
        body += "<p>" + draw(LINE) + "</p>" * draw(st.integers(1, BIG // 30))
    elif kind == "long":
        body += "<p>" + draw(long_line()) + "</p>"
    elif kind == "broken":
        body = draw(st.text(alphabet="<>/=\"' apdiv", max_size=300)) + body
    return f"<html><head><title>{draw(LINE)}</title><style>{css}</style></head><body>{body}"


@st.composite
def front_matter(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["plain", "bomb", "anchor", "deep", "huge", "odd", "unclosed"]))
    if kind == "bomb":
        levels, width = draw(st.integers(1, 12)), draw(st.integers(1, 12))
        return alias_bomb(levels, width).split("\n# ", 1)[0]
    if kind == "anchor":
        return "---\nbase: &b {x: 1}\nmore: {<<: *b}\n---\n"
    if kind == "deep":
        n = draw(st.integers(1, BIG // 50))
        return "---\nx: " + "[" * n + "]" * n + "\n---\n"
    if kind == "huge":
        return "---\nnotes: " + "a" * draw(st.integers(1, BIG // 5)) + "\n---\n"
    if kind == "odd":
        value = draw(
            st.sampled_from(
                ["!!python/object:os.system x", "2024-13-45", "9" * 5000, ".nan", "~", "{a: [b"]
            )
        )
        return f"---\ntitle: {value}\n---\n"
    if kind == "unclosed":
        return "---\ntitle: " + draw(LINE) + "\n"
    fields = draw(st.dictionaries(st.sampled_from(["title", "tags", "date", "x"]), LINE))
    return "---\n" + "".join(f"{k}: {v!r}\n" for k, v in fields.items()) + "---\n"


@st.composite
def encoded(draw: st.DrawFn, text: str) -> bytes:
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "latin-1"]))
    data = text.encode(encoding, errors="replace")
    damage = draw(st.sampled_from(["none", "nul", "invalid", "truncate"]))
    if damage == "nul":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + b"\x00" + data[at:]
    elif damage == "invalid":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    elif damage == "truncate" and data:
        data = data[: draw(st.integers(0, len(data) - 1))]
    return data or b"x"


# -- the properties ------------------------------------------------------------------------------


@FUZZ
@given(st.data())
def test_markdown_with_front_matter(worker: ParseWorker, data: st.DataObject) -> None:
    text = data.draw(front_matter()) + data.draw(markdown())
    ingests_in_budget(worker, data.draw(encoded(text)), data.draw(st.sampled_from([".md", ".txt"])))


@FUZZ
@given(st.data())
def test_html(worker: ParseWorker, data: st.DataObject) -> None:
    ingests_in_budget(worker, data.draw(encoded(data.draw(html()))), ".html")


@FUZZ
@given(st.data())
def test_plain_text(worker: ParseWorker, data: st.DataObject) -> None:
    lines = data.draw(st.lists(st.one_of(LINE, long_line()), max_size=40))
    text = data.draw(st.sampled_from(["\n", "\r\n", "\r", "\n\n"])).join(lines)
    ingests_in_budget(worker, data.draw(encoded(text)), data.draw(st.sampled_from([".txt", ".md"])))


@FUZZ
@given(data=st.binary(min_size=1, max_size=4000), suffix=st.sampled_from([".md", ".txt", ".html"]))
def test_arbitrary_bytes(worker: ParseWorker, data: bytes, suffix: str) -> None:
    ingests_in_budget(worker, data, suffix)


@FUZZ
@given(
    unit=st.sampled_from(["[", "![", "[a](", "_a ", "*", "`", "<", "&#", "Dr. X ", ".", "by "]),
    lines=st.integers(1, BIG // 10),
    per_line=st.integers(1, 50),
    suffix=st.sampled_from([".md", ".txt", ".html"]),
)
def test_many_near_matches(
    worker: ParseWorker, unit: str, lines: int, per_line: int, suffix: str
) -> None:
    text = "# Title\n\n" + ((unit * per_line) + "\n") * max(1, lines // per_line)
    ingests_in_budget(worker, text.encode()[:5_000_000], suffix)


# -- the index keeps serving ----------------------------------------------------------------------

HOSTILE_FILES: dict[str, bytes] = {
    "bomb.md": alias_bomb(8).encode(),
    "deep.html": b"<html><body>" + b"<div>" * 100_000 + b"deep" + b"</div>" * 100_000,
    "one-line.txt": b"word " * 200_000,
    "no-bom.txt": "Warm up before every run, slowly.\n".encode("utf-16-le") * 50,
    "nul.md": b"# Title\n\nSome text\x00 here.\n" * 20,
    "invalid.md": b"# Title\n\n" + b"\xff\xfe\xfd" * 100,
    "brackets.md": b"# Title\n\n" + b"[\n" * 200_000,
    "many-lines.txt": b"Title\n\n" + b"Short line here\n" * 200_000,
}


def test_hostile_files_leave_the_index_serving(tmp_path: Path, embedder) -> None:
    knowledge = write_articles(tmp_path / "knowledge", ["rest-days.md"])
    data_dir = tmp_path / "data"
    store = open_store(data_dir)
    update_index(knowledge, data_dir, store, embedder, model_name=embedder.name)
    for name, data in HOSTILE_FILES.items():
        (knowledge / name).write_bytes(data)
    report = update_index(knowledge, data_dir, store, embedder, model_name=embedder.name)

    manifest = load_manifest(data_dir)
    assert manifest is not None
    reasons = {s.source: s.reason for s in report.skipped}
    for name in HOSTILE_FILES:
        # Each one is indexed (it may be odd but readable) or skipped with a one-line reason.
        assert name in manifest.files or name in reasons, name
        assert "\n" not in reasons.get(name, "")
    for name in ("bomb.md", "nul.md", "brackets.md", "many-lines.txt"):
        assert name in reasons and name not in manifest.files
    # 200 passages of "word word ...": indexed once; 200 equal vectors broke the store's check.
    assert len(manifest.files["one-line.txt"].chunk_ids) == 1
    assert any("repeated passages indexed once" in s.reason for s in report.skipped)
    hits = HybridRetriever(store, data_dir, embedder).search("why take a rest day", 3).hits
    assert hits and hits[0].source == "rest-days.md"
