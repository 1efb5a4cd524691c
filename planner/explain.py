"""`explain`: why these days, this exercise and this load, each reason with its source."""

from __future__ import annotations

from planner.errors import PlanError
from planner.models import DAY_NAMES, Plan, Prescription, Session, Week
from planner.playbook import Playbook
from planner.swap import swap_candidates, swappable_ids


def cites(numbers: list[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)


def sources_used(plan: Plan, text: str) -> str:
    lines = [
        f"[{ref.n}] {ref.title} › {ref.heading} — {ref.source}"
        for ref in plan.sources
        if f"[{ref.n}]" in text
    ]
    return "**Sources**\n" + "\n".join(lines)


def explain_plan(plan: Plan, book: Playbook) -> str:
    """Why the plan looks the way it does: phase, days, frequency, loads, deloads and tests."""
    cite = plan.cite
    request = plan.request
    lines = ["**Why this plan**", f"- {plan.phase_reason} {cites([cite(_phase_rule(plan))])}"]
    lines.append("- **Days**")
    lines += [f"  - {choice.reason} {cites(choice.cites)}" for choice in plan.days]
    sessions = _first_full_week(plan)
    if sessions is not None:
        per_week = len(sessions.sessions)
        lines.append(
            f"- **{per_week} session{'s' * (per_week > 1)} a week** for a runner with "
            f"{request.experience} lifting experience in the {sessions.phase} phase "
            f"{cites([cite('frequency'), cite('phase-' + sessions.phase)])}"
        )
        for session in sessions.sessions:
            mains = ", ".join(x.name for x in _block(session, "main"))
            lines.append(
                f"  - {session.label} on {DAY_NAMES[session.day]}: {session.focus.lower()} "
                f"({mains}) {cites([cite('rotate-focus'), cite('compound-first')])}"
            )
    deloads = [str(w.number) for w in plan.weeks if w.deload]
    if deloads:
        lines.append(f"- Lighter deload weeks: {', '.join(deloads)} {cites([cite('deload')])}")
    tests = [str(w.number) for w in plan.weeks if w.retest]
    if tests:
        lines.append(f"- Baseline tests in weeks {', '.join(tests)} {cites([cite('retest')])}")
    lines.append(
        f"- Log every session: {', '.join(plan.log_fields)} {cites([cite('training-log')])}"
    )
    lines += [f"- {note}" for note in plan.notes]
    if plan.adaptations:
        lines.append("- **Changes from your training log**, each from the guide's rule:")
        lines += [
            f"  - Week {c.week}: {c.text} ({book.rules[c.rule_id].text}) {cites([c.cite])}"
            for c in plan.adaptations
        ]
    text = "\n".join(lines)
    return text + "\n\n" + sources_used(plan, text)


def explain_exercise(plan: Plan, book: Playbook, exercise_id: str) -> str:
    """Why this exercise, on these days, at this load; and what it could be swapped for."""
    found = [
        (week, session, x)
        for week, session in plan.sessions()
        for block in session.blocks
        for x in block.exercises
        if x.exercise_id == exercise_id
    ]
    if not found:
        ids = sorted(
            {x.exercise_id for _, s in plan.sessions() for b in s.blocks for x in b.exercises}
        )
        raise PlanError(f"{exercise_id!r} is not in this plan; its exercises: {', '.join(ids)}")
    exercise = book.catalogue[exercise_id]
    week, _, first = found[0]
    request = plan.request
    slot = book.layouts.slots.get(first.slot)
    if slot is not None:
        why_slot, rule_id = slot.label, slot.rule
    elif first.slot in ("warm-up", "cool-down"):
        why_slot, rule_id = first.slot, first.slot
    else:
        why_slot, rule_id = "top-up so the session covers every muscle group", "full-body"
    cite = plan.cite
    muscles = ", ".join(exercise.primary)
    lines = [
        f"**Why {exercise.name}**",
        f"- **What:** {exercise.pattern.replace('-', ' ')}, {exercise.laterality}, "
        f"trains {muscles}; equipment: {exercise.equipment}. {exercise.cue}",
        f"- **Why this exercise:** it fills the {why_slot} slot: "
        f"{book.rules[rule_id].text} {cites([cite(rule_id)])}",
        f"- It fits your equipment ({', '.join(request.equipment)}), your avoid list "
        f"({', '.join(request.avoid) or 'nothing'}) and your lifting experience "
        f"({request.experience}; difficulty {exercise.difficulty} of 3) "
        f"{cites([cite('progression')])}",
    ]
    days = sorted(
        {(s.label, s.day, s.placement.text, tuple(s.placement.cites)) for _, s, _ in found}
    )
    for label, day, text, numbers in days:
        lines.append(f"- **Why {DAY_NAMES[day]}** (session {label}): {text} {cites(list(numbers))}")
    lines.append(f"- **Why this load (week {week.number}, {week.phase}):** {_describe(first)}")
    changes = _load_changes(found)
    if changes:
        lines.append("- **How it changes:** " + "; ".join(changes))
    logged = [c for c in plan.adaptations if c.exercise_id == exercise_id]
    if logged:
        lines += [
            f"- **From your training log:** {c.text} ({book.rules[c.rule_id].text}) "
            f"{cites([c.cite])}"
            for c in logged
        ]
    alternatives = (
        swap_candidates(plan, book, exercise_id)[:3] if exercise_id in swappable_ids(plan) else []
    )
    if alternatives:
        names = ", ".join(f"{e.name} (`{e.id}`)" for e in alternatives)
        lines.append(f"- **Swap options:** {names}")
    text = "\n".join(lines)
    return text + "\n\n" + sources_used(plan, text)


def _describe(x: Prescription) -> str:
    parts = [f"{x.sets} × {x.reps}"]
    if x.tempo:
        parts.append(f"tempo {x.tempo}")
    if x.rest_s:
        parts.append(f"rest {x.rest_s} s")
    return ", ".join(parts) + f". {x.load} {cites(x.cites)}"


def _load_changes(found: list[tuple[Week, Session, Prescription]]) -> list[str]:
    changes: list[str] = []
    previous: tuple | None = None
    for week, _, x in found:
        key = (x.sets, x.reps, x.rpe)
        if previous is not None and key != previous:
            rpe = f" at RPE {x.rpe:g}" if x.rpe is not None else ""
            why = " (deload)" if week.deload else f" ({week.phase})"
            changes.append(f"week {week.number}: {x.sets} × {x.reps}{rpe}{why}")
        previous = key
    seen: list[str] = []
    for change in changes:
        if change not in seen:
            seen.append(change)
    return seen[:8]


def _first_full_week(plan: Plan) -> Week | None:
    weeks = [w for w in plan.weeks if w.sessions]
    full = [w for w in weeks if not w.partial and not w.race_week]
    candidates = full or weeks
    return candidates[0] if candidates else None


def _block(session: Session, kind: str) -> list[Prescription]:
    return next((b.exercises for b in session.blocks if b.kind == kind), [])


def _phase_rule(plan: Plan) -> str:
    return f"phase-{plan.weeks[0].phase}"
