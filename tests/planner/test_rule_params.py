"""Every parameter in rules.yaml drives the plan: editing it shows in the plan where that
parameter acts (a question false before the edit and true after it, one case per parameter), and
the plan built from the edited rules still passes the audit of the edited rules.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from planner.audit import audit_plan
from planner.build import build_plan
from planner.catalogue import Exercise, load_catalogue
from planner.data_files import read_data
from planner.errors import PlanError
from planner.models import Block, Plan, PlanRequest, Prescription, Session, Week
from planner.playbook import make_playbook
from planner.rules import load_rules
from planner.swap import swap_exercise
from tests.planner.conftest import BASE_REQUEST, TODAY, chunks_for

RAW = read_data("rules.yaml")
RAW_PARAMS = {rule["id"]: rule.get("params", {}) for rule in RAW}
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


CATALOGUE = load_catalogue()


def prescriptions(
    plan: Plan, kind: str, *, phase: str | None = None, deload: bool | None = None
) -> list[Prescription]:
    """The exercises of every `kind` block (in weeks of `phase`, deload or not, when given)."""
    return [x for b in blocks(plan, kind, phase=phase, deload=deload) for x in b.exercises]


def blocks(
    plan: Plan, kind: str, *, phase: str | None = None, deload: bool | None = None
) -> list[Block]:
    return [
        b
        for w, s in plan.sessions()
        if (phase is None or w.phase == phase) and (deload is None or w.deload == deload)
        for b in s.blocks
        if b.kind == kind
    ]


def full_weeks(plan: Plan) -> list[Week]:
    return [w for w in plan.weeks if not (w.partial or w.deload or w.race_week)]


def work(session: Session) -> list[Exercise]:
    """The session's exercises outside the warm-up and cool-down."""
    return [
        CATALOGUE[x.exercise_id]
        for b in session.blocks
        if b.kind not in ("warm-up", "cool-down")
        for x in b.exercises
    ]


def weekly(plan: Plan, test: Callable[[Exercise], bool]) -> list[int]:
    """How many worked exercises pass `test` in each full week."""
    return [sum(test(e) for s in w.sessions for e in work(s)) for w in full_weeks(plan)]


def each_session(plan: Plan, test: Callable[[Exercise], bool], at_least: int = 1) -> bool:
    sessions = [s for _, s in plan.sessions()]
    return all_of(sessions, lambda s: sum(test(e) for e in work(s)) >= at_least)


def days(plan: Plan) -> set[str]:
    return {s.day for _, s in plan.sessions()}


def reps(plan: Plan, kind: str, value: str) -> bool:
    """Some `kind` exercise is prescribed `value` (reps or a hold, maybe 'each side')."""
    return any(x.reps.split(" each side")[0] == value for x in prescriptions(plan, kind))


def all_of(found: list, test: Callable[[Any], bool]) -> bool:
    return bool(found) and all(test(x) for x in found)


def gaps(plan: Plan) -> list[int]:
    dates = sorted(s.date for _, s in plan.sessions())
    return [(b - a).days for a, b in itertools.pairwise(dates)]


def same_day(plan: Plan) -> list[Session]:
    return [s for _, s in plan.sessions() if s.placement.kind == "same-day"]


def main_rpes(plan: Plan, phase: str = "base") -> set[float | None]:
    return {x.rpe for b in blocks(plan, "main", phase=phase, deload=False) for x in b.exercises}


def pattern_in(kind: str, pattern: str) -> Callable[[Plan], bool]:
    return lambda p: any(
        CATALOGUE[x.exercise_id].pattern == pattern for x in prescriptions(p, kind)
    )


# What a parameter drives, as a question about the plan that is false before the edit and true
# after it; a string instead when the edit makes this runner's week impossible (the refusal says).
Shows = Callable[[Plan], bool] | str

