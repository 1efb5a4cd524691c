"""What an injury changed: the plan compared with the one the runner would get without it."""

from __future__ import annotations

from planner.catalogue import Exercise, expand_avoid, kit_for
from planner.models import PlanRequest
from planner.playbook import Playbook
from planner.selection import Selector, SessionPicks


def injury_notes(
    request: PlanRequest, book: Playbook, picks: tuple[SessionPicks, ...], lifts: int, cite: int
) -> list[str]:
    """One line per session whose exercises changed because of the avoid list, saying why."""
    if not request.avoid or not picks:
        return []
    blocked = expand_avoid(request.avoid)
    limit = book.rules.param("progression", "max_difficulty")[request.experience]
    unhurt = book.catalogue.allowed(kit_for(request.equipment), (), limit)
    selector = Selector(unhurt, book.layouts, book.rules, book.catalogue.order)
    usual = selector.choose_week(len(picks), frozenset(), lifts).sessions
    notes: list[str] = []
    dropped: dict[str, str] = {}
    for session, plain in zip(picks, usual, strict=True):
        changes = [
            _change(new.exercise, old.exercise, blocked)
            for new, old in zip(session.main, plain.main, strict=False)
            if new.exercise.id != old.exercise.id and blocked.intersection(old.exercise.avoid)
        ]
        if changes:
            notes.append(
                f"Because you avoid {', '.join(request.avoid)}, session {session.label}'s main "
                f"lifts changed: {'; '.join(changes)} [{cite}]."
            )
        kept = {e.id for s in picks for e in (*s.trained(), *s.warm_up, *s.cool_down)}
        for e in (*plain.trained(), *plain.warm_up, *plain.cool_down):
            hit = blocked.intersection(e.avoid)
            if e.id not in kept and hit and e not in [p.exercise for p in plain.main]:
                dropped.setdefault(e.name, ", ".join(sorted(hit)))
    if dropped:
        names = "; ".join(f"{name} ({why})" for name, why in dropped.items())
        notes.append(f"Left out because of your avoid list: {names}.")
    return notes


def _change(new: Exercise, old: Exercise, blocked: frozenset[str]) -> str:
    why = ", ".join(sorted(blocked.intersection(old.avoid)))
    how = "a knee-friendly version" if new.substitute_for else "the nearest lift that spares it"
    return f"{new.name} instead of {old.name} (it loads the {why}; this is {how})"
