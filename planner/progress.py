"""Progress at a glance, as data: main-lift load or version and effort by week, the plan's
phases and deloads, niggles and baseline tests (pure; `progress_picture` draws it).

Also the per-member flags a coaches' weekly summary reads (`member_flags`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from pydantic import BaseModel, Field

from planner.models import Phase, Plan, monday_of
from planner.training_log import BodyArea, SessionLog, TrainingLog


class WeekBand(BaseModel):
    """One plan week on the time axis: its phase and flags (shaded in the picture)."""

    start: date  # Monday
    plan_week: int
    phase: Phase
    deload: bool = False
    retest: bool = False
    race_week: bool = False


class LiftPoint(BaseModel):
    """A main lift as logged in one session."""

    week_start: date
    date: date
    exercise_id: str
    name: str
    load_kg: float | None = None
    version: str | None = None
    level: float | None = Field(None, description="Version level (1 = first version used).")
    effort: float | None = None
    target: float | None = None


class NiggleMark(BaseModel):
    date: date
    area: BodyArea
    score: int


class RetestMark(BaseModel):
    date: date
    test_id: str
    value: str


class WeekEffort(BaseModel):
    """Mean logged main-lift effort and the plan's mean target, per calendar week."""

    week_start: date
    effort: float
    target: float | None = None


class ProgressData(BaseModel):
    """Everything the progress picture shows (and `/progress` can print as text)."""

    member: str
    weeks: list[WeekBand]
    lifts: dict[str, str] = Field(description="Exercise id -> name, main lifts logged.")
    points: list[LiftPoint]
    efforts: list[WeekEffort]
    niggles: list[NiggleMark]
    retests: list[RetestMark]
    planned: int = Field(description="Sessions planned up to today.")
    done: int
    partly: int
    skipped: int


class MemberFlags(BaseModel):
    """What a coach's weekly summary says about one member (only for members who opted in)."""

    member: str
    logged_this_week: int
    last_logged: date | None = None
    fatigue: bool = False
    niggles: list[NiggleMark] = Field(default_factory=list)
    red_flag: bool = False


def progress_data(plans: Plan | Sequence[Plan], log: TrainingLog, today: date) -> ProgressData:
    """The member's progress over one plan or a season of plans, up to `today`."""
    plans = [plans] if isinstance(plans, Plan) else list(plans)
    plans = sorted(plans, key=lambda p: p.start_date)
    by_id = {plan.plan_id: plan for plan in plans}
    bands: dict[date, WeekBand] = {}
    for plan in plans:  # a later plan's week replaces an earlier plan's week it overlaps
        for week in plan.weeks:
            bands[week.start] = WeekBand(start=week.start, plan_week=week.number,
                                         phase=week.phase, deload=week.deload,
                                         retest=week.retest, race_week=week.race_week)  # fmt: skip
    mains = _main_targets(plans)
    entries = [e for e in log.entries if e.plan_id in by_id and e.date <= today]
    points: list[LiftPoint] = []
    levels: dict[str, dict[str, int]] = {}
    names: dict[str, str] = {}
    for entry in entries:
        if entry.status == "skipped":
            continue
        for x in entry.exercises:
            target = mains.get((entry.plan_id, entry.week, entry.session, x.exercise_id))
            if target is None:
                continue
            name, rpe = target
            names.setdefault(x.exercise_id, name)
            level = None
            if x.version and x.load is None:
                seen = levels.setdefault(x.exercise_id, {})
                level = seen.setdefault(x.version.strip().lower(), len(seen) + 1)
            points.append(LiftPoint(date=entry.date, week_start=monday_of(entry.date),
                                    exercise_id=x.exercise_id, name=name, load_kg=x.load_kg,
                                    version=x.version, level=level, effort=x.effort,
                                    target=rpe))  # fmt: skip
    return ProgressData(
        member=log.member,
        weeks=[bands[start] for start in sorted(bands)],
        lifts=dict(sorted(names.items())),
        points=points,
        efforts=_week_efforts(points),
        niggles=[
            NiggleMark(date=e.date, area=n.area, score=n.score) for e in entries for n in e.niggles
        ],
        retests=[
            RetestMark(date=e.date, test_id=t.test_id, value=t.value)
            for e in entries
            for t in e.tests
        ],
        planned=sum(1 for p in plans for _, s in p.sessions() if s.date <= today),
        done=sum(e.status == "done" for e in entries),
        partly=sum(e.status == "partly" for e in entries),
        skipped=sum(e.status == "skipped" for e in entries),
    )


MainKey = tuple[str, int, int, str]  # plan id, week, session number, exercise id


def _main_targets(plans: Sequence[Plan]) -> dict[MainKey, tuple[str, float | None]]:
    """(plan, week, session, exercise) -> (name, target RPE) of every main lift planned."""
    found: dict[MainKey, tuple[str, float | None]] = {}
    for plan in plans:
        for week, session in plan.sessions():
            for block in session.blocks:
                if block.kind == "main":
                    for x in block.exercises:
                        key = (plan.plan_id, week.number, session.number, x.exercise_id)
                        found[key] = (x.name, x.rpe)
    return found


def _week_efforts(points: Sequence[LiftPoint]) -> list[WeekEffort]:
    weeks: dict[date, list[LiftPoint]] = {}
    for point in points:
        if point.effort is not None:
            weeks.setdefault(point.week_start, []).append(point)
    efforts = []
    for start in sorted(weeks):
        group = weeks[start]
        targets = [p.target for p in group if p.target is not None]
        efforts.append(
            WeekEffort(
                week_start=start,
                effort=round(sum(p.effort or 0 for p in group) / len(group), 2),
                target=round(sum(targets) / len(targets), 2) if targets else None,
            )
        )
    return efforts


def recent(entries: Sequence[SessionLog], today: date, days: int = 7) -> list[SessionLog]:
    """Entries dated within the `days` days up to and including `today`."""
    since = today - timedelta(days=days - 1)
    return [e for e in entries if since <= e.date <= today]
