"""Audit checks of the adaptation rules: each change the log made is really in the plan.

Registered into `planner.audit.CHECKERS` by `planner.audit`; a plan with no change from a rule
gets n/a for it. Worked out from the plan and the rule parameters, not with `planner.adapt`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from planner.catalogue import AVOID_IMPLIES
from planner.models import Change, Plan, Session, Status, Week
from planner.playbook import Playbook

Verdict = tuple[Status, str]
AdaptChecker = Callable[[Plan, Playbook, dict], Verdict]
ADAPT_CHECKERS: dict[str, AdaptChecker] = {}


def _checker(rule_id: str) -> Callable[[AdaptChecker], AdaptChecker]:
    def register(func: AdaptChecker) -> AdaptChecker:
        ADAPT_CHECKERS[rule_id] = func
        return func

    return register


def _changes(plan: Plan, rule_id: str) -> list[Change]:
    return [c for c in plan.adaptations if c.rule_id == rule_id]


def _find(plan: Plan, change: Change) -> tuple[Week, Session] | None:
    return next(
        (
            (w, s)
            for w, s in plan.sessions()
            if w.number == change.week and s.number == change.session
        ),
        None,
    )


def _common(plan: Plan, rule_id: str, changes: list[Change]) -> list[str]:
    """Every change cites its rule's passage and, when it names a session, that session exists."""
    problems = []
    for change in changes:
        if change.cite != plan.rule_sources.get(rule_id):
            problems.append(f"week {change.week}: a change cites [{change.cite}], not its rule")
        if change.session is not None and _find(plan, change) is None:
            problems.append(f"week {change.week} has no session {change.session}")
    return problems


def _verdict(problems: list[str], ok: str) -> Verdict:
    if problems:
        return "fail", "; ".join(problems[:3]) + (
            f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
        )
    return "pass", ok


def _load_check(rule_id: str, needs_suggestion: bool) -> AdaptChecker:
    def check(plan: Plan, book: Playbook, params: dict) -> Verdict:
        changes = _changes(plan, rule_id)
        if not changes:
            return "n/a", "no main lift logged for this rule"
        problems = _common(plan, rule_id, changes)
        for change in changes:
            found = _find(plan, change)
            if found is None:
                continue
            lifts = [
                x for b in found[1].blocks if b.kind == "main" for x in b.exercises
                if x.exercise_id == change.exercise_id
            ]  # fmt: skip
            if not lifts:
                problems.append(
                    f"week {change.week}: {change.exercise_id} is not a main lift there"
                )
            elif needs_suggestion and not lifts[0].suggestion:
                problems.append(f"week {change.week}: {change.exercise_id} has no new load")
        return _verdict(problems, f"{len(changes)} main lift(s) adjusted from the log")

    return check


ADAPT_CHECKERS["adapt-progress"] = _load_check("adapt-progress", True)
ADAPT_CHECKERS["adapt-hold"] = _load_check("adapt-hold", False)
ADAPT_CHECKERS["adapt-back-off"] = _load_check("adapt-back-off", True)


@_checker("adapt-fatigue")
def _fatigue(plan: Plan, book: Playbook, params: dict) -> Verdict:
    changes = [c for c in _changes(plan, "adapt-fatigue") if c.kind == "trim-accessories"]
    if not changes:
        return "n/a", "no fatigue in the log"
    problems = _common(plan, "adapt-fatigue", changes)
    floor = book.rules.param("accessory-circuit", "min_rounds")
    for change in changes:
        found = _find(plan, change)
        if found is None:
            continue
        week, session = found
        accessory = next((b for b in session.blocks if b.kind == "accessory"), None)
        if (
            accessory
            and accessory.exercises
            and (accessory.rounds or 0) > floor
            and not week.deload
        ):
            problems.append(f"week {week.number} {session.day}: accessories not trimmed")
        main = next(b for b in session.blocks if b.kind == "main")
        if not main.exercises:
            problems.append(f"week {week.number} {session.day}: main lifts cut")
    return _verdict(problems, "accessories trimmed first, main lifts kept")


@_checker("adapt-deload")
def _deload(plan: Plan, book: Playbook, params: dict) -> Verdict:
    changes = [c for c in _changes(plan, "adapt-deload") if c.kind == "deload"]
    if not changes:
        return "n/a", "no deload brought forward"
    problems = _common(plan, "adapt-deload", changes)
    factor = book.rules.param("deload", "sets_factor")
    for change in changes:
        week = next((w for w in plan.weeks if w.number == change.week), None)
        if week is None or not week.deload:
            problems.append(f"week {change.week} is not a deload")
            continue
        full = book.rules.phase(week.phase)["main"]["sets"][plan.request.experience]
        want = max(1, math.ceil(full * factor))
        for session in week.sessions:
            main = next(b for b in session.blocks if b.kind == "main")
            if any(x.sets != want for x in main.exercises):
                problems.append(f"week {week.number} {session.day}: deload sets are not {want}")
    weeks = ", ".join(str(c.week) for c in changes)
    return _verdict(problems, f"deload brought forward to week {weeks}")


@_checker("adapt-red-flag")
def _red_flag(plan: Plan, book: Playbook, params: dict) -> Verdict:
    changes = _changes(plan, "adapt-red-flag")
    if not changes:
        return "n/a", "no niggle or warning sign at the threshold"
    problems = _common(plan, "adapt-red-flag", changes)
    # A change naming a session re-made the plan from that week on without the area.
    for change in changes:
        area = change.area
        if area is None or change.session is None:
            continue
        blocked = {area, *AVOID_IMPLIES.get(area, ())}
        if area not in plan.request.avoid:
            problems.append(f"the plan does not avoid the {area}")
        for week, session in plan.sessions():
            if week.number < change.week:
                continue
            for block in session.blocks:
                for x in block.exercises:
                    hit = blocked.intersection(book.catalogue[x.exercise_id].avoid)
                    if hit:
                        where = ", ".join(sorted(hit))
                        problems.append(
                            f"week {week.number} {session.day}: {x.name} loads the {where}"
                        )
    areas = sorted({c.area for c in changes if c.area is not None}) or ["what hurts"]
    return _verdict(problems, f"stopped what loads the {', '.join(areas)}; see a physiotherapist")


@_checker("adapt-missed")
def _missed(plan: Plan, book: Playbook, params: dict) -> Verdict:
    changes = _changes(plan, "adapt-missed")
    if not changes:
        return "n/a", "no missed session"
    problems = _common(plan, "adapt-missed", changes)
    dates = [s.date for _, s in plan.sessions()]
    if len(dates) != len(set(dates)):
        problems.append("two sessions on one day")
    for change in changes:
        found = _find(plan, change) if change.kind == "re-placed" else None
        if found is None:
            continue
        week, session = found
        if not week.start <= session.date <= week.start.fromordinal(week.start.toordinal() + 6):
            problems.append(f"week {week.number}: a session moved out of its week")
        if session.day not in plan.request.free_days:
            problems.append(f"week {week.number}: a session moved to {session.day}, not a free day")
    moved = sum(c.kind == "re-placed" for c in changes)
    return _verdict(problems, f"{moved} re-placed, {len(changes) - moved} dropped, none doubled up")


@_checker("adapt-retest")
def _retest(plan: Plan, book: Playbook, params: dict) -> Verdict:
    changes = _changes(plan, "adapt-retest")
    if not changes:
        return "n/a", "every baseline test so far is logged, or none is due"
    return _verdict(_common(plan, "adapt-retest", changes), "a missed baseline test made up")
