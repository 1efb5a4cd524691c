"""Bounded ingestion (issue 21): hostile files are skipped with a reason, never parsed big."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from retrieval.ingest.front_matter import split_front_matter
from retrieval.ingest.limits import LimitError
from retrieval.ingest.parse_worker import ParseWorker
from retrieval.ingest.pipeline import parse_text
from retrieval.live_index import open_store
from retrieval.manifest import load_manifest
from tests.retrieval.conftest import write_articles

REPO = Path(__file__).resolve().parents[3]


def alias_bomb(levels: int, width: int = 9) -> str:
    """A 'billion laughs' front matter: each level lists the previous one `width` times."""
    lines = ["---", "a0: &a0 [lol]"]
    for level in range(1, levels + 1):
        refs = ",".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{refs}]")
    body = "# Easy runs\n\nKeep easy runs easy enough to chat the whole way round the loop.\n"
    return "\n".join([*lines, "---", "", body])


# Runs in a fresh interpreter under an address-space cap, so the unfixed code fails fast with a
# MemoryError instead of taking the machine down; prints what happened, how long, how much.
_MEASURE = textwrap.dedent(
    """
    import json, resource, sys, time
    from retrieval.ingest.pipeline import parse_text

    def vm_bytes():
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
        return 0

    data = sys.stdin.buffer.read()
    cap = vm_bytes() + 1_000_000_000
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    try:
        parse_text(data, source="bomb.md", suffix=".md", stem="bomb")
        outcome, reason = "parsed", ""
    except Exception as exc:
        outcome, reason = type(exc).__name__, str(exc)
    seconds = time.perf_counter() - started
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
    print(json.dumps({"outcome": outcome, "reason": reason, "seconds": seconds, "grown": grown}))
    """
)


def measure_parse(data: bytes) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE],
        input=data,
        capture_output=True,
        timeout=60,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        check=True,
    )
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


def test_alias_bomb_is_refused_in_little_time_and_memory() -> None:
    bomb = alias_bomb(8).encode()
    assert len(bomb) < 500  # the 435-byte file: 9**8 = 43 million strings expanded
    result = measure_parse(bomb)
    assert result["outcome"] == "LimitError", result
    assert "aliases" in result["reason"]
    assert result["seconds"] < 2
    assert result["grown"] < 50_000_000


@pytest.mark.parametrize(
    ("front_matter", "expected"),
    [
        ("a: &x 1\nb: *x\n", "aliases"),
        ("base: &b {title: A}\nmore:\n  <<: *b\n", "aliases"),
        ("title: &t A\n", "anchors"),
        ("deep: " + "[" * 12 + "]" * 12 + "\n", "nested more than"),
        ("notes: |\n" + "  easy running\n" * 3000, "over the 32 kB limit"),
    ],
)
def test_front_matter_over_a_limit_is_refused(front_matter: str, expected: str) -> None:
    with pytest.raises(LimitError, match=expected):
        split_front_matter(f"---\n{front_matter}---\n# Body\n")


def test_plain_front_matter_keeps_its_fields() -> None:
    text = "---\ntitle: A\nsource:\n  - {title: B, author: C}\ntags: [x, y]\n---\n# Body\n"
    assert split_front_matter(text) == (
        {"title": "A", "source": [{"title": "B", "author": "C"}], "tags": ["x", "y"]},
        "# Body\n",
    )


@pytest.mark.parametrize(
    "front_matter",
    ["when: 2024-13-45\n", "n: " + "9" * 6000 + "\n", "title: [unclosed\n"],
)
def test_bad_yaml_is_dropped_but_the_article_kept(front_matter: str) -> None:
    doc = parse_text(
        f"---\n{front_matter}---\n# Easy runs\n\nKeep easy runs easy enough to chat.\n".encode(),
        source="a.md",
        suffix=".md",
        stem="a",
    )
    assert doc.front_matter == {}
    assert doc.title == "Easy runs"


def test_bomb_in_the_folder_is_skipped_and_never_reaches_the_manifest(
    tmp_path: Path, embedder
) -> None:
    from retrieval.ingest.indexer import update_index
    from retrieval.search.hybrid import HybridRetriever

    knowledge = write_articles(tmp_path / "knowledge", ["rest-days.md", "hill-repeats.md"])
    data_dir = tmp_path / "data"
    store = open_store(data_dir)
    update_index(knowledge, data_dir, store, embedder, model_name=embedder.name)
    # Small enough that the unfixed code survives writing it (9**5 strings, 480 kB of JSON).
    (knowledge / "bomb.md").write_text(alias_bomb(5), encoding="utf-8")
    report = update_index(knowledge, data_dir, store, embedder, model_name=embedder.name)

    reasons = [s.reason for s in report.skipped if s.source == "bomb.md"]
    assert len(reasons) == 1 and "aliases" in reasons[0], report.skipped
    assert "\n" not in reasons[0]
    manifest = load_manifest(data_dir)
    assert manifest is not None and "bomb.md" not in manifest.files
    assert "lol" not in (data_dir / "index-manifest.json").read_text()
    assert [s.reason for s in manifest.skipped if s.source == "bomb.md"] == reasons
    hits = HybridRetriever(store, data_dir, embedder).search("why take a rest day", 3).hits
    assert hits and hits[0].source == "rest-days.md"


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        ("<div>" * 1000 + "Warm up first." + "</div>" * 1000, "nested more than 200 deep"),
        ("<span>a</span>" * 210_000, "more than 200,000 tags"),
    ],
)
def test_html_over_the_shape_limits_is_refused(page: str, reason: str) -> None:
    html = f"<html><body><p>Warm up with ten minutes of easy jogging.</p>{page}</body></html>"
    with pytest.raises(LimitError, match=reason):
        parse_text(html.encode(), source="p.html", suffix=".html", stem="p")


def test_markdown_nested_past_the_limit_is_read_as_text() -> None:
    deep = "".join("  " * i + "- tip\n" for i in range(200)) + "\n" + ">" * 5000 + " quote\n"
    doc = parse_text(f"# Drills\n\n{deep}".encode(), source="d.md", suffix=".md", stem="d")
    assert doc.title == "Drills" and doc.sections


ARTICLE = b"# Easy runs\n\nKeep easy runs easy enough to chat the whole way round the loop.\n"


def test_the_worker_cuts_a_parse_over_budget_and_starts_again() -> None:
    slow = b"# Title\n\n" + b"[\n" * 100_000  # markdown-it is quadratic on unclosed brackets
    parser = ParseWorker(seconds=0.5)
    try:
        with pytest.raises(LimitError, match=r"more than 0.5 s of computing"):
            parser.parse(slow, source="s.md", suffix=".md", stem="s")
        assert parser.parse(ARTICLE, source="a.md", suffix=".md", stem="a").title == "Easy runs"
    finally:
        parser.close()


def test_the_worker_cuts_a_parse_over_its_memory() -> None:
    page = b"<html><body>" + b"<p>Some text here to read.</p>" * 60_000 + b"</body></html>"
    parser = ParseWorker(memory_bytes=20_000_000)
    try:
        with pytest.raises(LimitError, match="more than 20 MB of memory"):
            parser.parse(page, source="p.html", suffix=".html", stem="p")
        assert parser.parse(ARTICLE, source="a.md", suffix=".md", stem="a").title == "Easy runs"
    finally:
        parser.close()


def test_kb_add_preview_refuses_the_bomb_with_the_reason() -> None:
    from library.errors import KbError
    from library.preview import preview_file

    with pytest.raises(KbError, match="can't be used: front matter uses YAML anchors or aliases"):
        preview_file(alias_bomb(8).encode(), "bomb.md")


def test_coach_status_lists_the_skipped_bomb(tmp_path: Path, embedder) -> None:
    from typer.testing import CliRunner

    from bot.cli import app
    from tests.conftest import use_session_model

    knowledge = write_articles(tmp_path / "knowledge", ["rest-days.md"])
    (knowledge / "bomb.md").write_text(alias_bomb(8), encoding="utf-8")
    env = {"COACH_KNOWLEDGE_DIR": str(knowledge), "COACH_DATA_DIR": str(tmp_path / "data")}
    with pytest.MonkeyPatch.context() as patch:
        use_session_model(patch, embedder)
        assert CliRunner().invoke(app, ["index"], env=env).exit_code == 0
        run = CliRunner().invoke(app, ["status", "--json"], env=env)
    assert run.exit_code == 0, run.output
    info = json.loads(run.stdout)
    assert info["files"] == 1
    (reason,) = [s["reason"] for s in info["skipped"] if s["source"] == "bomb.md"]
    assert "aliases" in reason and "\n" not in reason
