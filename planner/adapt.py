"""`adapt_plan`: a plan and the member's training log in, the plan as the guides say to change it.

Pure and deterministic: `today` is passed in, nothing is read from a clock or a file, and the
plan is always re-adapted from the plan as built (or swapped), so the same log gives the same
plan. Each change names the rule of `planner/data/adapt_rules.yaml` behind it and its [n].
Only sessions on or after `today` that are not logged yet are changed; the past stays as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from planner.book import Playbook
from planner.errors import PlanError
from planner.models import (
    Change,
    ChangeKind,
    Plan,
    Session,
    Week,
)
from planner.progress import MemberFlags, NiggleMark, recent
from planner.training_log import SessionLog, TrainingLog

# A note's warning signs: labels of what was found ([] for none). The bot passes
# `answering.safety.detect_red_flags` through this seam; the planner never imports answering.
WarningSigns = Callable[[str], Sequence[str]]
Verdict = Literal["progress", "hold", "back-off"]

_KIND_ORDER: dict[str, int] = {
    kind: i
    for i, kind in enumerate(
        ("red-flag", "dropped", "re-placed", "deload", "trim-accessories", "retest", "back-off",
         "hold", "progress")
    )
}  # fmt: skip


class AdaptedPlan(BaseModel):
    """The adapted plan, the changes made (each with its rule and [n]) and what the log shows."""

    plan: Plan
    changes: list[Change]
    as_of: date
    next_session: tuple[int, int] | None = Field(
        None, description="(week, session number) of the first session still to do."
    )
    fatigue: bool = Field(False, description="The log shows fatigue building (adapt-fatigue).")

    @property
    def red_flags(self) -> list[Change]:
        return [change for change in self.changes if change.kind == "red-flag"]

    def changes_for(self, week: int, session: int | None = None) -> list[Change]:
        return [
            c
            for c in self.changes
            if c.week == week and (session is None or c.session in (None, session))
        ]


@dataclass(frozen=True)
class _Effort:
    """One logged main lift next to the plan's target for it."""

    entry: SessionLog
    exercise_id: str
    target: float
    effort: float

    @property
    def gap(self) -> float:
        return self.effort - self.target


def adapt_plan(
    plan: Plan,
    log: TrainingLog,
    today: date,
    book: Playbook,
    *,
    warning_signs: WarningSigns | None = None,
) -> AdaptedPlan:
    """The plan adapted to the log as of `today`; PlanError if `plan` is itself an adapted one."""
    if plan.adaptations:
        raise PlanError(
            "this plan has already been adapted; adapt the plan as it was made (or swapped), "
            "so the same log always gives the same plan"
        )
    run = _Adaptation(plan, log, today, book, warning_signs)
    return run.result()


class _Adaptation:
    """One adaptation run: a working copy of the plan and the changes made to it so far."""

    def __init__(
        self,
        plan: Plan,
        log: TrainingLog,
        today: date,
        book: Playbook,
        warning_signs: WarningSigns | None,
    ) -> None:
        self.base = plan
        self.book = book
        self.rules = book.rules
        self.today = today
        self.warning_signs = warning_signs
        planned = {(w.number, s.number) for w, s in plan.sessions()}
        self.entries = [e for e in log.for_plan(plan.plan_id) if (e.week, e.session) in planned]
        self.logged = {(e.week, e.session) for e in self.entries}
        self.plan = plan.model_copy(deep=True)
        # Plans made before the adaptation rules existed lack their sources: take the book's.
        self.plan.sources = list(book.sources)
        self.plan.rule_sources = dict(book.rule_sources)
        self.changes: list[Change] = []
        self.fatigue = False

    # -- helpers ---------------------------------------------------------------------------
    def cite(self, rule_id: str) -> int:
        return self.book.rule_sources[rule_id]

    def param(self, rule_id: str, name: str):
        return self.rules.param(rule_id, name)

    def change(
        self,
        rule_id: str,
        kind: ChangeKind,
        week: int,
        text: str,
        *,
        session: int | None = None,
        exercise_id: str | None = None,
        area: str | None = None,
    ) -> None:
        self.changes.append(
            Change(rule_id=rule_id, kind=kind, week=week, session=session,
                   exercise_id=exercise_id, area=area, text=text, cite=self.cite(rule_id))
        )  # fmt: skip

    def upcoming(self) -> list[tuple[Week, Session]]:
        """Sessions still to do: today or later, not logged yet, in date order."""
        found = [
            (w, s)
            for w, s in self.plan.sessions()
            if s.date >= self.today and (w.number, s.number) not in self.logged
        ]
        return sorted(found, key=lambda ws: (ws[1].date, ws[0].number, ws[1].number))

    def week(self, number: int) -> Week:
        return next(w for w in self.plan.weeks if w.number == number)

    def result(self) -> AdaptedPlan:
        self._red_flags()
        self._missed()
        self._loads()
        self._fatigue()
        self._retests()
        self.changes.sort(
            key=lambda c: (c.week, c.session or 0, _KIND_ORDER[c.kind], c.exercise_id or "")
        )
        self.plan.adaptations = list(self.changes)
        self.plan.adapted_on = self.today
        # Every import of a re-adapted calendar carries a higher SEQUENCE (render_ics).
        self.plan.revision = self.base.revision + 1 + len(self.entries)
        upcoming = self.upcoming()
        nxt = (upcoming[0][0].number, upcoming[0][1].number) if upcoming else None
        return AdaptedPlan(plan=self.plan, changes=list(self.changes), as_of=self.today,
                           next_session=nxt, fatigue=self.fatigue)  # fmt: skip

    # -- rules -----------------------------------------------------------------------------
    def _red_flags(self) -> None:
        """A niggle at the threshold or warning signs: re-make the weeks ahead around the area."""

    def _missed(self) -> None:
        """Skipped sessions: moved to a later free day of the same week, or dropped."""

    def _loads(self) -> None:
        """Progress, hold or back off each main lift from its logged effort."""

    def _fatigue(self) -> None:
        """Fatigue signs: accessories trimmed first, then the deload brought forward."""

    def _retests(self) -> None:
        """A baseline test week that passed with no result logged: the test at the next session."""


def member_flags(
    log: TrainingLog,
    today: date,
    book: Playbook,
    plan: Plan | None = None,
    *,
    warning_signs: WarningSigns | None = None,
) -> MemberFlags:
    """Logging in the last 7 days, fatigue signs and niggles, for the coaches' summary."""
    entries = [e for e in log.entries if e.date <= today]
    week = recent(entries, today)
    niggle_from = book.rules.param("adapt-fatigue", "niggle_from")
    flags = MemberFlags(
        member=log.member,
        logged_this_week=len(week),
        last_logged=entries[-1].date if entries else None,
        niggles=[
            NiggleMark(date=e.date, area=n.area, score=n.score)
            for e in week
            for n in e.niggles
            if n.score >= niggle_from
        ],
    )
    if plan is not None:
        adapted = adapt_plan(plan, log, today, book, warning_signs=warning_signs)
        flags.fatigue = adapted.fatigue
        flags.red_flag = bool(adapted.red_flags)
    return flags
