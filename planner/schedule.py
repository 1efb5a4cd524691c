"""Choosing lifting days around the runner's week: which free days work and which to use."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations, pairwise
from typing import Literal

from planner.errors import PlanError
from planner.models import DAY_NAMES, DAYS, Day, Phase, Placement, PlanRequest, RunKind
from planner.rules import RuleBook


@dataclass(frozen=True)
class DayOption:
    """A free day that may take a session, and its neighbours in the running week."""

    day: Day
    index: int
    run_today: RunKind | None
    run_before: RunKind | None
    run_after: RunKind | None
    after_hard: bool

    @property
    def same_day(self) -> bool:
        return self.run_today is not None


@dataclass(frozen=True)
class Rejection:
    day: Day
    run: RunKind | None
    reason: str
    rule_id: str


def neighbours(runs: dict[Day, RunKind], index: int) -> tuple[RunKind | None, RunKind | None]:
    return runs.get(DAYS[(index - 1) % 7]), runs.get(DAYS[(index + 1) % 7])


def day_options(request: PlanRequest, rules: RuleBook) -> tuple[list[DayOption], list[Rejection]]:
    """Split the free days into usable options and rejections, each with its reason."""
    hard = set(rules.param("hard-run-recovery", "hard_runs"))
    days_before = rules.param("hard-run-recovery", "days_before")
    same_day_ok = set(rules.param("separate-days", "same_day_runs"))
    options: list[DayOption] = []
    rejected: list[Rejection] = []
    for day in request.free_days:
        index = DAYS.index(day)
        run = request.runs.get(day)
        before, after = neighbours(request.runs, index)
        name = DAY_NAMES[day]
        if run in hard:
            reason = f"{name} has your {run} run: no lifting on a hard-run day."
            rejected.append(Rejection(day, run, reason, "hard-run-recovery"))
        elif run is not None and run not in same_day_ok:
            reason = f"{name} has your {run} run, which can't share a day with lifting."
            rejected.append(Rejection(day, run, reason, "separate-days"))
        elif (ahead := hard_run_ahead(request.runs, index, hard, days_before)) is not None:
            steps, kind = ahead
            when = "the day before" if steps == 1 else f"{steps} days before"
            reason = (
                f"{name} is {when} your {kind} run on {DAY_NAMES[DAYS[(index + steps) % 7]]}: "
                "lifting would leave your legs tired for it."
            )
            rejected.append(Rejection(day, run, reason, "hard-run-recovery"))
        else:
            options.append(DayOption(day, index, run, before, after, before in hard))
    if not options:
        raise PlanError(no_day_message(request, rejected, hard, days_before))
    return options, rejected


def hard_run_ahead(
    runs: dict[Day, RunKind], index: int, hard: set[str], days_before: int
) -> tuple[int, RunKind] | None:
    """The first hard run within `days_before` days after this one (steps ahead, kind)."""
    for steps in range(1, days_before + 1):
        kind = runs.get(DAYS[(index + steps) % 7])
        if kind in hard:
            return steps, kind
    return None


def no_day_message(
    request: PlanRequest, rejected: Sequence[Rejection], hard: set[str], days_before: int = 1
) -> str:
    why = " ".join(rejection.reason for rejection in rejected)
    usable = [
        DAY_NAMES[day]
        for index, day in enumerate(DAYS)
        if day not in request.free_days
        and request.runs.get(day) not in hard
        and hard_run_ahead(request.runs, index, hard, days_before) is None
    ]
    if usable:
        fix = "add a free day that works: " + (
            usable[0] if len(usable) == 1 else ", ".join(usable[:-1]) + " or " + usable[-1]
        )
    else:
        fix = "make one of your hard runs easy, or drop one, to open a day for lifting"
    return f"none of your free days works for lifting. {why} To fix it: {fix}."


@dataclass(frozen=True)
class Spacing:
    """How far apart lifting days must be, and whether the day after a hard run ranks lower."""

    gap: int = 2  # days from one lifting day to the next (2 = one day between)
    avoid_after_hard: bool = True

    @classmethod
    def from_rules(cls, rules: RuleBook) -> Spacing:
        return cls(
            gap=rules.param("non-consecutive", "min_days_between") + 1,
            avoid_after_hard=bool(rules.param("hard-run-recovery", "prefer_gap_after")),
        )


def pick_days(
    options: Iterable[DayOption],
    count: int,
    *,
    spacing: Spacing = Spacing(),
    cyclic: bool = True,
    allowed: Callable[[DayOption], bool] | None = None,
) -> list[DayOption]:
    """The best `count` well-spaced days (fewer when impossible); deterministic."""
    pool = [option for option in options if allowed is None or allowed(option)]
    for size in range(min(count, len(pool)), 0, -1):
        best: tuple | None = None
        best_combo: tuple[DayOption, ...] = ()
        for combo in combinations(pool, size):
            if not spaced(combo, spacing.gap, cyclic=cyclic):
                continue
            score = (
                sum(not option.same_day for option in combo),
                -sum(option.after_hard for option in combo) if spacing.avoid_after_hard else 0,
                min_gap(combo, cyclic=cyclic),
                tuple(-option.index for option in combo),
            )
            if best is None or score > best:
                best, best_combo = score, combo
        if best_combo:
            return list(best_combo)
    return []


def spaced(combo: Sequence[DayOption], gap: int, *, cyclic: bool) -> bool:
    indices = [option.index for option in combo]
    if any(b - a < gap for a, b in pairwise(indices)):
        return False
    return not (cyclic and len(indices) > 1 and indices[0] + 7 - indices[-1] < gap)


def min_gap(combo: Sequence[DayOption], *, cyclic: bool) -> int:
    indices = [option.index for option in combo]
    gaps = [b - a for a, b in pairwise(indices)]
    if cyclic or len(indices) == 1:
        gaps.append(indices[0] + 7 - indices[-1])
    return min(gaps)


def session_order(phase: Phase, rules: RuleBook) -> Literal["lift-first", "run-first"] | None:
    """Which comes first on a shared day in this phase; None when the rules name neither."""
    if phase in rules.param("priority-first", "lift_first"):
        return "lift-first"
    if phase in rules.param("priority-first", "run_first"):
        return "run-first"
    return None


def place(
    option: DayOption, phase: Phase, rules: RuleBook, cite: Callable[[str], int]
) -> Placement:
    """Where the session sits among the runs, and the order of run and lift on a shared day."""
    if option.run_today is None:
        parts = ["Rest day from running"]
        cites = [cite("separate-days")]
        if option.run_before is not None:
            parts.append(f"the day after your {option.run_before} run")
        if option.after_hard:
            parts[-1] += " (keep it controlled if your legs are still heavy)"
            cites.append(cite("hard-run-recovery"))
        if option.run_after is not None:
            parts.append(f"before an {option.run_after} run" if option.run_after[0] in "aeiou"
                         else f"before a {option.run_after} run")  # fmt: skip
        return Placement(
            kind="rest-day",
            run_before=option.run_before,
            run_after=option.run_after,
            text="; ".join(parts) + ".",
            cites=cites,
        )
    hours = rules.param("separate-days", "min_hours_apart")
    order = session_order(phase, rules)
    if order == "lift-first":
        text = f"Same day as your {option.run_today} run: lift first, run at least {hours} h later"
    elif order == "run-first":
        text = f"Same day as your {option.run_today} run: run first, lift at least {hours} h later"
    else:
        text = f"Same day as your {option.run_today} run: either order, at least {hours} h apart"
    return Placement(
        kind="same-day",
        run_today=option.run_today,
        run_before=option.run_before,
        run_after=option.run_after,
        order=order,
        min_hours_apart=hours,
        text=text + ".",
        cites=[cite("separate-days"), cite("priority-first")],
    )
