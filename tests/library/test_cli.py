"""`coach kb ...` through Typer's runner, on a copy of the bundled knowledge and its index."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli import app
from tests.conftest import WritableKb
from tests.library.conftest import ARTICLE


@pytest.fixture
def coach_kb(writable_kb: WritableKb, session_model: None):
    knowledge, data_dir = writable_kb
    env = {"COACH_KNOWLEDGE_DIR": str(knowledge), "COACH_DATA_DIR": str(data_dir)}

    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(app, ["kb", *args], env=env, input=input)

    return invoke, knowledge


def test_add_list_history_undo(coach_kb, tmp_path: Path) -> None:
    invoke, knowledge = coach_kb
    article = tmp_path / "Hill sprints.md"
    article.write_bytes(ARTICLE)

    declined = invoke("add", str(article), input="n\n")
    assert declined.exit_code == 1 and "Preview: Hill-sprints.md" in declined.output
    assert not (knowledge / "Hill-sprints.md").exists()

    added = invoke("add", str(article), "--yes")
    assert added.exit_code == 0, added.output
    assert "Added Hill-sprints.md: 2 passage(s) live" in " ".join(added.output.split())
    assert (knowledge / "Hill-sprints.md").read_bytes() == ARTICLE

    listed = invoke("list", "--page", "1")
    assert listed.exit_code == 0 and "Hill-sprints.md · 2 passage(s) · #1 add" in listed.output
    history = invoke("history", "Hill-sprints.md")
    assert "#1 add Hill-sprints.md" in history.output and "(CLI)" in history.output
    shown = invoke("show", "Hill-sprints.md")
    assert "How many hill sprints to do" in shown.output

    undone = invoke("undo", "1")
    assert undone.exit_code == 0 and "Undid #1" in undone.output
    assert not (knowledge / "Hill-sprints.md").exists()


def test_errors_are_one_red_line(coach_kb, tmp_path: Path) -> None:
    invoke, _ = coach_kb
    for args, message in (
        (("remove", "nope.md", "--yes"), "no file `nope.md`"),
        (("add", "http://127.0.0.1:9/x", "--yes"), "private or local address"),
        (("add", str(tmp_path / "missing.md")), "no file"),
        (("undo", "42"), "there is no change #42"),
    ):
        result = invoke(*args)
        assert result.exit_code != 0 and message in result.output, result.output


def test_lint_names_a_rule_whose_heading_is_gone_with_the_fix(coach_kb) -> None:
    invoke, knowledge = coach_kb
    article = knowledge / "progression-deloads-and-testing.md"
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("## Taking a deload week", "## Lighter weeks"), "utf-8")
    (knowledge / "notes.txt").write_text(
        "Hill notes\n\nWhy hills\n\nHills build strength in the calves and hips with little "
        "impact on the joints.\n",
        encoding="utf-8",
    )
    result = invoke("lint", "--json")
    assert result.exit_code == 0
    issues = [json.loads(line) for line in result.output.splitlines()]
    kinds = {(i["kind"], i["source"]) for i in issues}
    assert ("planner citation", "progression-deloads-and-testing.md") in kinds
    assert ("headings", "notes.txt") in kinds
    broken = next(i for i in issues if i["kind"] == "planner citation")
    assert "deload" in broken["problem"] and "rename the heading back" in broken["fix"]


def test_add_from_a_trickling_site_says_too_slow_within_the_limit(tmp_path: Path) -> None:
    from tests.fakes.slow_servers import body_trickled, serve_raw

    env = {
        "COACH_KNOWLEDGE_DIR": str(tmp_path / "knowledge"),
        "COACH_DATA_DIR": str(tmp_path / "data"),
        "COACH_KB_ALLOW_HOSTS": "127.0.0.1",
        "COACH_KB_FETCH_TIMEOUT_S": "1",
    }
    with serve_raw(body_trickled(0.05)) as (port, _):
        started = time.monotonic()
        result = CliRunner().invoke(app, ["kb", "add", f"http://127.0.0.1:{port}/a", "-y"], env=env)
        elapsed = time.monotonic() - started
    output = " ".join(result.output.split())
    assert result.exit_code == 1 and "the site was too slow" in output, output
    assert "within 1 s" in output and "COACH_KB_FETCH_TIMEOUT_S" in output
    assert elapsed < 2.0 + 1.0  # the limit, one second, and the app's own start-up
