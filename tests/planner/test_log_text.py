"""The compact training-log format (planner/log_text.py): what members type, table by table."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from planner.api import Planner, make_request
from planner.errors import PlanError
from planner.log_text import (
    due_session,
    format_entry,
    lifts_template,
    make_entry,
    parse_lifts,
    parse_niggles,
    parse_session_ref,
    session_choices,
)
from planner.models import Plan, Session
from planner.training_log import TrainingLog

TODAY = date(2026, 11, 23)  # a Monday


@pytest.fixture(scope="module")
def gym_plan(planner: Planner) -> Plan:
    request = make_request(
        runs={"tue": "easy", "thu": "intervals", "sun": "long"}, free_days=("mon", "fri"),
        equipment=("gym",), phase="base", weeks=8, today=TODAY, owner="ana",
    )  # fmt: skip
    return planner.plan(request)


@pytest.fixture(scope="module")
def session(gym_plan: Plan) -> Session:
    _, first = gym_plan.sessions()[0]
    mains = [x.exercise_id for b in first.blocks if b.kind == "main" for x in b.exercises]
    # The table below names this session's lifts: fail loudly if the planner's choice moves.
    assert mains == ["trap-bar-deadlift", "leg-press"], mains
    return first


LIFTS = [
    ("trap-bar deadlift 60kg 3x8 @7",
     [("trap-bar-deadlift", 60.0, "kg", None, 3, 8, 7.0, None)]),
    ("Trap bar deadlift 60 kg 3 x 8 rpe 7.5",
     [("trap-bar-deadlift", 60.0, "kg", None, 3, 8, 7.5, None)]),
    ("leg press 135lbs 3×6 rir 3",
     [("leg-press", 135.0, "lb", None, 3, 6, None, 3.0)]),
    ("deadlift 60,5kg 3x8 2rir; leg press 100kg",
     [("trap-bar-deadlift", 60.5, "kg", None, 3, 8, None, 2.0),
      ("leg-press", 100.0, "kg", None, None, None, None, None)]),
    ("leg press slow lowering 3x8 @6\ntrap-bar deadlift 50kg",
     [("leg-press", None, None, "slow lowering", 3, 8, 6.0, None),
      ("trap-bar-deadlift", 50.0, "kg", None, None, None, None, None)]),
    ("calf raise 2x12 @7", [("machine-calf-raise", None, None, None, 2, 12, 7.0, None)]),
    ("leg press bw 3x10", [("leg-press", None, None, "bodyweight", 3, 10, None, None)]),
    ("none", []),
    ("", []),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), LIFTS, ids=[t or "empty" for t, _ in LIFTS])
def test_lifts_are_read(session: Session, text: str, expected: list[tuple]) -> None:
    got = [
        (x.exercise_id, x.load, x.unit, x.version, x.sets, x.reps, x.rpe, x.rir)
        for x in parse_lifts(text, session)
    ]
    assert got == expected


BAD_LIFTS = [
    ("leg press 40", "I couldn't read “40”"),
    ("squat 40kg 3x8", "no exercise “squat” in this session. Its main lifts: Trap-bar deadlift"),
    ("leg press 100kg 3x8 @11", "RPE: 11 is not an RPE"),
    ("leg press 100kg 3x8 @7 rir 2", "disagree"),
    ("leg press 100kg 120kg", "more than one load"),
    ("leg press 100kg; leg press 110kg", "logged twice"),
    ("60kg 3x8", "names no exercise"),
    ("leg press 900kg", "is not a weight"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), BAD_LIFTS, ids=[t for t, _ in BAD_LIFTS])
def test_bad_lifts_say_what_to_write(session: Session, text: str, message: str) -> None:
    with pytest.raises(PlanError) as caught:
        parse_lifts(text, session)
    assert message in str(caught.value)


NIGGLES = [
    ("knee 3", [("knee", 3)]),
    ("left knee 3/10, achilles: 2", [("knee", 3), ("achilles", 2)]),
    ("Lower back 4; shins 1", [("lower-back", 4), ("shin", 1)]),
    ("none", []),
]


@pytest.mark.parametrize(("text", "expected"), NIGGLES, ids=[t for t, _ in NIGGLES])
def test_niggles_are_read(text: str, expected: list[tuple[str, int]]) -> None:
    assert [(n.area, n.score) for n in parse_niggles(text)] == expected


BAD_NIGGLES = [
    ("knee", "write where and a score from 0 to 10"),
    ("knee 11", "11 is not a whole number from 0 to 10"),
    ("toe 3", "“toe” is not a body area I know"),
    ("knee 3, left knee 4", "knee is given twice"),
]


@pytest.mark.parametrize(("text", "message"), BAD_NIGGLES, ids=[t for t, _ in BAD_NIGGLES])
def test_bad_niggles_say_what_to_write(text: str, message: str) -> None:
    with pytest.raises(PlanError) as caught:
        parse_niggles(text)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"), [("3:1", (3, 1)), ("w3s2", (3, 2)), ("week 12 session 1", (12, 1))]
)
def test_session_references(text: str, expected: tuple[int, int]) -> None:
    assert parse_session_ref(text) == expected


def test_a_session_reference_that_is_not_one_says_how_to_write_it() -> None:
    with pytest.raises(PlanError, match=r"write week:session, e\.g\. 3:1"):
        parse_session_ref("monday")


def test_an_entry_is_dated_the_planned_day_or_today_when_logged_early(gym_plan: Plan) -> None:
    _, first = gym_plan.sessions()[0]
    late = make_entry(member="ana", plan=gym_plan, week=1, session=1,
                      today=first.date + timedelta(days=3), lifts="leg press 100kg 3x8 @7",
                      niggles="knee 3", next_run="harder", note="tired")  # fmt: skip
    assert late.date == first.date and late.day == first.day and late.status == "done"
    assert format_entry(late, {"leg-press": "Leg press"}) == (
        "done · leg press 100kg 3x8 @7 · niggles knee 3 · next run harder · “tired”"
    )
    early = make_entry(member="ana", plan=gym_plan, week=1, session=1,
                       today=first.date - timedelta(days=1), status="skipped")  # fmt: skip
    assert early.date == first.date - timedelta(days=1) and early.status == "skipped"
    with pytest.raises(PlanError, match="no session 3 in week 1"):
        make_entry(member="ana", plan=gym_plan, week=1, session=3, today=TODAY)
    with pytest.raises(PlanError, match="status"):
        make_entry(member="ana", plan=gym_plan, week=1, session=1, today=TODAY, status="meh")


def test_the_form_starts_from_the_planned_lifts_and_the_last_load(
    gym_plan: Plan, session: Session
) -> None:
    assert lifts_template(session) == "trap-bar deadlift 3x6 @6.5; leg press 3x6 @6.5"
    entry = make_entry(member="ana", plan=gym_plan, week=1, session=1, today=TODAY,
                       lifts="leg press 100kg 3x8 @7")  # fmt: skip
    log = TrainingLog.of("ana", [entry])
    assert lifts_template(session, log) == "trap-bar deadlift 3x6 @6.5; leg press 100kg 3x6 @6.5"
    # The template reads back as the same lifts.
    assert [x.exercise_id for x in parse_lifts(lifts_template(session, log), session)] == [
        "trap-bar-deadlift",
        "leg-press",
    ]


def test_the_due_session_is_the_latest_past_one_not_logged(gym_plan: Plan) -> None:
    dates = {(w.number, s.number): s.date for w, s in gym_plan.sessions()}
    empty = TrainingLog(member="ana")
    assert due_session(gym_plan, empty, dates[(1, 1)] - timedelta(days=1)) == (1, 1)
    assert due_session(gym_plan, empty, dates[(2, 1)]) == (2, 1)
    logged = TrainingLog.of(
        "ana", [make_entry(member="ana", plan=gym_plan, week=2, session=1, today=dates[(2, 1)])]
    )
    assert due_session(gym_plan, logged, dates[(2, 1)]) == (1, 2)
    choices = session_choices(gym_plan, logged, dates[(2, 1)])
    assert choices[0][1] == "1:2"
    assert any(label.endswith("✓") and value == "2:1" for label, value in choices)
    assert session_choices(gym_plan, logged, dates[(2, 1)], "fri")[0][0].startswith("Week 1 · Fri")
