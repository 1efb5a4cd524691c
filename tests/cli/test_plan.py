"""`coach plan` through Typer's runner: outputs, files, and one red line on bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import typer
from icalendar import Calendar
from typer.testing import CliRunner

from bot.cli.plan import plan
from planner.models import Plan
from tests.planner.conftest import KNOWLEDGE

ARGS = [
    *("plan", "--runs", "tue:easy,thu:intervals,sun:long", "--free", "mon,wed,fri"),
    *("--equipment", "bands", "--phase", "base", "--weeks", "8", "--today", "2026-11-23"),
]


@pytest.fixture
def run(bundled_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # The same app service as the bot: a copy of the session's index, so no test re-embeds.
    data = shutil.copytree(
        bundled_index, tmp_path / "data", ignore=shutil.ignore_patterns("models")
    )
    monkeypatch.setenv("COACH_DATA_DIR", str(data))
    app = typer.Typer()
    app.command("plan")(plan)
    app.command("noop")(lambda: None)  # two commands keep `plan` a named subcommand

    def invoke(*extra: str):
        return CliRunner().invoke(app, [*ARGS, *extra])

    return invoke


def test_prints_the_markdown_plan(run) -> None:
    result = run()
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("## Strength plan · 8 weeks from Mon 23 Nov 2026")
    assert "**Sources**" in result.stdout


def test_json_is_the_plan_model(run) -> None:
    result = run("--json")
    assert result.exit_code == 0
    parsed = Plan.model_validate_json(result.stdout)
    assert parsed.request.equipment == ("bands",)
    assert [d.status for d in parsed.days] == ["chosen", "rejected", "chosen"]


def test_ics_file_is_written(run, tmp_path: Path) -> None:
    target = tmp_path / "plan.ics"
    result = run("--ics", str(target))
    assert result.exit_code == 0
    events = list(Calendar.from_ical(target.read_bytes()).walk("VEVENT"))
    assert sum(str(e["STATUS"]) == "CONFIRMED" for e in events) == 16
    assert f"Wrote 16 sessions to {target}" in result.stderr


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--why"], "**Why this plan**"),
        (["--why-exercise", "banded-squat"], "**Why Banded squat**"),
        (["--swap", "banded-squat"], "Swapped: banded-squat → box-squat"),
        (["--swap", "banded-squat", "--swap-week", "2", "--json"], '"week": 2'),
        (["--audit"], "**Audit card**: 27 pass · 0 fail · 5 n/a"),
    ],
)
def test_flags(run, extra: list[str], expected: str) -> None:
    result = run(*extra)
    assert result.exit_code == 0, result.output
    assert expected in result.stdout


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--equipment", "rocket"], "equipment: unknown equipment 'rocket'"),
        (["--weeks", "0"], "weeks: 0 weeks is not possible: ask for 1 to 16 weeks"),
        (["--phase", "", "--race-date", "2026-01-01"], "race date 2026-01-01 is in the past"),
        (["--race-date", "2027-01-01"], "give either a phase or a race date, not both"),
        (["--runs", "tue-easy"], "run 'tue-easy' should look like day:kind"),
        (["--today", "23/11/2026"], "today '23/11/2026' is not a date: use YYYY-MM-DD"),
        (["--free", "wed"], "none of your free days works for lifting"),
        (["--minutes", "20", "--free", "fri"], "20 minutes is too short"),
        (["--swap", "moon-walk"], "No exercise “moon-walk” in this plan"),
        (["--swap", "cat-cow"], "No exercise “cat-cow” in this plan"),
        (["--race-date", "2090-12-31", "--phase", ""], "more than two years after today"),
        (["--race-date", "9999-12-31", "--phase", ""], "between 2000-01-01 and 2100-12-31"),
        (["--today", "9999-12-31"], "between 2000-01-01 and 2100-12-31"),
        (["--today", "0001-01-01"], "between 2000-01-01 and 2100-12-31"),
    ],
)
def test_errors_are_one_red_line_and_exit_2(run, extra: list[str], expected: str) -> None:
    result = run(*extra)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and expected in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_a_renamed_heading_keeps_plans_coming(
    run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, copy)
    article = copy / "lower-leg-strength-calves-and-shins.md"
    article.write_text(article.read_text("utf-8").replace("## Calf raises", "## Calves"), "utf-8")
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(copy))
    result = run("--audit")
    assert result.exit_code == 0, result.output
    assert "✓ **calves**" in result.stdout and "Traceback" not in result.output


def test_a_bad_setting_is_one_line(run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COACH_MAX_CONCURRENCY", "lots")
    result = run()
    assert result.exit_code != 0 and result.stdout == ""
    assert result.stderr.startswith("error: ") and "max_concurrency" in result.stderr.lower()
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_png_is_written_and_ics_into_a_folder_is_one_line(run, tmp_path: Path) -> None:
    picture = tmp_path / "week.png"
    result = run("--png", str(picture))
    assert result.exit_code == 0, result.output
    assert picture.read_bytes().startswith(b"\x89PNG")
    assert f"Wrote the week at a glance to {picture}" in result.stderr
    folder = run("--ics", str(tmp_path))
    assert folder.exit_code == 2 and folder.stderr.count("\n") == 1
    assert "is a folder: give a file name" in folder.stderr
