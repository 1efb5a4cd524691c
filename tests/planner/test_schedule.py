"""Choosing lifting days, and the conflicts named in the issue."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from planner.build import build_plan
from planner.errors import PlanError
from planner.models import DAYS, PlanRequest
from planner.phases import frame_weeks
from planner.playbook import Playbook
from planner.rules import RuleBook
from planner.schedule import DayOption, day_options, pick_days
from tests.planner.conftest import BASE_REQUEST, TODAY


def request(**overrides: Any) -> PlanRequest:
    return PlanRequest.parse(**{**BASE_REQUEST, **overrides})


def option(day: str, *, same_day: bool = False, after_hard: bool = False) -> DayOption:
    return DayOption(day, DAYS.index(day), "easy" if same_day else None, None, None, after_hard)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "count", "expected"),
    [
        ([option("mon"), option("tue"), option("wed")], 2, ["mon", "wed"]),
        # Sunday and Monday touch across the week boundary.
        ([option("mon"), option("sun")], 2, ["mon"]),
        ([option(d) for d in DAYS], 3, ["mon", "wed", "fri"]),
        # Rest days beat a day shared with an easy run.
        ([option("mon", same_day=True), option("wed"), option("fri")], 2, ["wed", "fri"]),
        # Breathing space after a hard run beats a day straight after one.
        ([option("mon", after_hard=True), option("wed"), option("fri")], 2, ["wed", "fri"]),
        # Spread out: Mon + Thu beats Mon + Wed.
        ([option("mon"), option("wed"), option("thu")], 2, ["mon", "thu"]),
        ([option("tue")], 3, ["tue"]),
    ],
)
def test_pick_days(options: list[DayOption], count: int, expected: list[str]) -> None:
    assert [o.day for o in pick_days(options, count)] == expected


@pytest.mark.parametrize(
    ("runs", "free", "usable", "rejected"),
    [
        (
            {"tue": "easy", "thu": "intervals", "sun": "long"},
            "mon,wed,fri",
            ["mon", "fri"],
            ["wed"],
        ),
        ({"tue": "tempo"}, "mon,tue,wed", ["wed"], ["mon", "tue"]),
        ({"tue": "easy", "wed": "recovery"}, "tue,wed", ["tue", "wed"], []),
        ({"mon": "race"}, "sun,mon", [], ["sun", "mon"]),
    ],
)
def test_day_options(
    rules: RuleBook, runs: dict, free: str, usable: list[str], rejected: list[str]
) -> None:
    req = request(runs=runs, free_days=free)
    if not usable:
        with pytest.raises(PlanError):
            day_options(req, rules)
        return
    options, rejections = day_options(req, rules)
    assert [o.day for o in options] == usable
    assert [r.day for r in rejections] == rejected


def test_three_free_days_but_runs_on_five(book: Playbook) -> None:
    plan = build_plan(
        request(
            runs={"mon": "easy", "tue": "intervals", "thu": "tempo", "sat": "easy", "sun": "long"},
            free_days="wed,fri,sat",
        ),
        book,
    )
    assert {s.day for _, s in plan.sessions()} == {"fri"}
    reasons = {c.day: c.reason for c in plan.days}
    assert "day before your tempo run on Thursday" in reasons["wed"]
    assert "day before your long run on Sunday" in reasons["sat"]
    assert any("Only 1 session a week fit your free days" in note for note in plan.notes)


def test_race_in_ten_days(book: Playbook) -> None:
    race = TODAY + timedelta(days=10)
    plan = build_plan(request(phase=None, race_date=race, weeks=8), book)
    assert len(plan.weeks) == 2 and plan.weeks[-1].race_week
    assert all(week.phase == "taper" for week in plan.weeks)
    assert all(s.date <= race - timedelta(days=4) for _, s in plan.sessions())
    assert not plan.weeks[-1].sessions
    assert any("stops at your race week" in note for note in plan.notes)


def test_knee_injury_swaps_squats_for_knee_friendly_ones(book: Playbook) -> None:
    plan = build_plan(request(avoid="knee", equipment="dumbbells,bands"), book)
    used = {x.exercise_id for _, s in plan.sessions() for b in s.blocks for x in b.exercises}
    assert used
    for exercise_id in used:
        exercise = book.catalogue[exercise_id]
        assert not {"knee", "kneeling"} & set(exercise.avoid)
        if exercise.pattern in ("lunge", "squat", "step-up"):
            assert exercise.substitute_for == ("knee",)


def test_no_free_day_works_says_which_days_would(book: Playbook) -> None:
    with pytest.raises(PlanError) as caught:
        build_plan(request(free_days="wed,thu"), book)
    message = str(caught.value)
    assert "Wednesday is the day before your intervals run on Thursday" in message
    assert "Thursday has your intervals run" in message
    assert "add a free day that works: Monday, Tuesday or Friday" in message


def test_every_day_blocked_asks_to_ease_a_run(book: Playbook) -> None:
    runs = dict.fromkeys(("mon", "wed", "fri", "sun"), "tempo")
    with pytest.raises(PlanError, match="make one of your hard runs easy"):
        build_plan(request(runs=runs, free_days="tue,thu,sat"), book)


def test_too_short_sessions_say_how_long_to_make_them(book: Playbook) -> None:
    with pytest.raises(PlanError, match=r"20 minutes is too short.*at least \d+ minutes"):
        build_plan(request(minutes=20, free_days="fri"), book)


def test_a_race_with_no_room_before_it(book: Playbook) -> None:
    with pytest.raises(PlanError, match="no lifting session fits before your race"):
        build_plan(request(phase=None, race_date=TODAY + timedelta(days=2), free_days="fri"), book)


@pytest.mark.parametrize(
    ("days_to_race", "phases"),
    [
        (10, ["taper", "taper"]),
        (40, ["build", "build", "build", "build", "taper", "taper"]),
        (200, ["base"] * 8),
    ],
)
def test_phases_count_back_from_the_race(rules: RuleBook, days_to_race: int, phases: list) -> None:
    frames, reason, _ = frame_weeks(
        request(phase=None, race_date=TODAY + timedelta(days=days_to_race)), rules
    )
    assert [frame.phase for frame in frames] == phases
    assert f"({days_to_race} days away)" in reason


def test_a_midweek_start_makes_a_partial_first_week(book: Playbook) -> None:
    thursday = date(2026, 11, 26)
    plan = build_plan(request(today=thursday), book)
    assert plan.start_date == TODAY  # weeks run Monday to Sunday
    assert plan.weeks[0].partial
    assert [s.day for s in plan.weeks[0].sessions] == ["fri"]
    assert all(s.date >= thursday for _, s in plan.sessions())
