"""The week-at-a-glance PNG: rendered for real, then checked by its size, its colours and the
data it was drawn from (the days, runs and sessions it must show)."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image

from planner.build import build_plan
from planner.models import PlanRequest
from planner.playbook import Playbook
from planner.week_picture import (
    HEIGHT_PX,
    LIFT_COLOUR,
    OKABE_ITO,
    WIDTH_PX,
    render_week_png,
    week_picture,
)
from tests.planner.conftest import BASE_REQUEST, TODAY


def plan_for(book: Playbook, **overrides):  # type: ignore[no-untyped-def]
    return build_plan(PlanRequest.parse(**{**BASE_REQUEST, **overrides}), book)


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def test_the_picture_shows_seven_days_runs_and_sessions(book: Playbook) -> None:
    plan = plan_for(book)
    picture = week_picture(plan)
    assert [row.day for row in picture.days] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    texts = {row.day: [chip.text for chip in row.chips] for row in picture.days}
    assert texts["tue"] == ["Easy run"] and texts["thu"] == ["Intervals run"]
    assert texts["sun"] == ["Long run"] and texts["sat"] == [] and texts["wed"] == []
    assert texts["mon"] == ["Strength A: Posterior chain"]
    assert texts["fri"] == ["Strength B: Hip stabilisers and core"]
    lift = next(chip for chip in picture.days[0].chips if chip.kind == "lift")
    assert "Banded Romanian deadlift" in lift.detail and "." not in lift.detail.split(" min")[0]
    assert [(w.number, w.phase, w.deload, w.retest) for w in picture.weeks][3:5] == [
        (4, "base", True, False),
        (5, "base", False, True),
    ]


def test_same_day_sessions_show_order_and_spacing(book: Playbook) -> None:
    plan = plan_for(book, runs={"mon": "easy", "sat": "long"}, free_days="mon,wed")
    row = week_picture(plan).days[0]
    assert [chip.kind for chip in row.chips] == ["lift", "run"]  # base: lift first
    assert row.chips[0].detail.startswith("lift first, ≥6 h apart")
    season = week_picture(plan_for(book, runs={"mon": "easy", "thu": "long"}, free_days="mon",
                                   phase="in-season")).days[0]  # fmt: skip
    assert [chip.kind for chip in season.chips] == ["run", "lift"]


def test_race_plans_mark_the_race_week(book: Playbook) -> None:
    plan = plan_for(book, phase=None, race_date=TODAY + timedelta(weeks=5, days=3))
    weeks = week_picture(plan).weeks
    assert weeks[-1].race_week and weeks[-1].phase == "taper"
    assert {w.phase for w in weeks} == {"build", "taper"}


def test_the_png_is_phone_sized_and_drawn_in_the_safe_palette(book: Playbook) -> None:
    data = render_week_png(plan_for(book))
    assert data.startswith(b"\x89PNG")
    image = Image.open(io.BytesIO(data)).convert("RGB")
    assert image.size == (WIDTH_PX, HEIGHT_PX)
    colours = {colour for _, colour in image.getcolors(maxcolors=WIDTH_PX * HEIGHT_PX)}
    # The lifting sessions, the runs (easy, intervals, long) and the base phase strip are drawn.
    for name in (LIFT_COLOUR, "sky", "vermillion", "blue"):
        assert rgb(OKABE_ITO[name]) in colours, name
    # The Monday row (second seventh of the height, right half) holds the lift colour.
    mon = image.crop((WIDTH_PX // 2, 160, WIDTH_PX - 100, 240))
    assert rgb(OKABE_ITO[LIFT_COLOUR]) in {c for _, c in mon.getcolors(maxcolors=100_000)}
