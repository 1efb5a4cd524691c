"""Swap keeps the plan's rules; explain gives the why of days, exercises and loads, with sources."""

from __future__ import annotations

import re

import pytest

from planner.api import Planner
from planner.audit import audit_plan
from planner.errors import PlanError
from planner.explain import explain_exercise, explain_plan
from planner.models import Plan, PlanRequest
from planner.playbook import Playbook
from planner.swap import swap_candidates, swap_exercise
from tests.planner.conftest import BASE_REQUEST, make_plan


def used(plan: Plan, week: int | None = None) -> list[str]:
    return [
        x.exercise_id
        for w, s in plan.sessions()
        if week is None or w.number == week
        for b in s.blocks
        for x in b.exercises
    ]


@pytest.mark.parametrize(
    ("overrides", "exercise_id"),
    [
        ({}, "banded-squat"),
        ({}, "single-leg-calf-raise"),
        ({}, "half-kneeling-band-chop"),
        ({"equipment": "gym", "experience": "experienced"}, "back-squat"),
        ({"equipment": "dumbbells", "avoid": "knee"}, "db-romanian-deadlift"),
    ],
)
def test_swap_picks_the_nearest_exercise_that_keeps_the_rules(
    book: Playbook, overrides: dict, exercise_id: str
) -> None:
    plan = make_plan(book, **overrides)
    old = book.catalogue[exercise_id]
    swapped = swap_exercise(plan, book, exercise_id)
    assert exercise_id not in used(swapped)
    new_id = swapped.swaps[-1].new_id
    new = book.catalogue[new_id]
    assert (new.region, new.direction) == (old.region, old.direction)
    assert new.pattern == old.pattern or new.role == old.role
    assert not [i for i in audit_plan(swapped, book) if i.status == "fail"]
    assert used(swapped).count(new_id) >= used(plan).count(exercise_id)
    assert exercise_id in used(plan)  # the original plan is untouched


def test_swap_in_one_week_only(book: Playbook) -> None:
    plan = make_plan(book)
    swapped = swap_exercise(plan, book, "banded-squat", week=2)
    assert "banded-squat" not in used(swapped, 2)
    assert "banded-squat" in used(swapped, 1) and "banded-squat" in used(swapped, 3)
    assert swapped.swaps[-1].week == 2


def test_swap_of_a_main_lift_keeps_its_loading(book: Playbook) -> None:
    plan = make_plan(book)
    swapped = swap_exercise(plan, book, "banded-squat")
    before = plan.weeks[0].sessions[0].blocks[1].exercises[1]
    after = swapped.weeks[0].sessions[0].blocks[1].exercises[1]
    assert (after.sets, after.reps, after.tempo, after.rpe) == (
        before.sets,
        before.reps,
        before.tempo,
        before.rpe,
    )


def test_swap_respects_equipment_and_injuries(book: Playbook) -> None:
    plan = make_plan(book, equipment="none", avoid="knee,lunges")
    for candidate in swap_candidates(
        plan, book, plan.weeks[0].sessions[0].blocks[1].exercises[0].exercise_id
    ):
        assert candidate.equipment == "bodyweight"
        assert not {"knee", "lunges"} & set(candidate.avoid)


def test_swapping_an_exercise_that_is_not_there_lists_the_real_ones(book: Playbook) -> None:
    plan = make_plan(book)
    with pytest.raises(PlanError, match="'back-squat' is not in this plan; exercises you can swap"):
        swap_exercise(plan, book, "back-squat")
    with pytest.raises(PlanError, match="is not in week 20 of this plan"):
        swap_exercise(plan, book, "banded-squat", week=20)


def test_swap_with_no_alternative_says_so(book: Playbook) -> None:
    plan = make_plan(book, equipment="none", avoid="ankle")
    assert used(plan).count("tibialis-raise") and not swap_candidates(plan, book, "tibialis-raise")
    with pytest.raises(PlanError, match="no other exercise can replace Wall tibialis raise"):
        swap_exercise(plan, book, "tibialis-raise")


def citations_resolve(plan: Plan, text: str) -> None:
    body, _, sources = text.partition("**Sources**")
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", body)}
    listed = {int(n) for n in re.findall(r"^\[(\d+)\]", sources, re.M)}
    assert cited and cited == listed
    assert cited <= {ref.n for ref in plan.sources}


def test_explain_plan_gives_phase_days_and_frequency(book: Playbook) -> None:
    plan = make_plan(book)
    text = explain_plan(plan, book)
    assert "Phase: base for every week (you chose it)." in text
    assert "Wednesday is the day before your intervals run on Thursday" in text
    assert "Monday: lifting day" in text and "Friday: lifting day" in text
    assert "**2 sessions a week**" in text
    assert "Lighter deload weeks: 4, 8" in text and "Baseline tests in weeks 1, 5" in text
    citations_resolve(plan, text)


def test_explain_exercise_gives_why_it_its_day_and_its_load(book: Playbook) -> None:
    plan = make_plan(book)
    text = explain_exercise(plan, book, "banded-squat")
    assert text.startswith("**Why Banded squat**")
    assert "knee-dominant lift" in text
    assert "**Why Monday** (session A): Rest day from running" in text
    assert "**Why this load (week 1, base):** 3 × 6–8, tempo 3-1-X, rest 90 s. RPE 6.5" in text
    assert "No weight to pick" in text and "% heavier" not in text
    assert "week 4: 2 × 6–8 at RPE 5.5 (deload)" in text
    assert "**Swap options:**" in text
    citations_resolve(plan, text)


@pytest.mark.parametrize(
    ("exercise_id", "expected"),
    [
        ("band-pull-apart", "fills the warm-up slot: Open with a short full-body warm-up"),
        ("breathing-90-90", "fills the cool-down slot: Finish with mobility"),
        ("single-leg-calf-raise", "fills the calf raise slot: Calf raises in every session"),
    ],
)
def test_explain_names_the_rule_behind_each_slot(
    book: Playbook, exercise_id: str, expected: str
) -> None:
    assert expected in explain_exercise(make_plan(book), book, exercise_id)


def test_explain_unknown_exercise(book: Playbook) -> None:
    with pytest.raises(PlanError, match="'moon-walk' is not in this plan"):
        explain_exercise(make_plan(book), book, "moon-walk")


def test_service_round_trip_on_the_real_articles(planner: Planner) -> None:
    request = PlanRequest.parse(**BASE_REQUEST)
    plan = planner.plan(request)
    assert all(item.status != "fail" for item in planner.audit(plan))
    assert {ref.source for ref in plan.sources} >= {"strength-frequency-and-scheduling.md"}
    swapped = planner.swap(plan, " banded-squat ")
    assert "Why" in planner.explain(swapped, "box-squat")
    assert planner.explain(swapped).startswith("**Why this plan**")
