"""Plan dates are bounded (2000-01-01 to 2100-12-31) by the pure core, not by the clock."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot.cli import app
from planner.api import PlanError, parse_date


@pytest.mark.parametrize("text", ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"])
def test_a_date_outside_the_window_is_refused_naming_it(text: str) -> None:
    with pytest.raises(PlanError, match=r"today .* between 2000-01-01 and 2100-12-31"):
        parse_date(text, "today")


@pytest.mark.parametrize("text", ["2000-01-01", "2026-12-07", "2100-12-31"])
def test_dates_inside_the_window_pass(text: str) -> None:
    assert parse_date(text, "today") is not None


@pytest.mark.parametrize("flag", ["--today", "--start", "--race-date"])
def test_coach_plan_refuses_year_one_in_one_line(flag: str) -> None:
    args = ["plan", "--free", "mon,thu", "--runs", "tue:easy,sat:long", flag, "0001-01-01"]
    if flag != "--today":
        args += ["--today", "2026-12-07"]
    result = CliRunner().invoke(app, args)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code != 0 and len(lines) == 1, result.output
    assert "0001-01-01" in lines[0] and "between 2000-01-01 and 2100-12-31" in lines[0]
