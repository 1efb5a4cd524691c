"""Progress at a glance: the data the picture is drawn from, the PNG itself, and the flags a
coaches' summary reads."""

from __future__ import annotations

import io
from datetime import timedelta

import matplotlib.image

from planner.adapt import member_flags
from planner.build import build_plan
from planner.models import Plan, PlanRequest
from planner.playbook import Playbook
from planner.progress import progress_data
from planner.progress_picture import HEIGHT_PX, WIDTH_PX, render_progress_png
from tests.planner.conftest import TODAY
from tests.planner.logs import log_of, log_session, main_lifts, session_at
from tests.planner.test_adapt import DUMBBELLS


def plan_for(book: Playbook, **overrides: object) -> Plan:
    return build_plan(PlanRequest.parse(**{**DUMBBELLS, **overrides}), book)


def test_progress_shows_loads_effort_niggles_and_tests_by_week(book: Playbook) -> None:
    plan = plan_for(book)
    sessions = plan.sessions()
    entries = [
        log_session(plan, w, s, off_target=-1.0, load=20 + 2.5 * i,
                    niggles=[{"area": "knee", "score": 4}] if i == 2 else [])
        for i, (w, s) in enumerate(sessions[:5])
    ]  # fmt: skip
    entries.append(log_session(plan, *sessions[5], status="skipped"))
    today = sessions[6][1].date
    data = progress_data(plan, log_of(*entries), today)
    assert [w.plan_week for w in data.weeks] == [w.number for w in plan.weeks]
    assert [w.deload for w in data.weeks] == [w.deload for w in plan.weeks]
    assert (data.done, data.partly, data.skipped, data.planned) == (5, 0, 1, 7)
    lifts = {x.exercise_id for _, s in sessions[:5] for x in main_lifts(s)}
    assert set(data.lifts) == lifts
    first = [p for p in data.points if p.date == sessions[0][1].date]
    assert {p.load_kg for p in first} == {20.0}
    assert all(p.effort == p.target - 1.0 for p in data.points if p.target)  # type: ignore[operator]
    assert [(n.area, n.score) for n in data.niggles] == [("knee", 4)]
    tested = [s.date for _, s in sessions[:5] if s.tests]
    assert tested and {r.date for r in data.retests} == set(tested)
    week_one = data.efforts[0]
    assert week_one.week_start == plan.weeks[0].start and week_one.effort == week_one.target - 1  # type: ignore[operator]
    # Nothing after today is shown.
    later = progress_data(plan, log_of(*entries), sessions[0][1].date)
    assert later.done == 1


def test_versions_become_levels_in_the_order_they_were_used(book: Playbook) -> None:
    plan = plan_for(book, equipment=("bands",))
    versions = ["green band", "green band", "blue band", "blue band", "green band"]
    entries = [
        log_session(plan, w, s, load=None, version=v)
        for (w, s), v in zip(plan.sessions(), versions, strict=False)
    ]
    data = progress_data(plan, log_of(*entries), entries[-1].date)
    levels = {p.version: p.level for p in data.points}
    assert levels == {"green band": 1, "blue band": 2}


def test_a_season_of_plans_is_one_picture(book: Playbook) -> None:
    first = plan_for(book, weeks=4)
    second = plan_for(book, weeks=4, start=TODAY + timedelta(weeks=4), today=TODAY)
    entries = [log_session(first, w, s) for w, s in first.sessions()]
    entries += [log_session(second, w, s) for w, s in second.sessions()]
    data = progress_data([second, first], log_of(*entries), TODAY + timedelta(weeks=9))
    assert len(data.weeks) == 8 and data.weeks[0].start == first.weeks[0].start
    assert data.done == len(entries)


def test_the_picture_is_a_png_of_the_stated_size(book: Playbook) -> None:
    plan = plan_for(book)
    entries = [log_session(plan, w, s, off_target=0.5) for w, s in plan.sessions()[:6]]
    png = render_progress_png(progress_data(plan, log_of(*entries), entries[-1].date))
    image = matplotlib.image.imread(io.BytesIO(png), format="png")
    assert image.shape[:2] == (HEIGHT_PX, WIDTH_PX)
    empty = render_progress_png(progress_data(plan, log_of(), TODAY))
    assert empty.startswith(b"\x89PNG") and empty != png


def test_member_flags_for_the_coaches_summary(book: Playbook) -> None:
    plan = plan_for(book)
    a1, b1, a2 = session_at(plan, 1, "A"), session_at(plan, 1, "B"), session_at(plan, 2, "A")
    tired = [log_session(plan, *a1, next_run="harder"),
             log_session(plan, *b1, off_target=0.5, next_run="harder",
                         niggles=[{"area": "calf", "score": 4}]),
             log_session(plan, *a2, off_target=1.5, next_run="harder")]  # fmt: skip
    today = a2[1].date
    flags = member_flags(log_of(*tired), today, book, plan)
    assert flags.fatigue and not flags.red_flag
    assert flags.logged_this_week == 2 and flags.last_logged == today
    assert [(n.area, n.score) for n in flags.niggles] == [("calf", 4)]
    calm = member_flags(log_of(log_session(plan, *a1)), a1[1].date + timedelta(days=9), book, plan)
    assert not calm.fatigue and calm.logged_this_week == 0 and not calm.niggles
