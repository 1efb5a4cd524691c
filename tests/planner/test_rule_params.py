"""Every parameter in rules.yaml drives the plan: editing it changes the plan, and the plan
built from the edited rules still passes the audit of the edited rules (one case per parameter).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from planner.audit import audit_plan
from planner.book import make_playbook
from planner.build import build_plan
from planner.data_files import read_data
from planner.errors import PlanError
from planner.models import PlanRequest
from planner.rules import load_rules
from planner.swap import swap_exercise
from tests.planner.conftest import BASE_REQUEST, TODAY, chunks_for

RAW = read_data("rules.yaml")
OPEN_WEEK = {"runs": {}, "free_days": ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
SAME_DAY = {"runs": {"mon": "easy", "thu": "long"}, "free_days": ("mon",)}
LOADED = {"equipment": ("dumbbells",)}
TIGHT = {"minutes": 30, "experience": "experienced"}
RACE = {"phase": None, "race_date": TODAY + timedelta(weeks=9, days=3), "weeks": 12}
KNEE = {"avoid": ("knee",), "equipment": ("none",)}
ANKLE = {"avoid": ("ankle",), "equipment": ("none",)}
FRESH = {"runs": {"tue": "easy", "sat": "long"}}
# Holds in the circuit only come with a swap (heel walks for wall tibialis raises).
SWAP = "then swap"


def set_param(path: str, value: Any) -> Callable[[dict], None]:
    """An edit of `params.<path>` (dots for nested keys) of one rule."""

    def edit(params: dict) -> None:
        *parents, last = path.split(".")
        node = params
        for key in parents:
            node = node[key]
        node[last] = value

    return edit


# (rule id, parameter, edit, request overrides)
CASES: list[tuple[str, str, Callable[[dict], None], dict]] = [
    ("frequency", "min_per_week", set_param("min_per_week", 3), OPEN_WEEK),
    ("frequency", "max_per_week", set_param("max_per_week", 1), {}),
    ("non-consecutive", "min_days_between", set_param("min_days_between", 2),
     {**OPEN_WEEK, "experience": "experienced"}),
    ("separate-days", "min_hours_apart", set_param("min_hours_apart", 8), SAME_DAY),
    ("separate-days", "same_day_runs", set_param("same_day_runs", ["recovery"]),
     {"runs": {"mon": "easy"}, "free_days": ("mon", "thu")}),
    ("priority-first", "lift_first", set_param("lift_first", []), SAME_DAY),
    ("priority-first", "run_first", set_param("run_first", ["in-season", "taper"]),
     {**SAME_DAY, "phase": "build"}),
    ("hard-run-recovery", "hard_runs", set_param("hard_runs", ["long", "race"]), {}),
    ("hard-run-recovery", "days_before", set_param("days_before", 2), {}),
    ("hard-run-recovery", "prefer_gap_after", set_param("prefer_gap_after", False),
     {"runs": {"sun": "long"}, "free_days": ("mon", "tue", "thu")}),
    ("full-body", "groups", set_param("groups.chest", ["chest"]), {}),
    ("session-order", "order",
     set_param("order", ["warm-up", "main", "core", "accessory", "cool-down"]), {}),
    ("warm-up", "minutes", set_param("minutes", 8), {}),
    ("warm-up", "max_items", set_param("max_items", 2), {}),
    ("warm-up", "sets", set_param("sets", 1), {}),
    ("warm-up", "reps", set_param("reps", "10–12"), {}),
    ("warm-up", "hold", set_param("hold", "30 s"), {"equipment": ("none",)}),
    ("compound-first", "patterns",
     set_param("patterns", ["squat", "lunge", "step-up", "hinge", "carry"]), ANKLE),
    ("compound-first", "min_main", set_param("min_main", 2),
     {"minutes": 30, "equipment": ("none",)}),
    ("compound-first", "max_main", set_param("max_main", 1), {}),
    ("trim-accessories-first", "order",
     set_param("order", ["core rounds", "accessory rounds", "strides"]), TIGHT),
    ("accessory-circuit", "reps", set_param("reps", "12–15"), {}),
    ("accessory-circuit", "hold", set_param("hold", "40 s"),
     {"equipment": ("none",), SWAP: "tibialis-raise"}),
    ("accessory-circuit", "min_rounds", set_param("min_rounds", 3), {}),
    ("accessory-circuit", "max_rounds", set_param("max_rounds", 1), {}),
    ("accessory-circuit", "round_rest_s", set_param("round_rest_s", 30), {}),
    ("core-every-session", "reps", set_param("reps", "8–10"), {}),
    ("core-every-session", "hold", set_param("hold", "30–40 s"), {}),
    ("core-every-session", "carry", set_param("carry", "40 s"), LOADED),
    ("core-every-session", "round_rest_s", set_param("round_rest_s", 30), {}),
    ("anti-rotation", "min_per_week", set_param("min_per_week", 2), {}),
    ("anti-rotation", "patterns", set_param("patterns", ["anti-extension"]), {}),
    ("cool-down", "minutes", set_param("minutes", 6), {}),
    ("cool-down", "max_items", set_param("max_items", 2), {}),
    ("cool-down", "hold", set_param("hold", "45–60 s"), {}),
    ("cool-down", "reps", set_param("reps", "8–10 slow"), {}),
    ("cool-down", "breathing", set_param("breathing", "2 min"), {}),
    ("push-pull", "min_pull_per_push", set_param("min_pull_per_push", 2.0), {}),
    ("upper-lower", "min_lower_main", set_param("min_lower_main", 7), {}),
    ("upper-lower", "min_upper_push", set_param("min_upper_push", 3), {}),
    ("upper-lower", "min_upper_pull", set_param("min_upper_pull", 4), {}),
    ("single-leg", "min_per_week", set_param("min_per_week", 5), {}),
    ("single-leg", "patterns", set_param("patterns", ["step-up"]), {"equipment": ("none",)}),
    ("lateral-hip", "min_per_week", set_param("min_per_week", 3), {}),
    ("lateral-hip", "patterns", set_param("patterns", ["hip-adduction"]),
     {"experience": "experienced"}),
    ("calves", "per_session", set_param("per_session", 2), {}),
    ("calves", "patterns", set_param("patterns", ["tib-raise"]), {}),
    ("tibialis", "min_per_week", set_param("min_per_week", 3), {}),
    ("tibialis", "patterns", set_param("patterns", ["knee-flexion"]), {}),
    ("tempo", "main", set_param("main", "2-0-X"), {}),
    ("tempo", "meaning", set_param("meaning", "2 s lowering, no pause, lift fast"), {}),
    ("rpe-loads", "min_rpe", set_param("min_rpe", 6), {}),
    ("rpe-loads", "max_rpe", set_param("max_rpe", 7), {}),
    ("phase-base", "sessions_per_week", set_param("sessions_per_week.some", 3), OPEN_WEEK),
    ("phase-base", "main", set_param("main.sets.some", 4), {}),
    ("phase-base", "late", set_param("late.after_weeks", 2), LOADED),
    ("phase-base", "accessory_rounds", set_param("accessory_rounds.some", 3), {}),
    ("phase-base", "core_rounds", set_param("core_rounds", 1), {}),
    ("phase-build", "weeks_before_race", set_param("weeks_before_race", 6), RACE),
    ("phase-build", "sessions_per_week", set_param("sessions_per_week.some", 1), RACE),
    ("phase-build", "main", set_param("main.rest_s", 120), RACE),
    ("phase-build", "accessory_rounds", set_param("accessory_rounds.some", 3), RACE),
    ("phase-build", "core_rounds", set_param("core_rounds", 1), RACE),
    ("phase-in-season", "sessions_per_week", set_param("sessions_per_week.some", 1),
     {"phase": "in-season"}),
    ("phase-in-season", "main", set_param("main.intent", "move fast"), {"phase": "in-season"}),
    ("phase-in-season", "accessory_rounds", set_param("accessory_rounds.some", 2),
     {"phase": "in-season"}),
    ("phase-in-season", "core_rounds", set_param("core_rounds", 2), {"phase": "in-season"}),
    ("phase-taper", "weeks_before_race", set_param("weeks_before_race", 3), RACE),
    ("phase-taper", "last_session_days_before_race", set_param("last_session_days_before_race", 6),
     RACE),
    ("phase-taper", "sessions_per_week", set_param("sessions_per_week.some", 2), RACE),
    ("phase-taper", "main", set_param("main.sets.some", 1), RACE),
    ("phase-taper", "accessory_rounds", set_param("accessory_rounds.some", 2), RACE),
    ("phase-taper", "core_rounds", set_param("core_rounds", 2), RACE),
    ("phase-taper", "max_accessories", set_param("max_accessories", 1), RACE),
    ("progression", "phases", set_param("phases", ["build"]), {}),
    ("progression", "rpe_steps", set_param("rpe_steps", [-1.0, 0.0, 1.0]), {}),
    ("progression", "max_difficulty", set_param("max_difficulty.some", 1), {}),
    ("progression", "load_step", set_param("load_step", "5 %"), LOADED),
    ("progression", "unloaded_reps", set_param("unloaded_reps.base", "12–20"), {}),
    ("progression", "unloaded_hold", set_param("unloaded_hold", "45–60 s"), KNEE),
    ("progression", "harder", set_param("harder.bands", "a stronger band"), {}),
    ("deload", "every_weeks", set_param("every_weeks", 3), {}),
    ("deload", "sets_factor", set_param("sets_factor", 0.3), {}),
    ("deload", "rounds", set_param("rounds", 2), {}),
    ("deload", "rpe_drop", set_param("rpe_drop", 2.0), {}),
    ("deload", "phases", set_param("phases", ["build"]), {}),
    ("retest", "every_weeks", set_param("every_weeks", 6), {}),
    ("retest", "skip_phases", set_param("skip_phases", []), RACE),
    ("retest", "tests", lambda params: params["tests"].pop(), {}),
    ("training-log", "fields", lambda params: params["fields"].append("sleep"), {}),
    ("strides", "what", set_param("what", "6 × 20 s relaxed strides"), FRESH),
    ("strides", "minutes", set_param("minutes", 12), FRESH),
    ("strides", "per_week", set_param("per_week", 2), FRESH),
    ("strides", "phases", set_param("phases", ["build"]), FRESH),
    ("strides", "skip_deload", set_param("skip_deload", False), FRESH),
]  # fmt: skip


def build(raw: list[dict], overrides: dict) -> tuple[Any, Any]:
    rules = load_rules(raw)
    book = make_playbook(chunks_for(rules), rules=rules)
    fields = {key: value for key, value in overrides.items() if key != SWAP}
    request = PlanRequest.parse(**{**BASE_REQUEST, **fields})
    try:
        plan = build_plan(request, book)
    except PlanError as err:
        return err, book
    if SWAP in overrides:
        plan = swap_exercise(plan, book, overrides[SWAP])
    return plan, book


def test_every_parameter_has_a_case() -> None:
    params = {(rule["id"], name) for rule in RAW for name in rule.get("params", {})}
    covered = {(rule_id, name) for rule_id, name, _, _ in CASES}
    assert params - covered == set(), "parameters no test shows driving the plan"
    assert covered - params == set(), "cases for parameters rules.yaml no longer has"


@pytest.mark.parametrize(
    ("rule_id", "name", "edit", "overrides"), CASES, ids=[f"{c[0]}.{c[1]}" for c in CASES]
)
def test_editing_a_parameter_changes_the_plan(
    rule_id: str, name: str, edit: Callable[[dict], None], overrides: dict
) -> None:
    before, _ = build(RAW, overrides)
    assert not isinstance(before, PlanError), before
    raw = copy.deepcopy(RAW)
    edit(next(rule for rule in raw if rule["id"] == rule_id)["params"])
    after, book = build(raw, overrides)
    if isinstance(after, PlanError):  # the edit makes this runner's week impossible: said so
        assert "too short" in str(after) or "fits" in str(after), after
        return
    assert after.model_dump_json() != before.model_dump_json()
    failures = [(i.rule_id, i.detail) for i in audit_plan(after, book) if i.status == "fail"]
    assert not failures
