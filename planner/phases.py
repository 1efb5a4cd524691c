"""Training phase of each plan week: chosen by the runner, or counted back from a race date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from planner.models import Phase, PlanRequest, monday_of
from planner.rules import RuleBook


@dataclass(frozen=True)
class WeekFrame:
    """The calendar frame of one plan week: its phase and the dates sessions may use."""

    number: int
    start: date  # the Monday
    phase: Phase
    first_day: date  # no session before this (the plan's start in week 1)
    last_day: date  # no session after this (race week cut-off)
    partial: bool  # starts after Monday (the plan's first week)
    cut_short: bool  # ends before Sunday (race cut-off)
    race_week: bool
    deload: bool


def phase_for_race(weeks_out: int, rules: RuleBook) -> Phase:
    """Phase of a week that lies `weeks_out` calendar weeks before the race week (0 = race week)."""
    if weeks_out < rules.param("phase-taper", "weeks_before_race"):
        return "taper"
    if weeks_out < rules.param("phase-build", "weeks_before_race"):
        return "build"
    return "base"


def frame_weeks(request: PlanRequest, rules: RuleBook) -> tuple[list[WeekFrame], str, list[str]]:
    """Week frames, a sentence saying where the phases come from, and notes for the runner."""
    first_monday = monday_of(request.start_date)
    weeks = request.weeks
    notes: list[str] = []
    race_monday = monday_of(request.race_date) if request.race_date else None
    if race_monday is not None:
        race_week = (race_monday - first_monday).days // 7 + 1
        if race_week < weeks:
            notes.append(
                f"The plan stops at your race week (week {race_week}) instead of {weeks} weeks; "
                "make a new plan after the race."
            )
            weeks = race_week
    every = rules.param("deload", "every_weeks")
    deload_phases = rules.param("deload", "phases")
    cutoff_days = rules.param("phase-taper", "last_session_days_before_race")
    frames: list[WeekFrame] = []
    for index in range(weeks):
        monday = first_monday + timedelta(weeks=index)
        number = index + 1
        if race_monday is not None:
            phase = phase_for_race((race_monday - monday).days // 7, rules)
        else:
            phase = request.effective_phase
        is_race_week = race_monday is not None and monday == race_monday
        last_day = monday + timedelta(days=6)
        if request.race_date is not None:
            last_day = min(last_day, request.race_date - timedelta(days=cutoff_days))
        first_day = request.start_date if index == 0 else monday
        frames.append(
            WeekFrame(
                number=number,
                start=monday,
                phase=phase,
                first_day=first_day,
                last_day=last_day,
                partial=first_day > monday,
                cut_short=last_day < monday + timedelta(days=6),
                race_week=is_race_week,
                deload=number % every == 0 and phase in deload_phases,
            )
        )
    return frames, describe_phases(request, frames), notes


def describe_phases(request: PlanRequest, frames: list[WeekFrame]) -> str:
    if request.race_date is None:
        chosen = "you chose it" if request.phase else "no phase or race date given"
        return f"Phase: {request.effective_phase} for every week ({chosen})."
    runs: list[list] = []
    for frame in frames:
        if runs and runs[-1][0] == frame.phase:
            runs[-1][2] = frame.number
        else:
            runs.append([frame.phase, frame.number, frame.number])
    spans = [
        f"{phase} week {first}" if first == last else f"{phase} weeks {first}–{last}"
        for phase, first, last in runs
    ]
    days = (request.race_date - request.today).days
    return (
        f"Phases counted back from your race on {request.race_date.isoformat()} "
        f"({days} days away): " + ", ".join(spans) + "."
    )
