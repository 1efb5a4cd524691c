"""Swapping one exercise for the nearest one that keeps every rule the plan already passes."""

from __future__ import annotations

from planner.audit import audit_plan
from planner.build import runner_pool
from planner.catalogue import KIT_TIER, Exercise
from planner.errors import PlanError
from planner.models import Block, Plan, Session, SwapRecord, Week
from planner.playbook import Playbook
from planner.prescribe import prescribe, week_context
from planner.sessions import add_strides
from planner.timing import block_minutes, session_minutes

# The one definition of what a runner may swap: the training blocks. Warm-up and cool-down
# drills come from the guides' routines as a whole (every surface uses this).
SWAPPABLE_BLOCKS = ("main", "accessory", "core")
ROLE_GROUPS = {
    "main": ("main",),
    "accessory": ("main", "accessory", "prehab"),
    "core": ("core",),
}


def swappable_exercises(plan: Plan) -> list[tuple[str, str]]:
    """(exercise id, name) of every exercise that may be swapped, each once, in plan order."""
    seen: dict[str, str] = {}
    for _, session in plan.sessions():
        for block in session.blocks:
            if block.kind in SWAPPABLE_BLOCKS:
                for x in block.exercises:
                    seen.setdefault(x.exercise_id, x.name)
    return list(seen.items())


def swappable_ids(plan: Plan) -> set[str]:
    return {exercise_id for exercise_id, _ in swappable_exercises(plan)}


def occurrences(
    plan: Plan, exercise_id: str, week: int | None
) -> list[tuple[Week, Session, Block]]:
    return [
        (w, s, block)
        for w, s in plan.sessions()
        if week is None or w.number == week
        for block in s.blocks
        if any(x.exercise_id == exercise_id for x in block.exercises)
    ]


def swap_candidates(
    plan: Plan, book: Playbook, exercise_id: str, week: int | None = None
) -> list[Exercise]:
    """Alternatives, nearest first: same pattern and role, allowed for this runner, not present."""
    found = [o for o in occurrences(plan, exercise_id, week) if o[2].kind in ROLE_GROUPS] or (
        occurrences(plan, exercise_id, week)
    )
    if not found:
        raise PlanError(not_in_plan(plan, exercise_id, week))
    if exercise_id not in swappable_ids(plan):
        names = ", ".join(f"{name} ({i})" for i, name in swappable_exercises(plan))
        raise PlanError(
            f"{book.catalogue[exercise_id].name} is part of the warm-up or cool-down routine and "
            f"can't be swapped; swap one of: {names}"
        )
    old = book.catalogue[exercise_id]
    kinds = {block.kind for _, _, block in found}
    roles = {role for kind in kinds for role in ROLE_GROUPS[kind]}
    present = {x.exercise_id for _, s, _ in found for b in s.blocks for x in b.exercises}
    pool = runner_pool(plan.request, book)
    candidates = [
        e
        for e in pool
        if e.id not in present
        and e.role in roles
        and e.region == old.region
        and e.direction == old.direction
        and (e.pattern == old.pattern or _same_family(e, old, book))
    ]
    old_primary = set(old.primary)
    in_plan = {x.exercise_id for _, s in plan.sessions() for b in s.blocks for x in b.exercises}

    def distance(e: Exercise) -> tuple:
        overlap = len(old_primary & set(e.primary)) / len(old_primary | set(e.primary))
        return (
            e.pattern != old.pattern,
            e.id in in_plan,
            e.laterality != old.laterality,
            e.role != old.role,
            -round(overlap, 3),
            abs(KIT_TIER[e.equipment] - KIT_TIER[old.equipment]),
            abs(e.difficulty - old.difficulty),
            book.catalogue.order[e.id],
        )

    return sorted(candidates, key=distance)


def _same_family(candidate: Exercise, old: Exercise, book: Playbook) -> bool:
    """Patterns that can stand in for each other because a slot accepts both."""
    return any(
        old.pattern in slot.patterns and candidate.pattern in slot.patterns
        for slot in book.layouts.slots.values()
    )


def swap_exercise(plan: Plan, book: Playbook, exercise_id: str, week: int | None = None) -> Plan:
    """A new plan with the exercise replaced (in one week or all); PlanError if nothing fits."""
    candidates = swap_candidates(plan, book, exercise_id, week)
    passing = {item.rule_id for item in audit_plan(plan, book) if item.status == "pass"}
    for candidate in candidates:
        swapped = replace_exercise(plan, book, exercise_id, candidate, week)
        after = {item.rule_id: item.status for item in audit_plan(swapped, book)}
        if all(after[rule_id] == "pass" for rule_id in passing):
            return swapped
    name = book.catalogue[exercise_id].name
    raise PlanError(
        f"no other exercise can replace {name} here without breaking one of the guide's rules "
        "(same movement and role, your equipment, injuries and session length)."
    )


def replace_exercise(
    plan: Plan, book: Playbook, old_id: str, new: Exercise, week: int | None
) -> Plan:
    swapped = plan.model_copy(deep=True)
    cite = swapped.rule_sources.__getitem__
    rules = book.rules
    changed: dict[int, Week] = {}
    for w, session, block in occurrences(swapped, old_id, week):
        if block.kind not in SWAPPABLE_BLOCKS:
            continue
        changed[w.number] = w
        ctx = week_context(w.number, w.phase, plan.request.experience, w.deload,
                           _phase_week(swapped, w), rules)  # fmt: skip
        rounds = block.rounds or 1
        block.exercises = [
            prescribe(new, x.slot, block.kind, ctx, rounds, rules, book.layouts, cite)
            if x.exercise_id == old_id
            else x
            for x in block.exercises
        ]
        block.minutes = block_minutes(block.kind, block.exercises, rounds, book.catalogue, rules,
                                      book.layouts.timing)  # fmt: skip
        session.minutes = session_minutes(session.blocks, _extra_minutes(session, book))
    # Minutes changed, so which session has room for strides may have changed too.
    for w in changed.values():
        add_strides(w.sessions, w.phase, w.deload, plan.request.minutes, rules, cite)
    swapped.revision += 1
    swapped.swaps.append(SwapRecord(old_id=old_id, new_id=new.id, week=week))
    return swapped


def _phase_week(plan: Plan, week: Week) -> int:
    return sum(1 for w in plan.weeks if w.phase == week.phase and w.number <= week.number)


def _extra_minutes(session: Session, book: Playbook) -> float:
    tests = {test["id"]: test["minutes"] for test in book.rules.param("retest", "tests")}
    extra = float(sum(tests.get(test.test_id, 0) for test in session.tests))
    if session.strides:
        extra += book.rules.param("strides", "minutes")
    return extra


def not_in_plan(plan: Plan, exercise_id: str, week: int | None) -> str:
    ids = sorted(swappable_ids(plan))
    where = f"week {week} of this plan" if week is not None else "this plan"
    return f"{exercise_id!r} is not in {where}; exercises you can swap: {', '.join(ids)}"
