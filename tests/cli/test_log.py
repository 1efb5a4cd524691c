"""The training log from a terminal: `coach log` / `coach progress` through Typer's runner, on
the same handlers as Discord (the console's `/log`: tests/console/test_log.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.training_log_store import default_member
from planner.models import Plan
from planner.progress import ProgressData

TODAY = "2026-11-23"  # a Monday
PLAN = [
    *("plan", "--runs", "tue:easy,sat:long", "--free", "mon,thu", "--equipment", "gym"),
    *("--weeks", "6", "--today", TODAY, "--owner", "ana", "--json"),
]


@pytest.fixture
def coach(bundled_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`coach ...` against a copy of the session's index (no test re-embeds)."""
    data = shutil.copytree(
        bundled_index, tmp_path / "data", ignore=shutil.ignore_patterns("models")
    )
    monkeypatch.setenv("COACH_DATA_DIR", str(data))

    def invoke(*args: str):
        return CliRunner().invoke(cli, list(args))

    return invoke


def _lifts(plan: Plan, effort: str) -> str:
    _, first = plan.sessions()[0]
    return "; ".join(
        f"{x.name} 50kg 3x6 {effort}" for b in first.blocks if b.kind == "main" for x in b.exercises
    )


def test_coach_log_add_list_export_delete(coach, tmp_path: Path) -> None:
    made = coach(*PLAN)
    assert made.exit_code == 0, made.output
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(made.stdout)
    plan = Plan.model_validate_json(made.stdout)

    common = ("--member", "ana", "--today", TODAY)
    added = coach("log", "add", _lifts(plan, "@7"), "--plan", str(plan_file), "--niggles",
                  "knee 2", *common, "--json")  # fmt: skip
    assert added.exit_code == 0, added.output
    result = json.loads(added.stdout)
    assert result["new"] is True and result["entry"]["member"] == "ana"
    assert (result["entry"]["week"], result["entry"]["session"]) == (1, 1)
    assert result["entry"]["exercises"][0]["load"] == 50.0
    assert result["entry"]["niggles"] == [{"area": "knee", "score": 2}]

    # The plan is kept: the next entry needs no --plan, and the same session replaces itself.
    again = coach("log", "add", _lifts(plan, "@8"), "--session", "1:1", *common, "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["new"] is False
    text = coach("log", "add", _lifts(plan, "@8"), "--session", "1:1", *common)
    assert text.exit_code == 0 and "Updated: Week 1 · Mon 23 Nov" in text.stdout

    listed = coach("log", "list", "--member", "ana", "--json")
    assert [e["exercises"][0]["rpe"] for e in json.loads(listed.stdout)] == [8.0]
    assert json.loads(coach("log", "list", "--member", "bob", "--json").stdout) == []

    adapted = coach("log", "plan", *common, "--json", "--ics", str(tmp_path / "a.ics"))
    assert adapted.exit_code == 0, adapted.output
    changed = Plan.model_validate_json(adapted.stdout)
    assert changed.plan_id == plan.plan_id and changed.adaptations
    assert all(c.rule_id.startswith("adapt-") for c in changed.adaptations)
    assert b"From your training log:" in (tmp_path / "a.ics").read_bytes().replace(b"\r\n ", b"")

    bad = coach("log", "add", "leg press 40", *common)
    assert bad.exit_code == 2
    assert "I couldn't read “40” in “leg press 40”" in bad.output

    target = tmp_path / "ana.json"
    assert coach("log", "export", str(target), "--member", "ana").exit_code == 0
    exported = json.loads(target.read_text())
    assert exported["member"] == "ana" and len(exported["entries"]) == 1

    refused = coach("log", "delete", "--member", "ana")
    assert refused.exit_code == 2 and "run again with --yes" in refused.output
    deleted = coach("log", "delete", "--member", "ana", "--yes")
    assert deleted.exit_code == 0 and "(1 entries)" in deleted.stdout
    assert json.loads(coach("log", "list", "--member", "ana", "--json").stdout) == []


def test_coach_progress_prints_json_and_writes_the_picture(coach, tmp_path: Path) -> None:
    made = coach(*PLAN)
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(made.stdout)
    plan = Plan.model_validate_json(made.stdout)
    added = coach("log", "add", _lifts(plan, "@7"), "--plan", str(plan_file),
                  "--member", "ana", "--today", TODAY)  # fmt: skip
    assert added.exit_code == 0, added.output

    shown = coach("progress", "--member", "ana", "--today", TODAY, "--json")
    assert shown.exit_code == 0, shown.output
    data = ProgressData.model_validate_json(shown.stdout)
    assert data.member == "ana" and data.done == 1 and len(data.lifts) == 2
    picture = tmp_path / "progress.png"
    drawn = coach("progress", "--member", "ana", "--today", TODAY, "--png", str(picture))
    assert drawn.exit_code == 0, drawn.output
    assert picture.read_bytes().startswith(b"\x89PNG") and "1 done" in drawn.stdout

    nobody = coach("progress", "--member", "nobody", "--today", TODAY)
    assert nobody.exit_code == 2 and "no plan to log against" in nobody.output


def test_the_cli_member_defaults_to_the_os_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "sam")
    assert default_member() == "sam"
