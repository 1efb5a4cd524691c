"""Table-driven: each rule visibly shapes a plan, and the audit catches each rule broken."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest

from planner.audit import audit_plan
from planner.models import DAYS, AuditItem, Block, Plan, Prescription, Session
from planner.playbook import Playbook
from tests.planner.conftest import TODAY, make_plan

ALL_DAYS = tuple(DAYS)
# No lifting day follows a hard run: strides fit after a session (never the day after one).
FRESH_LEGS = {"tue": "easy", "sat": "long"}
# Dumbbells: main lifts with a weight to pick (band and bodyweight lifts progress otherwise).
LOADED = {"equipment": ("dumbbells",)}


def audit_of(plan: Plan, book: Playbook) -> dict[str, AuditItem]:
    return {item.rule_id: item for item in audit_plan(plan, book)}


def block(session: Session, kind: str) -> Block:
    return next(b for b in session.blocks if b.kind == kind)


def ids(session: Session, *kinds: str) -> list[str]:
    kinds = kinds or ("main", "accessory", "core")
    return [x.exercise_id for b in session.blocks if b.kind in kinds for x in b.exercises]


def mains(plan: Plan, week: int) -> list[Prescription]:
    return [x for s in plan.weeks[week - 1].sessions for x in block(s, "main").exercises]


def week_ids(plan: Plan, week: int) -> list[str]:
    return [i for s in plan.weeks[week - 1].sessions for i in ids(s)]


def patterns(book: Playbook, exercise_ids: list[str]) -> set[str]:
    return {book.catalogue[i].pattern for i in exercise_ids}


# --- each rule shapes the plan (and its audit item passes or is n/a with a reason) ------


def check_frequency(plan: Plan, book: Playbook) -> None:
    assert {len(w.sessions) for w in plan.weeks} == {3}


def check_non_consecutive(plan: Plan, book: Playbook) -> None:
    dates = sorted(s.date for _, s in plan.sessions())
    assert all((b - a).days >= 2 for a, b in pairwise(dates))
    assert {s.day for _, s in plan.sessions()} == {"mon", "wed", "fri"}


def check_separate_days(plan: Plan, book: Playbook) -> None:
    placement = plan.weeks[0].sessions[0].placement
    assert (placement.kind, placement.run_today, placement.min_hours_apart) == (
        "same-day",
        "easy",
        6,
    )
    assert "at least 6 h" in placement.text


def check_lift_first(plan: Plan, book: Playbook) -> None:
    assert plan.weeks[0].sessions[0].placement.order == "lift-first"


def check_run_first(plan: Plan, book: Playbook) -> None:
    placement = plan.weeks[0].sessions[0].placement
    assert placement.order == "run-first" and "run first" in placement.text


def check_hard_runs(plan: Plan, book: Playbook) -> None:
    choices = {c.day: c for c in plan.days}
    assert (
        choices["wed"].status == "rejected" and "day before your intervals" in choices["wed"].reason
    )
    assert choices["thu"].status == "rejected" and "hard-run day" in choices["thu"].reason
    assert {s.day for _, s in plan.sessions()} == {"mon", "fri"}


def check_full_body(plan: Plan, book: Playbook) -> None:
    for _, session in plan.sessions():
        muscles = {m for i in ids(session) for m in book.catalogue[i].muscles}
        assert {"glutes", "hamstrings", "quads", "calves"} <= muscles


def check_order(plan: Plan, book: Playbook) -> None:
    for _, session in plan.sessions():
        assert [b.kind for b in session.blocks] == [
            "warm-up",
            "main",
            "accessory",
            "core",
            "cool-down",
        ]


def check_warm_up(plan: Plan, book: Playbook) -> None:
    warm = ids(plan.weeks[0].sessions[0], "warm-up")
    assert {"band-pull-apart", "band-lateral-walk"} <= set(warm)  # the article's own drills
    assert {book.catalogue[i].region for i in warm} >= {"upper", "lower"}


def check_one_main_lift(plan: Plan, book: Playbook) -> None:
    for _, session in plan.sessions():
        lifts = ids(session, "main")
        assert len(lifts) == 1 and patterns(book, lifts) <= {"hinge", "bridge", "squat", "lunge"}


def check_trim(plan: Plan, book: Playbook) -> None:
    session = plan.weeks[0].sessions[0]
    assert "accessory rounds" in session.trimmed
    assert block(session, "accessory").rounds == 1
    assert {x.sets for x in block(session, "main").exercises} == {3}  # main lifts whole
    assert all(s.minutes <= 35 for _, s in plan.sessions())


def check_circuit(plan: Plan, book: Playbook) -> None:
    accessory = block(plan.weeks[0].sessions[0], "accessory")
    assert accessory.format == "circuit" and accessory.rounds == 2
    assert all(x.reps.startswith("10–12") for x in accessory.exercises)


def check_core(plan: Plan, book: Playbook) -> None:
    assert all(block(s, "core").exercises for _, s in plan.sessions())


def check_anti_rotation(plan: Plan, book: Playbook) -> None:
    assert "anti-rotation" in patterns(book, week_ids(plan, 1))


def check_cool_down(plan: Plan, book: Playbook) -> None:
    found = patterns(book, ids(plan.weeks[0].sessions[0], "cool-down"))
    assert "breathing" in found and found & {"mobility", "stretch"}


def check_push_pull(plan: Plan, book: Playbook) -> None:
    for region in ("upper", "lower"):
        week = [book.catalogue[i] for i in week_ids(plan, 1)]
        push = sum(e.region == region and e.direction == "push" for e in week)
        pull = sum(e.region == region and e.direction == "pull" for e in week)
        assert pull >= push > 0


def check_upper_lower(plan: Plan, book: Playbook) -> None:
    week = [book.catalogue[i] for i in week_ids(plan, 1)]
    assert any(e.region == "upper" and e.direction == "push" for e in week)
    assert any(e.region == "upper" and e.direction == "pull" for e in week)


def check_single_leg(plan: Plan, book: Playbook) -> None:
    week = [book.catalogue[i] for i in week_ids(plan, 1)]
    assert any(e.unilateral and e.region == "lower" and e.pattern != "calf-raise" for e in week)


def check_lateral_hip(plan: Plan, book: Playbook) -> None:
    assert patterns(book, week_ids(plan, 1)) & {"hip-abduction", "hip-adduction"}


def check_calves(plan: Plan, book: Playbook) -> None:
    calf = [i for i in week_ids(plan, 1) if book.catalogue[i].pattern == "calf-raise"]
    assert len(calf) == len(plan.weeks[0].sessions)
    assert {book.catalogue[i].laterality for i in calf} == {"unilateral", "bilateral"}


def check_no_calves(plan: Plan, book: Playbook) -> None:
    assert all(
        book.catalogue[i].pattern != "calf-raise" for _, s in plan.sessions() for i in ids(s)
    )
    assert any("calf raise" in note for note in plan.notes)


def check_tibialis(plan: Plan, book: Playbook) -> None:
    assert "tib-raise" in patterns(book, week_ids(plan, 1))


def check_tempo(plan: Plan, book: Playbook) -> None:
    assert {x.tempo for x in mains(plan, 1)} == {"3-1-X"}


def check_rpe(plan: Plan, book: Playbook) -> None:
    assert all(x.rpe is not None and "RPE" in x.load for x in mains(plan, 1))


def check_base(plan: Plan, book: Playbook) -> None:
    assert {x.reps for x in mains(plan, 1)} >= {"6–8"}
    assert {x.reps.split(" ")[0] for x in mains(plan, 5)} == {"4–6"}  # heavier later in the base


def check_base_new_lifter(plan: Plan, book: Playbook) -> None:
    loaded = [x for x in mains(plan, 5) if book.catalogue[x.exercise_id].equipment == "dumbbells"]
    assert loaded and {x.reps.split(" ")[0] for x in loaded} == {"6–8"}
    assert {x.sets for x in mains(plan, 1)} == {2}


def check_build(plan: Plan, book: Playbook) -> None:
    phases = [w.phase for w in plan.weeks]
    assert phases[:8] == ["build"] * 8 and phases[-2:] == ["taper", "taper"]
    assert {x.reps.split(" ")[0] for x in mains(plan, 2)} == {"6–8"}


def check_in_season(plan: Plan, book: Playbook) -> None:
    assert {(x.sets, x.reps.split(" ")[0]) for x in mains(plan, 1)} == {(2, "4–6")}
    assert {x.rpe for w in (1, 2, 3) for x in mains(plan, w)} == {7.0}  # steady, no chasing
    assert all("fast" in x.load for x in mains(plan, 1))


def check_taper(plan: Plan, book: Playbook) -> None:
    assert [w.phase for w in plan.weeks] == ["taper", "taper"]
    race = TODAY + timedelta(days=10)
    assert all(s.date <= race - timedelta(days=4) for _, s in plan.sessions())
    assert {x.sets for x in mains(plan, 1)} == {2} and all(x.rpe <= 6 for x in mains(plan, 1))


def check_rotate(plan: Plan, book: Playbook) -> None:
    first, second = plan.weeks[0].sessions
    assert first.focus != second.focus and ids(first, "main") != ids(second, "main")


def check_progression(plan: Plan, book: Playbook) -> None:
    rpes = [mains(plan, w)[0].rpe for w in (1, 2, 3)]
    assert rpes == sorted(rpes) and rpes[0] < rpes[-1]
    assert "heavier than the last" in mains(plan, 5)[0].load


def check_deload(plan: Plan, book: Playbook) -> None:
    assert [w.number for w in plan.weeks if w.deload] == [4, 8]
    assert mains(plan, 4)[0].sets < mains(plan, 3)[0].sets


def check_retest(plan: Plan, book: Playbook) -> None:
    assert [w.number for w in plan.weeks if w.retest] == [1, 5, 9, 13]
    assert [t.test_id for t in plan.weeks[0].sessions[0].tests] == [
        "single-leg-squat",
        "tempo-pace",
    ]


def check_log(plan: Plan, book: Playbook) -> None:
    assert all("RPE" in s.log_prompt and "niggles" in s.log_prompt for _, s in plan.sessions())


def check_strides(plan: Plan, book: Playbook) -> None:
    with_strides = [w.number for w in plan.weeks if any(s.strides for s in w.sessions)]
    assert with_strides == [1, 2, 3, 5, 6, 7]  # not in deload weeks


RULE_CASES: list[tuple[str, dict[str, Any], str, Callable[[Plan, Playbook], None]]] = [
    (
        "frequency",
        {"experience": "experienced", "free_days": ALL_DAYS, "runs": {}},
        "pass",
        check_frequency,
    ),
    (
        "non-consecutive",
        {"experience": "experienced", "free_days": ALL_DAYS, "runs": {}},
        "pass",
        check_non_consecutive,
    ),
    ("separate-days", {"free_days": ("tue",)}, "pass", check_separate_days),
    ("priority-first", {"free_days": ("tue",)}, "pass", check_lift_first),
    ("priority-first", {"free_days": ("tue",), "phase": "in-season"}, "pass", check_run_first),
    ("hard-run-recovery", {"free_days": ("mon", "wed", "thu", "fri")}, "pass", check_hard_runs),
    ("full-body", {}, "pass", check_full_body),
    ("session-order", {}, "pass", check_order),
    ("warm-up", {}, "pass", check_warm_up),
    ("compound-first", {"minutes": 30, "free_days": ("fri",)}, "pass", check_one_main_lift),
    ("trim-accessories-first", {"minutes": 35, "equipment": ("gym",)}, "pass", check_trim),
    ("accessory-circuit", {}, "pass", check_circuit),
    ("core-every-session", {}, "pass", check_core),
    ("anti-rotation", {}, "pass", check_anti_rotation),
    ("cool-down", {}, "pass", check_cool_down),
    ("push-pull", {}, "pass", check_push_pull),
    ("upper-lower", {}, "pass", check_upper_lower),
    ("single-leg", {}, "pass", check_single_leg),
    ("lateral-hip", {}, "pass", check_lateral_hip),
    ("calves", {}, "pass", check_calves),
    ("calves", {"avoid": ("achilles",)}, "n/a", check_no_calves),
    ("tibialis", {}, "pass", check_tibialis),
    ("tibialis", {"avoid": ("shin",)}, "n/a", lambda plan, book: None),
    ("tempo", {}, "pass", check_tempo),
    ("rpe-loads", {}, "pass", check_rpe),
    ("phase-base", LOADED, "pass", check_base),
    ("phase-base", {**LOADED, "experience": "new"}, "pass", check_base_new_lifter),
    (
        "phase-build",
        {**LOADED, "phase": None, "race_date": TODAY + timedelta(weeks=9, days=3), "weeks": 12},
        "pass",
        check_build,
    ),
    ("phase-in-season", {**LOADED, "phase": "in-season"}, "pass", check_in_season),
    ("phase-taper", {"phase": None, "race_date": TODAY + timedelta(days=10)}, "pass", check_taper),
    ("rotate-focus", {}, "pass", check_rotate),
    ("rotate-focus", {"free_days": ("fri",)}, "n/a", lambda plan, book: None),
    ("progression", LOADED, "pass", check_progression),
    ("progression", {"phase": "in-season"}, "n/a", lambda plan, book: None),
    ("deload", {}, "pass", check_deload),
    ("deload", {"weeks": 3}, "n/a", lambda plan, book: None),
    ("retest", {"weeks": 16}, "pass", check_retest),
    (
        "retest",
        {"avoid": ("knee",), "runs": {"tue": "easy", "sun": "long"}},
        "n/a",
        lambda plan, book: None,
    ),
    ("training-log", {}, "pass", check_log),
    ("strides", {"runs": FRESH_LEGS}, "pass", check_strides),
    ("strides", {"phase": "taper"}, "n/a", lambda plan, book: None),
]


@pytest.mark.parametrize(
    ("rule_id", "overrides", "status", "check"),
    RULE_CASES,
    ids=[f"{case[0]}-{i}" for i, case in enumerate(RULE_CASES)],
)
def test_rule_shapes_the_plan(
    book: Playbook, rule_id: str, overrides: dict, status: str, check: Callable
) -> None:
    plan = make_plan(book, **overrides)
    check(plan, book)
    items = audit_of(plan, book)
    assert items[rule_id].status == status, items[rule_id].detail
    assert not [item for item in items.values() if item.status == "fail"]
    assert plan.sources[items[rule_id].cite - 1].rule_ids.count(rule_id) == 1


def test_every_rule_has_a_case() -> None:
    from planner.data_files import read_data
    from planner.rules import RULES_FILE, load_rules

    # The training-log rules (adapt_rules.yaml) have theirs in test_adapt.py.
    assert {case[0] for case in RULE_CASES} == {
        rule.id for rule in load_rules(read_data(RULES_FILE))
    }


# --- the audit catches each rule broken ---------------------------------------------------


def first(plan: Plan) -> Session:
    return plan.weeks[0].sessions[0]


def drop(plan: Plan, week: int, predicate: Callable[[str], bool], kinds=("main", "accessory",
         "core", "warm-up")) -> None:  # fmt: skip
    for session in plan.weeks[week - 1].sessions:
        for b in session.blocks:
            if b.kind in kinds:
                b.exercises = [x for x in b.exercises if not predicate(x.exercise_id)]


def with_catalogue(book: Playbook, test: Callable) -> Callable[[str], bool]:
    return lambda exercise_id: test(book.catalogue[exercise_id])


def swap_day(day: str) -> Callable[[Plan, Playbook], None]:
    def mutate(plan: Plan, book: Playbook) -> None:
        session = first(plan)
        session.date += timedelta(days=DAYS.index(day) - DAYS.index(session.day))
        session.day = day  # type: ignore[assignment]

    return mutate


def set_main(field: str, value: object) -> Callable[[Plan, Playbook], None]:
    def mutate(plan: Plan, book: Playbook) -> None:
        block(first(plan), "main").exercises[0] = (
            block(first(plan), "main").exercises[0].model_copy(update={field: value})
        )

    return mutate


def set_week1_rpe_above_week2(plan: Plan, book: Playbook) -> None:
    for session in plan.weeks[1].sessions:
        main = block(session, "main")
        main.exercises = [x.model_copy(update={"rpe": 5.0}) for x in main.exercises]


def copy_first_session(plan: Plan, book: Playbook) -> None:
    second = plan.weeks[0].sessions[1]
    second.focus, second.blocks = first(plan).focus, first(plan).blocks


def flip_order(plan: Plan, book: Playbook) -> None:
    first(plan).placement.order = "run-first"


VIOLATIONS: list[tuple[str, dict[str, Any], Callable[[Plan, Playbook], None]]] = [
    ("frequency", {}, lambda p, b: setattr(p.weeks[1], "sessions", [])),
    (
        "non-consecutive",
        {},
        lambda p, b: setattr(p.weeks[0].sessions[1], "date", first(p).date + timedelta(days=1)),
    ),
    ("separate-days", {}, swap_day("tue")),
    ("priority-first", {"free_days": ("tue",)}, flip_order),
    ("hard-run-recovery", {}, swap_day("wed")),
    ("full-body", {}, lambda p, b: drop(p, 1, with_catalogue(b, lambda e: "calves" in e.muscles))),
    ("session-order", {}, lambda p, b: first(p).blocks.reverse()),
    (
        "warm-up",
        {},
        lambda p, b: drop(p, 1, with_catalogue(b, lambda e: e.region == "upper"), ("warm-up",)),
    ),
    (
        "compound-first",
        {},
        lambda p, b: block(first(p), "main").exercises.append(
            block(first(p), "accessory").exercises[-1]
        ),
    ),
    ("trim-accessories-first", {}, set_main("sets", 1)),
    ("accessory-circuit", {}, lambda p, b: setattr(block(first(p), "accessory"), "rounds", 5)),
    ("core-every-session", {}, lambda p, b: setattr(block(first(p), "core"), "exercises", [])),
    (
        "anti-rotation",
        {},
        lambda p, b: drop(p, 1, with_catalogue(b, lambda e: e.pattern == "anti-rotation")),
    ),
    (
        "cool-down",
        {},
        lambda p, b: drop(
            p, 1, with_catalogue(b, lambda e: e.pattern == "breathing"), ("cool-down",)
        ),
    ),
    (
        "push-pull",
        {},
        lambda p, b: drop(
            p, 1, with_catalogue(b, lambda e: e.region == "upper" and e.direction == "pull")
        ),
    ),
    (
        "upper-lower",
        {},
        lambda p, b: drop(
            p, 1, with_catalogue(b, lambda e: e.region == "upper" and e.direction == "push")
        ),
    ),
    (
        "single-leg",
        {},
        lambda p, b: drop(
            p, 1, with_catalogue(b, lambda e: e.unilateral and e.pattern != "calf-raise")
        ),
    ),
    (
        "lateral-hip",
        {},
        lambda p, b: drop(p, 1, with_catalogue(b, lambda e: e.pattern == "hip-abduction")),
    ),
    ("calves", {}, lambda p, b: drop(p, 1, with_catalogue(b, lambda e: e.pattern == "calf-raise"))),
    (
        "tibialis",
        {},
        lambda p, b: drop(p, 1, with_catalogue(b, lambda e: e.pattern == "tib-raise")),
    ),
    ("tempo", {}, set_main("tempo", None)),
    ("rpe-loads", {}, set_main("rpe", 9.5)),
    ("phase-base", {}, set_main("reps", "15–20")),
    ("phase-build", {"phase": "build"}, set_main("reps", "15–20")),
    ("phase-in-season", {"phase": "in-season"}, set_main("reps", "15–20")),
    ("phase-taper", {"phase": "taper"}, set_main("rest_s", 10)),
    ("rotate-focus", {}, copy_first_session),
    ("progression", {}, set_week1_rpe_above_week2),
    ("deload", {}, lambda p, b: setattr(p.weeks[3], "deload", False)),
    ("retest", {}, lambda p, b: setattr(p.weeks[4].sessions[0], "tests", [])),
    ("training-log", {}, lambda p, b: setattr(first(p), "log_prompt", "")),
    (
        "strides",
        {"runs": FRESH_LEGS},
        lambda p, b: [setattr(s, "strides", None) for s in p.weeks[1].sessions],
    ),
]


@pytest.mark.parametrize(
    ("rule_id", "overrides", "mutate"), VIOLATIONS, ids=[case[0] for case in VIOLATIONS]
)
def test_audit_catches_the_rule_broken(
    book: Playbook, rule_id: str, overrides: dict, mutate: Callable
) -> None:
    plan = make_plan(book, **overrides)
    assert audit_of(plan, book)[rule_id].status == "pass"
    broken = plan.model_copy(deep=True)
    mutate(broken, book)
    item = audit_of(broken, book)[rule_id]
    assert item.status == "fail"
    assert item.detail


def test_every_rule_has_a_violation_case() -> None:
    from planner.data_files import read_data
    from planner.rules import RULES_FILE, load_rules

    # The training-log rules (adapt_rules.yaml) have theirs in test_adapt.py.
    assert {case[0] for case in VIOLATIONS} == {
        rule.id for rule in load_rules(read_data(RULES_FILE))
    }