# (rule id, parameter, edit, request overrides, what the edit shows)
CASES: list[tuple[str, str, Callable[[dict], None], dict, Shows]] = [
    ("frequency", "min_per_week", set_param("min_per_week", 3), OPEN_WEEK,
     lambda p: all_of(full_weeks(p), lambda w: len(w.sessions) >= 3)),
    ("frequency", "max_per_week", set_param("max_per_week", 1), {},
     lambda p: all_of(p.weeks, lambda w: len(w.sessions) <= 1)),
    ("non-consecutive", "min_days_between", set_param("min_days_between", 2),
     {**OPEN_WEEK, "experience": "experienced"}, lambda p: min(gaps(p)) >= 3),
    ("separate-days", "min_hours_apart", set_param("min_hours_apart", 8), SAME_DAY,
     lambda p: all_of(same_day(p), lambda s: s.placement.min_hours_apart == 8)),
    ("separate-days", "same_day_runs", set_param("same_day_runs", ["recovery"]),
     {"runs": {"mon": "easy"}, "free_days": ("mon", "thu")}, lambda p: not same_day(p)),
    ("priority-first", "lift_first", set_param("lift_first", []), SAME_DAY,
     lambda p: all_of(same_day(p), lambda s: s.placement.order != "lift-first")),
    ("priority-first", "run_first", set_param("run_first", ["in-season", "taper"]),
     {**SAME_DAY, "phase": "build"},
     lambda p: all_of(same_day(p), lambda s: s.placement.order != "run-first")),
    ("hard-run-recovery", "hard_runs", set_param("hard_runs", ["long", "race"]), {},
     lambda p: "wed" in days(p)),  # the day before the intervals run is free to lift now
    ("hard-run-recovery", "days_before", set_param("days_before", 2), {},
     lambda p: "fri" not in days(p)),  # two days before the long run
    ("hard-run-recovery", "prefer_gap_after", set_param("prefer_gap_after", False),
     {"runs": {"sun": "long"}, "free_days": ("mon", "tue", "thu")},
     lambda p: "mon" in days(p)),  # the day after the long run
    ("full-body", "groups", set_param("groups.chest", ["chest"]), {},
     lambda p: all_of([s for _, s in p.sessions()], lambda s: any(
         "chest" in CATALOGUE[x.exercise_id].muscles for b in s.blocks for x in b.exercises))),
    ("session-order", "order",
     set_param("order", ["warm-up", "main", "core", "accessory", "cool-down"]), {},
     lambda p: all_of([s for _, s in p.sessions()], lambda s: [b.kind for b in s.blocks].index(
         "core") < [b.kind for b in s.blocks].index("accessory"))),
    ("warm-up", "minutes", set_param("minutes", 8), {},
     lambda p: all_of(blocks(p, "warm-up"), lambda b: b.minutes == 8)),
    ("warm-up", "max_items", set_param("max_items", 2), {},
     lambda p: all_of(blocks(p, "warm-up"), lambda b: len(b.exercises) <= 2)),
    ("warm-up", "sets", set_param("sets", 1), {},
     lambda p: all_of(prescriptions(p, "warm-up"), lambda x: x.sets == 1)),
    ("warm-up", "reps", set_param("reps", "10–12"), {}, lambda p: reps(p, "warm-up", "10–12")),
    ("warm-up", "hold", set_param("hold", "30 s"), {"equipment": ("none",)},
     lambda p: reps(p, "warm-up", "30 s")),
    ("compound-first", "patterns",
     set_param("patterns", ["squat", "lunge", "step-up", "hinge", "carry"]), ANKLE,
     lambda p: not pattern_in("main", "bridge")(p)),
    ("compound-first", "min_main", set_param("min_main", 2),
     {"minutes": 30, "equipment": ("none",)}, "too short"),
    ("compound-first", "max_main", set_param("max_main", 1), {},
     lambda p: all_of(blocks(p, "main"), lambda b: len(b.exercises) == 1)),
    ("trim-accessories-first", "order",
     set_param("order", ["core rounds", "accessory rounds", "strides"]), TIGHT,
     lambda p: any(s.trimmed[:1] == ["core rounds"] for _, s in p.sessions())),
    ("accessory-circuit", "reps", set_param("reps", "12–15"), {},
     lambda p: reps(p, "accessory", "12–15")),
    ("accessory-circuit", "hold", set_param("hold", "40 s"),
     {"equipment": ("none",), SWAP: "tibialis-raise"}, lambda p: reps(p, "accessory", "40 s")),
    ("accessory-circuit", "min_rounds", set_param("min_rounds", 3), {},
     lambda p: all_of(blocks(p, "accessory"), lambda b: (b.rounds or 0) >= 3)),
    ("accessory-circuit", "max_rounds", set_param("max_rounds", 1), {},
     lambda p: all_of(blocks(p, "accessory"), lambda b: b.rounds == 1)),
    ("accessory-circuit", "round_rest_s", set_param("round_rest_s", 30), {},
     lambda p: all_of(blocks(p, "accessory"), lambda b: b.rest_s == 30)),
    ("core-every-session", "reps", set_param("reps", "8–10"), {},
     lambda p: reps(p, "core", "8–10")),
    ("core-every-session", "hold", set_param("hold", "30–40 s"), {},
     lambda p: reps(p, "core", "30–40 s")),
    ("core-every-session", "carry", set_param("carry", "40 s"), LOADED,
     lambda p: reps(p, "core", "40 s")),
    ("core-every-session", "round_rest_s", set_param("round_rest_s", 30), {},
     lambda p: all_of(blocks(p, "core"), lambda b: b.rest_s == 30)),
    ("anti-rotation", "min_per_week", set_param("min_per_week", 2), {},
     lambda p: all_of(weekly(p, lambda e: e.pattern == "anti-rotation"), lambda n: n >= 2)),
    ("anti-rotation", "patterns", set_param("patterns", ["anti-extension"]), {},
     lambda p: all_of(weekly(p, lambda e: e.pattern == "anti-extension"), lambda n: n >= 1)),
    ("cool-down", "minutes", set_param("minutes", 6), {},
     lambda p: all_of(blocks(p, "cool-down"), lambda b: b.minutes == 6)),
    ("cool-down", "max_items", set_param("max_items", 2), {},
     lambda p: all_of(blocks(p, "cool-down"), lambda b: len(b.exercises) <= 2)),
    ("cool-down", "hold", set_param("hold", "45–60 s"), {},
     lambda p: reps(p, "cool-down", "45–60 s")),
    ("cool-down", "reps", set_param("reps", "8–10 slow"), {},
     lambda p: reps(p, "cool-down", "8–10 slow")),
    ("cool-down", "breathing", set_param("breathing", "2 min"), {},
     lambda p: reps(p, "cool-down", "2 min")),
    ("push-pull", "min_pull_per_push", set_param("min_pull_per_push", 2.0), {},
     lambda p: all(pull >= 2 * push for pull, push in zip(
         weekly(p, lambda e: e.direction == "pull"), weekly(p, lambda e: e.direction == "push"),
         strict=True))),
    ("upper-lower", "min_lower_main", set_param("min_lower_main", 7), {},
     lambda p: all_of(weekly(p, lambda e: e.region == "lower" and e.role == "main"),
                      lambda n: n >= 7)),
    ("upper-lower", "min_upper_push", set_param("min_upper_push", 3), {},
     lambda p: all_of(weekly(p, lambda e: e.region == "upper" and e.direction == "push"),
                      lambda n: n >= 3)),
    ("upper-lower", "min_upper_pull", set_param("min_upper_pull", 4), {},
     lambda p: all_of(weekly(p, lambda e: e.region == "upper" and e.direction == "pull"),
                      lambda n: n >= 4)),
    ("single-leg", "min_per_week", set_param("min_per_week", 5), {},
     lambda p: all_of(weekly(p, lambda e: e.unilateral and e.region == "lower"
                             and e.pattern in RAW_PARAMS["single-leg"]["patterns"]),
                      lambda n: n >= 5)),
    ("single-leg", "patterns", set_param("patterns", ["step-up"]), {"equipment": ("none",)},
     lambda p: all_of(weekly(p, lambda e: e.unilateral and e.pattern == "step-up"),
                      lambda n: n >= 1)),
    ("lateral-hip", "min_per_week", set_param("min_per_week", 3), {},
     lambda p: all_of(weekly(p, lambda e: e.pattern in ("hip-abduction", "hip-adduction")),
                      lambda n: n >= 3)),
    ("lateral-hip", "patterns", set_param("patterns", ["hip-adduction"]),
     {"experience": "experienced"},
     lambda p: all_of(weekly(p, lambda e: e.pattern == "hip-adduction"), lambda n: n >= 1)),
    ("calves", "per_session", set_param("per_session", 2), {},
     lambda p: each_session(p, lambda e: e.pattern == "calf-raise", at_least=2)),
    ("calves", "patterns", set_param("patterns", ["tib-raise"]), {},
     lambda p: each_session(p, lambda e: e.pattern == "tib-raise")),
    ("tibialis", "min_per_week", set_param("min_per_week", 3), {},
     lambda p: all_of(weekly(p, lambda e: e.pattern == "tib-raise"), lambda n: n >= 3)),
    ("tibialis", "patterns", set_param("patterns", ["knee-flexion"]), {},
     lambda p: all_of(weekly(p, lambda e: e.pattern == "knee-flexion"), lambda n: n >= 1)),
    ("tempo", "main", set_param("main", "2-0-X"), {},
     lambda p: all_of(prescriptions(p, "main"), lambda x: x.tempo == "2-0-X")),
    ("tempo", "meaning", set_param("meaning", "2 s lowering, no pause, lift fast"), {},
     lambda p: any("2 s lowering, no pause, lift fast" in b.note for b in blocks(p, "main"))),
    ("rpe-loads", "min_rpe", set_param("min_rpe", 6), {},
     lambda p: all_of(prescriptions(p, "main"), lambda x: x.rpe >= 6)),
    ("rpe-loads", "max_rpe", set_param("max_rpe", 7), {},
     lambda p: all_of(prescriptions(p, "main"), lambda x: x.rpe <= 7)),
    ("phase-base", "sessions_per_week", set_param("sessions_per_week.some", 3), OPEN_WEEK,
     lambda p: all_of(full_weeks(p), lambda w: len(w.sessions) == 3)),
    ("phase-base", "main", set_param("main.sets.some", 4), {},
     lambda p: all_of(prescriptions(p, "main", deload=False), lambda x: x.sets == 4)),
    ("phase-base", "late", set_param("late.after_weeks", 2), LOADED,
     lambda p: all_of([x for b in p.weeks[2].sessions[0].blocks if b.kind == "main"
                       for x in b.exercises],  # week 3 is late now
                      lambda x: x.reps.startswith(RAW_PARAMS["phase-base"]["late"]["reps"]))),
    ("phase-base", "accessory_rounds", set_param("accessory_rounds.some", 3), {},
     lambda p: all_of(blocks(p, "accessory", deload=False), lambda b: b.rounds == 3)),
    ("phase-base", "core_rounds", set_param("core_rounds", 1), {},
     lambda p: all_of(blocks(p, "core"), lambda b: b.rounds == 1)),
    ("phase-build", "weeks_before_race", set_param("weeks_before_race", 6), RACE,
     lambda p: p.weeks[0].phase == "base"),  # the race is further away than the build
    ("phase-build", "sessions_per_week", set_param("sessions_per_week.some", 1), RACE,
     lambda p: all_of([w for w in p.weeks if w.phase == "build"], lambda w: len(w.sessions) <= 1)),
    ("phase-build", "main", set_param("main.rest_s", 120), RACE,
     lambda p: all_of(prescriptions(p, "main", phase="build"), lambda x: x.rest_s == 120)),
    ("phase-build", "accessory_rounds", set_param("accessory_rounds.some", 3), RACE,
     lambda p: all_of(blocks(p, "accessory", phase="build", deload=False),
                      lambda b: b.rounds == 3)),
    ("phase-build", "core_rounds", set_param("core_rounds", 1), RACE,
     lambda p: all_of(blocks(p, "core", phase="build"), lambda b: b.rounds == 1)),
    ("phase-in-season", "sessions_per_week", set_param("sessions_per_week.some", 1),
     {"phase": "in-season"}, lambda p: all_of(p.weeks, lambda w: len(w.sessions) <= 1)),
    ("phase-in-season", "main", set_param("main.intent", "move fast"), {"phase": "in-season"},
     lambda p: all_of(prescriptions(p, "main", deload=False),
                      lambda x: "Intent: move fast." in x.load)),
    ("phase-in-season", "accessory_rounds", set_param("accessory_rounds.some", 2),
     {"phase": "in-season"},
     lambda p: all_of(blocks(p, "accessory", deload=False), lambda b: b.rounds == 2)),
    ("phase-in-season", "core_rounds", set_param("core_rounds", 2), {"phase": "in-season"},
     lambda p: all_of(blocks(p, "core", deload=False), lambda b: b.rounds == 2)),
    ("phase-taper", "weeks_before_race", set_param("weeks_before_race", 3), RACE,
     lambda p: sum(w.phase == "taper" for w in p.weeks) >= 3),
    ("phase-taper", "last_session_days_before_race", set_param("last_session_days_before_race", 6),
     RACE, lambda p: any("6 days" in note for w in p.weeks for note in w.notes)),
    ("phase-taper", "sessions_per_week", set_param("sessions_per_week.some", 2), RACE,
     lambda p: any(w.phase == "taper" and len(w.sessions) == 2 for w in p.weeks)),
    ("phase-taper", "main", set_param("main.sets.some", 1), RACE,
     lambda p: all_of(prescriptions(p, "main", phase="taper"), lambda x: x.sets == 1)),
    ("phase-taper", "accessory_rounds", set_param("accessory_rounds.some", 2), RACE,
     lambda p: all_of(blocks(p, "accessory", phase="taper"), lambda b: b.rounds == 2)),
    ("phase-taper", "core_rounds", set_param("core_rounds", 2), RACE,
     lambda p: all_of(blocks(p, "core", phase="taper"), lambda b: b.rounds == 2)),
    ("phase-taper", "max_accessories", set_param("max_accessories", 1), RACE,
     lambda p: all_of(blocks(p, "accessory", phase="taper"), lambda b: len(b.exercises) <= 1)),
    ("progression", "phases", set_param("phases", ["build"]), {},
     lambda p: len(main_rpes(p)) == 1),  # base weeks no longer step the effort up
    ("progression", "rpe_steps", set_param("rpe_steps", [-1.0, 0.0, 1.0]), {},
     lambda p: max(main_rpes(p)) - min(main_rpes(p)) == 2),
    ("progression", "max_difficulty", set_param("max_difficulty.some", 1), {},
     lambda p: all_of(weekly(p, lambda e: e.difficulty > 1), lambda n: n == 0)),
    ("progression", "load_step", set_param("load_step", "5 %"), LOADED,
     lambda p: any("5 %" in x.load and "2.5–5 %" not in x.load for x in prescriptions(p, "main"))),
    ("progression", "unloaded_reps", set_param("unloaded_reps.base", "12–20"), {},
     lambda p: reps(p, "main", "12–20")),
    ("progression", "unloaded_hold", set_param("unloaded_hold", "45–60 s"), KNEE,
     lambda p: reps(p, "main", "45–60 s")),
    ("progression", "harder", set_param("harder.bands", "a stronger band"), {},
     lambda p: any(x.load.endswith("a stronger band.") for x in prescriptions(p, "main"))),
    ("deload", "every_weeks", set_param("every_weeks", 3), {}, lambda p: p.weeks[2].deload),
    ("deload", "sets_factor", set_param("sets_factor", 0.3), {},
     lambda p: all_of(prescriptions(p, "main", deload=True), lambda x: x.sets == 1)),
    ("deload", "rounds", set_param("rounds", 2), {},
     lambda p: all_of(blocks(p, "accessory", deload=True), lambda b: b.rounds == 2)),
    ("deload", "rpe_drop", set_param("rpe_drop", 2.0), {},
     lambda p: all_of(prescriptions(p, "main", deload=True),
                      lambda x: x.rpe == RAW_PARAMS["phase-base"]["main"]["rpe"]["some"] - 2)),
    ("deload", "phases", set_param("phases", ["build"]), {},
     lambda p: not any(w.deload for w in p.weeks)),
    ("retest", "every_weeks", set_param("every_weeks", 6), {},
     lambda p: p.weeks[6].retest and not p.weeks[4].retest),
    ("retest", "skip_phases", set_param("skip_phases", []), RACE,
     lambda p: any(w.retest and w.phase == "taper" for w in p.weeks)),
    ("retest", "tests", lambda params: params["tests"].pop(), {},
     lambda p: all(t.test_id != RAW_PARAMS["retest"]["tests"][-1]["id"]
                   for _, s in p.sessions() for t in s.tests)),
    ("training-log", "fields", lambda params: params["fields"].append("sleep"), {},
     lambda p: "sleep" in p.log_fields),
    ("strides", "what", set_param("what", "6 × 20 s relaxed strides"), FRESH,
     lambda p: any(s.strides == "6 × 20 s relaxed strides" for _, s in p.sessions())),
    ("strides", "minutes", set_param("minutes", 4), FRESH,
     lambda p: any(s.strides and round(s.minutes - sum(b.minutes for b in s.blocks), 1) == 4
                   for _, s in p.sessions())),
    ("strides", "per_week", set_param("per_week", 2), FRESH,
     lambda p: all_of(full_weeks(p), lambda w: sum(bool(s.strides) for s in w.sessions) == 2)),
    ("strides", "phases", set_param("phases", ["build"]), FRESH,
     lambda p: not any(s.strides for _, s in p.sessions())),
    ("strides", "skip_deload", set_param("skip_deload", False), FRESH,
     lambda p: any(w.deload and any(s.strides for s in w.sessions) for w in p.weeks)),
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
    covered = {(rule_id, name) for rule_id, name, _, _, _ in CASES}
    assert params - covered == set(), "parameters no test shows driving the plan"
    assert covered - params == set(), "cases for parameters rules.yaml no longer has"


@pytest.mark.slow  # two plans and a playbook per case; the contract check above stays fast
@pytest.mark.parametrize(
    ("rule_id", "name", "edit", "overrides", "shows"), CASES, ids=[f"{c[0]}.{c[1]}" for c in CASES]
)
def test_editing_a_parameter_shows_its_effect_in_the_plan(
    rule_id: str, name: str, edit: Callable[[dict], None], overrides: dict, shows: Shows
) -> None:
    before, _ = build(RAW, overrides)
    assert not isinstance(before, PlanError), before
    raw = copy.deepcopy(RAW)
    edit(next(rule for rule in raw if rule["id"] == rule_id)["params"])
    after, book = build(raw, overrides)
    if isinstance(shows, str):
        assert isinstance(after, PlanError) and shows in str(after), after
        return
    assert not shows(before), "the plan shows it before the edit: the case proves nothing"
    assert not isinstance(after, PlanError), after
    assert shows(after), f"{rule_id}.{name} edited, and the plan does not show it"
    failures = [(i.rule_id, i.detail) for i in audit_plan(after, book) if i.status == "fail"]
    assert not failures
