"""The training-log models: what a member types is read the same way everywhere, and a bad field
gets one PlanError that names it and says what to type."""

from __future__ import annotations

from datetime import date

import pytest

from planner.errors import PlanError
from planner.training_log import SessionLog, TrainingLog, session_key

BASE = {"member": "m1", "plan_id": "p1", "week": 1, "session": 1, "day": "mon",
        "date": date(2026, 11, 23), "status": "done"}  # fmt: skip


def parse(**fields: object) -> SessionLog:
    return SessionLog.parse(**{**BASE, **fields})


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"status": "meh"}, "status: unknown status 'meh': use one of done, partly, skipped"),
        ({"day": "someday"}, "day: unknown day 'someday'"),
        ({"week": 0}, "week: "),
        ({"exercises": [{"exercise_id": "squat", "rpe": 11}]},
         "exercise 1 RPE: 11 is not an RPE: give RPE 1-10 in halves"),
        ({"exercises": [{"exercise_id": "squat", "rpe": 7.3}]}, "exercise 1 RPE: 7.3 is not"),
        ({"exercises": [{"exercise_id": "squat", "rir": 12}]},
         "exercise 1 reps in reserve: 12 is not reps in reserve: give reps in reserve 0-9"),
        ({"exercises": [{"exercise_id": "squat", "load": 40}]},
         "load 40 needs a unit: add kg or lb"),
        ({"exercises": [{"exercise_id": "squat", "load": 40, "unit": "stone"}]},
         "exercise 1 unit: unknown unit 'stone': use kg or lb"),
        ({"exercises": [{"exercise_id": "squat", "rpe": 7, "rir": 1}]},
         "RPE 7 and 1 reps in reserve disagree"),
        ({"niggles": [{"area": "elbowz", "score": 3}]},
         "niggle 1 area: unknown area 'elbowz': use one of ankle, achilles"),
        ({"niggles": [{"area": "knee", "score": 11}]},
         "niggle 1 score: 11 is not a whole number from 0 to 10"),
        ({"next_run": "awful"}, "next run: 'awful' is not a feeling: use easier, normal or harder"),
        ({"note": "x" * 501}, "note: "),
    ],
    ids=["status", "day", "week", "rpe-range", "rpe-halves", "rir", "unit-missing", "unit-bad",
         "rpe-rir", "area", "niggle-score", "next-run", "note-length"],
)  # fmt: skip
def test_a_bad_field_is_named_with_what_to_type(fields: dict, expected: str) -> None:
    with pytest.raises(PlanError) as caught:
        parse(**fields)
    assert expected in str(caught.value)


def test_words_members_type_are_read_alike() -> None:
    entry = parse(
        status="Missed", day="Monday", next_run="heavy",
        exercises=[{"exercise_id": "Goblet Squat", "load": 45, "unit": "lbs", "rir": 2.5}],
        niggles=[{"area": "knees", "score": "3"}],
    )  # fmt: skip
    assert entry.status == "skipped" and entry.day == "mon"
    assert entry.run_feel == "harder" and entry.next_run == 4
    (lift,) = entry.exercises
    assert lift.exercise_id == "goblet-squat" and lift.unit == "lb" and lift.effort == 7.5
    assert lift.load_kg == pytest.approx(20.41, abs=0.01)
    assert entry.niggles[0].area == "knee" and entry.worst_niggle is entry.niggles[0]
    assert parse(next_run=1).run_feel == "easier" and parse(next_run="3").run_feel == "normal"


def test_one_entry_per_planned_session_and_the_latest_wins() -> None:
    first = parse(status="partly")
    again = parse(status="done")
    assert first.entry_id == again.entry_id == session_key("m1", "p1", 1, 1)
    other = parse(session=2, date=date(2026, 11, 25))
    log = TrainingLog.of("m1", [other, first, again])
    assert [(e.session, e.status) for e in log.entries] == [(1, "done"), (2, "done")]
    assert log.entry("p1", 1, 1) == again and log.for_plan("p2") == []
