"""The planner's face for adapters (CLI, Discord): parse input, plan, explain, swap, audit,
and adapt a plan to the member's training log (see `planner/training_log.py`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, cast

from planner.adapt import AdaptedPlan, WarningSigns, adapt_plan, member_flags
from planner.audit import audit_plan
from planner.build import build_plan
from planner.errors import PlanError
from planner.explain import explain_exercise, explain_plan
from planner.models import DAYS, RUN_KINDS, AuditItem, Day, Plan, PlanRequest, RunKind
from planner.models import normalize_token as _normalize
from planner.playbook import Playbook, make_playbook
from planner.progress import MemberFlags, ProgressData, progress_data
from planner.swap import swap_exercise
from planner.training_log import TrainingLog
from retrieval.models import Chunk


class Planner:
    """Rules, catalogue and layouts with citations resolved once; then pure planning calls."""

    def __init__(
        self, chunks: Sequence[Chunk], *, last_good: Mapping[str, Chunk] | None = None
    ) -> None:
        self.book: Playbook = make_playbook(chunks, last_good=last_good)

    def plan(self, request: PlanRequest) -> Plan:
        return build_plan(request, self.book)

    def explain(self, plan: Plan, exercise_id: str | None = None) -> str:
        """Markdown reasons for the whole plan, or for one exercise (why it, its day, its load)."""
        if exercise_id is None:
            return explain_plan(plan, self.book)
        return explain_exercise(plan, self.book, exercise_id.strip())

    def swap(self, plan: Plan, exercise_id: str, week: int | None = None) -> Plan:
        return swap_exercise(plan, self.book, exercise_id.strip(), week)

    def audit(self, plan: Plan) -> list[AuditItem]:
        return audit_plan(plan, self.book)

    def adapt(
        self,
        plan: Plan,
        log: TrainingLog,
        today: date,
        *,
        warning_signs: WarningSigns | None = None,
    ) -> AdaptedPlan:
        """The plan (as made or swapped, never an adapted one) changed by the log as of `today`.

        Same plan, log and day give the same JSON. `warning_signs(note) -> labels` adds a red-flag
        matcher (the bot passes `answering.safety`) to the rule's own warning words.
        """
        return adapt_plan(plan, log, today, self.book, warning_signs=warning_signs)

    def progress(self, plans: Plan | Sequence[Plan], log: TrainingLog, today: date) -> ProgressData:
        """Data for `/progress`; draw it with `planner.progress_picture.render_progress_png`."""
        return progress_data(plans, log, today)

    def flags(
        self,
        log: TrainingLog,
        today: date,
        plan: Plan | None = None,
        *,
        warning_signs: WarningSigns | None = None,
    ) -> MemberFlags:
        """One member's line in the coaches' weekly summary: logging, fatigue, niggles."""
        return member_flags(log, today, self.book, plan, warning_signs=warning_signs)


def make_request(**fields: Any) -> PlanRequest:
    """A validated request, or one PlanError listing what to change."""
    return PlanRequest.parse(**fields)


def _tokens(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


def parse_runs(text: str) -> dict[Day, RunKind]:
    """`"tue:easy,thu:intervals,sun:long"` to {day: kind}; PlanError naming any bad token."""
    runs: dict[Day, RunKind] = {}
    for token in _tokens(text or ""):
        day_text, sep, kind_text = token.partition(":")
        if not sep or not day_text.strip() or not kind_text.strip():
            raise PlanError(f"run {token!r} should look like day:kind, e.g. tue:easy")
        try:
            day = _normalize("day", day_text, DAYS)
            kind = _normalize("run", kind_text, RUN_KINDS)
        except ValueError as err:
            raise PlanError(f"run {token!r}: {err}") from None
        if day in runs:
            raise PlanError(f"{day} is listed twice in the runs; give one run per day")
        runs[cast(Day, day)] = cast(RunKind, kind)  # checked against DAYS and RUN_KINDS above
    return runs


def parse_days(text: str) -> tuple[Day, ...]:
    """`"mon,wed,fri"` to days in week order; PlanError naming any bad token."""
    days: list[str] = []
    for token in _tokens(text or ""):
        try:
            days.append(_normalize("day", token, DAYS))
        except ValueError as err:
            raise PlanError(str(err)) from None
    return tuple(day for day in DAYS if day in days)


# Plan dates a club could mean; beyond them, week arithmetic reaches date.min/date.max.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)


def parse_date(text: str | None, name: str) -> date | None:
    """`"2027-03-14"` to a date, None when blank; PlanError naming the field otherwise."""
    if text is None or not text.strip():
        return None
    try:
        when = date.fromisoformat(text.strip())
    except ValueError:
        raise PlanError(f"{name} {text!r} is not a date: use YYYY-MM-DD, e.g. 2025-05-04") from None
    if not EARLIEST_DATE <= when <= LATEST_DATE:
        # A fixed window, not one around the clock: the core never reads today's date.
        raise PlanError(
            f"{name} {when.isoformat()} is out of range: give a date between "
            f"{EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}"
        )
    return when
