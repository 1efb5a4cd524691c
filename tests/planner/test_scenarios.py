"""Plans a coach would sign: table-driven scenarios (bodyweight, bands, gym, injuries, race dates,
in-season, every-day runners), each checked the way a coach reads a plan, plus the audit."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from planner.audit import audit_plan
from planner.build import build_plan
from planner.explain import explain_plan
from planner.models import DAYS, Plan, PlanRequest, Prescription
from planner.playbook import Playbook
from planner.render_ics import render_ics
from planner.render_markdown import render_markdown
from tests.planner.conftest import TODAY

HARD = {"long", "tempo", "intervals", "hills", "race"}
WEEK = {"tue": "easy", "thu": "intervals", "sun": "long"}
Check = Callable[[Plan, Playbook], None]


def mains(plan: Plan) -> list[tuple[int, Prescription]]:
    return [
        (week.number, x)
        for week in plan.weeks
        for s in week.sessions
        for b in s.blocks
        if b.kind == "main"
        for x in b.exercises
    ]


def used(plan: Plan, book: Playbook) -> list[Any]:
    return [book.catalogue[x.exercise_id] for _, s in plan.sessions() for b in s.blocks
            for x in b.exercises]  # fmt: skip


# --- what a coach checks on every plan ------------------------------------------------------


def coach_basics(plan: Plan, book: Playbook) -> None:
    request = plan.request
    assert not [(i.rule_id, i.detail) for i in audit_plan(plan, book) if i.status == "fail"]
    for _, session in plan.sessions():
        assert session.minutes <= request.minutes
        index = DAYS.index(session.day)
        assert request.runs.get(session.day) not in HARD  # never on a hard-run day...
        assert request.runs.get(DAYS[(index + 1) % 7]) not in HARD  # ...or the day before
        if session.strides:  # strides on fresh legs only
            assert request.runs.get(DAYS[(index - 1) % 7]) not in HARD
    for _, x in mains(plan):
        exercise = book.catalogue[x.exercise_id]
        left = 10 - (x.rpe or 0)  # reps in reserve follow RPE
        want = (
            f"about {int(left)} rep" if left == int(left) else f"{int(left)}–{int(left) + 1} reps"
        )
        assert want in x.load, (x.rpe, x.load)
        if exercise.equipment in ("bodyweight", "bands"):  # no weight to pick
            assert "heavier" not in x.load and "weight" not in x.load.replace("No weight", "")
        assert x.load.count("Intent:") <= 1 and "fast and crisp. Intent" not in x.load
        if exercise.role != "main":  # an accessory in a main slot is always explained
            assert any("fills that main-lift slot" in note for note in plan.notes)
    text = render_markdown(plan)
    assert not re.search(r"≈\d+\.\d+ min", text)  # whole minutes for people
    assert not re.search(r"main \d+×[^·]*each side", text)  # week lines name no side
    ics = render_ics(plan).decode()
    assert not re.search(r"About \d+\.\d+ min", ics)


# --- scenario checks ------------------------------------------------------------------------


def only_kit(*kits: str) -> Check:
    def check(plan: Plan, book: Playbook) -> None:
        assert {e.equipment for e in used(plan, book)} <= set(kits)

    return check


def unloaded_progression(words: str) -> Check:
    def check(plan: Plan, book: Playbook) -> None:
        reps = {x.reps.split(" ")[0] for week, x in mains(plan) if not plan.weeks[week - 1].deload}
        assert reps <= {"6–8", "30–45"}, reps  # the guides' main-lift range, not endurance sets
        new_block = [x.load for week, x in mains(plan) if week == 5]
        # Each lift names the versions of its own kit (a band lift the band, a bodyweight one not).
        assert new_block and all("make it harder" in load for load in new_block), new_block
        assert any(words in load for load in new_block), new_block

    return check


def loaded_progression(plan: Plan, book: Playbook) -> None:
    week5 = [x for week, x in mains(plan) if week == 5]
    loaded = [x for x in week5 if book.catalogue[x.exercise_id].equipment in ("gym", "dumbbells")]
    assert loaded and all("2.5–5 % heavier" in x.load for x in loaded)
    assert all(book.catalogue[x.exercise_id].role == "main" for _, x in mains(plan))


def knee_friendly(plan: Plan, book: Playbook) -> None:
    everything = used(plan, book)
    assert not {"knee", "kneeling"} & {tag for e in everything for tag in e.avoid}
    for week in plan.weeks:
        lifts = [book.catalogue[x.exercise_id] for s in week.sessions for b in s.blocks
                 if b.kind == "main" for x in b.exercises]  # fmt: skip
        assert any(e.pattern == "squat" for e in lifts), week.number  # still a knee-dominant lift
    assert any(note.startswith("Because you avoid knee") for note in plan.notes)
    assert any("Cat-cow (kneeling)" in note for note in plan.notes)
    first = {s.label: [x.exercise_id for b in s.blocks if b.kind == "main" for x in b.exercises]
             for s in plan.weeks[0].sessions}  # fmt: skip
    assert len({tuple(v) for v in first.values()}) == len(first)  # not the same lift everywhere


def bridge_in_main_said(plan: Plan, book: Playbook) -> None:
    """No compound hinge fits: the bridge that fills the slot is named in the notes and --why."""
    light = {book.catalogue[x.exercise_id].name for _, x in mains(plan)
             if book.catalogue[x.exercise_id].role != "main"}  # fmt: skip
    assert light and all(book.catalogue[x.exercise_id].pattern == "bridge" for _, x in mains(plan)
                         if book.catalogue[x.exercise_id].role != "main")  # fmt: skip
    notes = [n for n in plan.notes if "fills that main-lift slot" in n]
    why = explain_plan(plan, book)
    for name in light:
        assert any(name in note and note in why for note in notes), name


def race_soon(plan: Plan, book: Playbook) -> None:
    race = plan.request.race_date
    assert race is not None
    for _, session in plan.sessions():
        assert session.date <= race - timedelta(days=4)
        accessories = next(b for b in session.blocks if b.kind == "accessory").exercises
        assert len(accessories) <= 2  # light maintenance, not a full new session
    notes = [n for w in plan.weeks for n in w.notes if "Race on" in n]
    assert notes and all(race.strftime("%a %d %b") in n for n in notes)


def race_build(plan: Plan, book: Playbook) -> None:
    phases = [w.phase for w in plan.weeks]
    assert phases[0] == "build" and phases[-1] == "taper" and plan.weeks[-1].race_week
    taper = [s for w in plan.weeks if w.phase == "taper" for s in w.sessions]
    assert all(len(s.blocks[2].exercises) <= 2 for s in taper)


def in_season(plan: Plan, book: Playbook) -> None:
    assert {w.phase for w in plan.weeks} == {"in-season"}
    assert all(x.sets <= 2 for _, x in mains(plan))
    loaded = [x for _, x in mains(plan) if book.catalogue[x.exercise_id].equipment == "dumbbells"]
    assert loaded and all(x.reps.startswith("4–6") for x in loaded)
    assert any("Intent: lift each rep fast and crisp." in x.load for x in loaded)


def every_day_runner(plan: Plan, book: Playbook) -> None:
    shared = [s for _, s in plan.sessions()]
    assert shared and all(s.placement.kind == "same-day" for s in shared)
    assert all(s.placement.min_hours_apart == 6 for s in shared)
    assert all(s.placement.order == "lift-first" for s in shared)  # base: lifting is the priority
    assert len(plan.weeks[1].sessions) == 2


# fmt: off
SCENARIOS: list[tuple[str, dict[str, Any], list[Check]]] = [
    ("bodyweight only", {"equipment": "none"},
     [only_kit("bodyweight"), unloaded_progression("harder variation")]),
    ("bands", {"equipment": "bands"},
     [only_kit("bodyweight", "bands"), unloaded_progression("stronger band")]),
    ("gym", {"equipment": "gym", "experience": "experienced"}, [loaded_progression]),
    ("dumbbells, new lifter", {"equipment": "dumbbells", "experience": "new"},
     [only_kit("bodyweight", "dumbbells")]),
    ("knee injury", {"equipment": "none", "avoid": "knee,lunges"}, [knee_friendly]),
    ("knee injury with bands", {"equipment": "bands", "avoid": "knee,kneeling"}, [knee_friendly]),
    ("lower back", {"equipment": "gym", "avoid": "lower-back,spinal-load"}, []),
    ("ankle, bodyweight", {"equipment": "none", "avoid": "ankle"}, [bridge_in_main_said]),
    ("race in 10 days", {"phase": None, "race_date": TODAY + timedelta(days=10)}, [race_soon]),
    ("race in 12 weeks", {"phase": None, "race_date": TODAY + timedelta(weeks=11, days=6),
                          "weeks": 16}, [race_build]),
    ("in season", {"phase": "in-season", "equipment": "dumbbells"}, [in_season]),
    ("every-day runner",
     {"runs": {d: "easy" for d in DAYS} | {"thu": "tempo", "sun": "long"},
      "free_days": "mon,wed,fri"}, [every_day_runner]),
    ("short sessions", {"minutes": 30, "equipment": "dumbbells"}, []),
]
# fmt: on


@pytest.mark.parametrize(
    ("overrides", "checks"), [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS]
)
def test_a_coach_would_sign_this_plan(
    book: Playbook, overrides: dict[str, Any], checks: list[Check]
) -> None:
    fields = {"runs": WEEK, "free_days": "mon,wed,fri", "phase": "base", "weeks": 8,
              "today": TODAY, "owner": "runner", **overrides}  # fmt: skip
    plan = build_plan(PlanRequest.parse(**fields), book)
    coach_basics(plan, book)
    for check in checks:
        check(plan, book)
