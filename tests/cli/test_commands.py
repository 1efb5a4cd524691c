"""The `coach` CLI through Typer's runner: index, search, ask and status output, and its errors."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from bot.cli import app
from retrieval.chroma_store import COLLECTION_PREFIX
from tests.conftest import use_session_model
from tests.retrieval.conftest import ARTICLES, write_articles

HIT_KEYS = {"rank", "chunk_id", "source", "title", "heading", "text", "score"}
CITATION_KEYS = {"n", "chunk_id", "source", "title", "heading", "quote"}

pytestmark = pytest.mark.usefixtures("session_model")


@dataclass
class Built:
    env: dict[str, str]
    knowledge: Path
    index_run: Result

    def invoke(self, *args: str, input: str | None = None, **env: str) -> Result:
        return CliRunner().invoke(app, list(args), env={**self.env, **env}, input=input)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, embedder):
    """One knowledge folder indexed once by `coach index`, shared by the tests here."""
    root = tmp_path_factory.mktemp("cli")
    knowledge = write_articles(root / "knowledge")
    (knowledge / "notes").mkdir()
    (knowledge / "notes" / "empty.md").write_bytes(b"")
    env = {"COACH_KNOWLEDGE_DIR": str(knowledge), "COACH_DATA_DIR": str(root / "data")}
    with pytest.MonkeyPatch.context() as patch:
        use_session_model(patch, embedder)
        run = CliRunner().invoke(app, ["index"], env=env)
        yield Built(env, knowledge, run)


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def assert_readable_error(result: Result, *needles: str) -> None:
    """Exit non-zero with the whole error on one last stderr line (progress notes may precede)."""
    assert result.exit_code != 0
    lines = error_lines(result)
    assert lines, "nothing on stderr"
    assert lines[-1].startswith("error: "), lines
    assert sum(line.startswith("error:") for line in lines) == 1, lines
    for needle in needles:
        assert needle in lines[-1], lines
    assert "Traceback" not in result.output
    assert result.stdout == ""


# -- index ---------------------------------------------------------------------------------
def test_index_prints_a_summary(built: Built) -> None:
    run = built.index_run
    assert run.exit_code == 0, run.output
    assert "Indexed 4 files, 9 passages (9 embedded, 0 reused)" in run.stdout
    assert "added: club-drills.md, hill-repeats.md, rest-days.md, track-etiquette.md" in run.stdout
    assert "Skipped 1:" in run.stdout
    assert "notes/empty.md: file is empty" in run.stdout


def test_index_again_reports_nothing_changed(built: Built) -> None:
    again = built.invoke("index")
    assert again.exit_code == 0, again.output
    assert "Up to date: 4 files, 9 passages, nothing changed" in again.stdout


# -- search --------------------------------------------------------------------------------
def test_search_json_shape(built: Built) -> None:
    run = built.invoke("search", "how to run a hill session", "-k", "3", "--json")
    assert run.exit_code == 0, run.output
    payload = json.loads(run.stdout)
    # `support` says how squarely the guides cover it: direct, partial (caveat) or none.
    assert set(payload) == {"query", "hits", "abstained", "support", "timings_ms"}
    assert payload["support"] in ("direct", "partial")
    assert payload["query"] == "how to run a hill session"
    assert isinstance(payload["abstained"], bool)
    assert "total" in payload["timings_ms"]
    assert len(payload["hits"]) == 3
    for rank, hit in enumerate(payload["hits"], 1):
        assert set(hit) == HIT_KEYS
        assert hit["rank"] == rank
        # Sources are relative to the knowledge folder, as coaches see them.
        assert not Path(hit["source"]).is_absolute()
        assert (built.knowledge / hit["source"]).is_file()
        assert isinstance(hit["score"], float)
    assert payload["hits"][0]["source"] == "hill-repeats.md"
    assert payload["hits"][0]["heading"] == "How to run a hill session"


def test_search_json_reads_queries_from_stdin(built: Built) -> None:
    run = built.invoke(
        "search", "--json", "-k", "2", input="quokkastride\n\n  \nlanes on the track\n"
    )
    assert run.exit_code == 0, run.output
    lines = run.stdout.splitlines()
    assert len(lines) == 2  # blank lines are not queries
    first, second = (json.loads(line) for line in lines)
    assert first["query"] == "quokkastride"
    assert first["hits"][0]["heading"] == "The quokkastride drill"
    assert second["query"] == "lanes on the track"
    assert second["hits"][0]["source"] == "track-etiquette.md"
    assert all(len(p["hits"]) == 2 for p in (first, second))


def test_search_prints_readable_hits(built: Built) -> None:
    run = built.invoke("search", "quokkastride")
    assert run.exit_code == 0, run.output
    assert "1. Club drills › The quokkastride drill (club-drills.md" in run.stdout


def test_search_without_query_or_json_is_a_usage_error(built: Built) -> None:
    run = built.invoke("search")
    assert run.exit_code == 2
    assert_readable_error(run, "give a QUERY")


# -- ask and status ------------------------------------------------------------------------
def test_ask_json_shape(built: Built) -> None:
    run = built.invoke("ask", "how do I run a hill session on a slope", "--json")
    assert run.exit_code == 0, run.output
    payload = json.loads(run.stdout)
    required = {"question", "answer", "citations", "abstained", "timings_ms", "mode"}
    # `suggestions` (topics offered when abstaining) is part of the shared Answer model.
    assert required <= set(payload) <= required | {"suggestions", "support", "judge"}
    assert payload["mode"] == "extractive"
    assert payload["judge"]  # the judge in force: its name, or "off" (COACH_JUDGE)
    assert payload["abstained"] is False
    assert payload["citations"]
    for n, citation in enumerate(payload["citations"], 1):
        assert set(citation) == CITATION_KEYS
        assert citation["n"] == n
        assert f"[{n}]" in payload["answer"]
        assert (built.knowledge / citation["source"]).is_file()
    assert payload["timings_ms"]["total"] > 0


def test_status_json(built: Built) -> None:
    run = built.invoke("status", "--json")
    assert run.exit_code == 0, run.output
    info = json.loads(run.stdout)
    assert (info["files"], info["chunks"]) == (len(ARTICLES), 9)
    assert info["collection"].startswith(COLLECTION_PREFIX)
    assert info["store"].startswith("embedded")
    assert info["knowledge_dir"] == str(built.knowledge)
    assert info["built_at"]
    assert [s["source"] for s in info["skipped"]] == ["notes/empty.md"]


def test_status_before_any_index(tmp_path: Path) -> None:
    env = {"COACH_KNOWLEDGE_DIR": str(tmp_path), "COACH_DATA_DIR": str(tmp_path / "data")}
    run = CliRunner().invoke(app, ["status"], env=env)
    assert run.exit_code == 0
    assert "No index yet" in run.stdout
    assert "coach index" in run.stdout


# -- errors --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("env", "needles"),
    [
        ({"COACH_LLM": "bogus:x"}, ("Unknown COACH_LLM 'bogus:x'",)),
        ({"COACH_MAX_CONCURRENCY": "abc"}, ("Bad setting", "COACH_MAX_CONCURRENCY")),
        ({"COACH_LLM_TIMEOUT_S": "-1"}, ("Bad setting", "COACH_LLM_TIMEOUT_S")),
    ],
    ids=["unknown-llm", "not-a-number", "out-of-range"],
)
@pytest.mark.parametrize("command", [["status"], ["search", "hills", "--json"], ["ask", "hills"]])
def test_bad_setting_is_one_readable_line(
    built: Built, env: dict[str, str], needles: tuple[str, ...], command: list[str]
) -> None:
    assert_readable_error(built.invoke(*command, **env), *needles)


@pytest.mark.parametrize("command", [["index"], ["search", "hills"], ["ask", "hills"]])
def test_missing_knowledge_folder_is_a_readable_error(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "no-such-folder"
    env = {"COACH_KNOWLEDGE_DIR": str(missing), "COACH_DATA_DIR": str(tmp_path / "data")}
    run = CliRunner().invoke(app, command, env=env)
    assert_readable_error(run, str(missing), "COACH_KNOWLEDGE_DIR")


def test_ask_refuses_an_essay_like_every_surface(built: Built) -> None:
    from answering.config import MAX_QUESTION_CHARS

    run = built.invoke("ask", "how often " * (MAX_QUESTION_CHARS // 10 + 1))
    assert_readable_error(run, f"keep it under {MAX_QUESTION_CHARS}")
