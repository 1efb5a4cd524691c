"""Training logs built against a plan for the adaptation tests (dates come from the plan)."""

from __future__ import annotations

from typing import Any

from planner.models import Plan, Prescription, Session, Week
from planner.training_log import SessionLog, TrainingLog

MEMBER = "member-1"


def main_lifts(session: Session) -> list[Prescription]:
    return [x for b in session.blocks if b.kind == "main" for x in b.exercises]


def session_at(plan: Plan, week: int, label: str) -> tuple[Week, Session]:
    return next((w, s) for w, s in plan.sessions() if w.number == week and s.label == label)


def log_session(
    plan: Plan,
    week: Week,
    session: Session,
    *,
    off_target: float = 0.0,
    load: float | None = 20.0,
    version: str | None = None,
    status: str = "done",
    tests: bool = True,
    **fields: Any,
) -> SessionLog:
    """Every main lift logged `off_target` RPE from the plan's target (its tests done too)."""
    exercises = [
        {
            "exercise_id": x.exercise_id,
            "load": load,
            "unit": "kg" if load is not None else None,
            "version": version,
            "sets": x.sets,
            "reps": 8,
            "rpe": min(10.0, max(1.0, (x.rpe or 7) + off_target)),
        }
        for x in main_lifts(session)
    ]
    results = (
        [{"test_id": t.test_id, "value": "as last time"} for t in session.tests] if tests else []
    )
    return SessionLog.parse(
        member=MEMBER, plan_id=plan.plan_id, week=week.number, session=session.number,
        day=session.day, date=session.date, status=status,
        exercises=exercises if status != "skipped" else [], tests=results, **fields,
    )  # fmt: skip


def log_of(*entries: SessionLog) -> TrainingLog:
    return TrainingLog.of(MEMBER, entries)
