"""`build_plan`: a runner's request and the playbook in, a cited week-by-week plan out."""

from __future__ import annotations

import math
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, timedelta

from planner.book import Playbook
from planner.catalogue import Exercise, Pool, kit_for
from planner.errors import PlanError
from planner.models import (
    DAY_NAMES,
    BaselineTest,
    Block,
    BlockKind,
    DayChoice,
    Plan,
    PlanRequest,
    Prescription,
    Session,
    Week,
    monday_of,
)
from planner.phases import WeekFrame, frame_weeks
from planner.prescribe import WeekContext, block_rounds, prescribe, unique, week_context
from planner.rules import RuleBook
from planner.schedule import DayOption, Rejection, day_options, pick_days, place
from planner.selection import Selector, SessionPicks, WeekPicks, exercise_ids
from planner.timing import block_minutes, session_minutes


class SessionTooLong(PlanError):
    """The runner's minutes can't hold a session's main lifts and essentials."""


PLAN_NAMESPACE = uuid.UUID("5b0c8d0e-3f52-4c1e-9f3e-6a7f2f1c9a10")
Cite = Callable[[str], int]


def plan_identity(request: PlanRequest) -> str:
    """Stable across updates of the same plan: who it is for and the Monday it starts."""
    key = f"{request.owner or ''}|{monday_of(request.start_date).isoformat()}"
    return str(uuid.uuid5(PLAN_NAMESPACE, key))


def runner_pool(request: PlanRequest, book: Playbook) -> Pool:
    """Every exercise this runner may be given (equipment, injuries, experience)."""
    limit = book.rules.param("progression", "max_difficulty")[request.experience]
    return book.catalogue.allowed(kit_for(request.equipment), request.avoid, limit)


def sessions_wanted(phase: str, request: PlanRequest, book: Playbook) -> int:
    rules = book.rules
    wanted = rules.phase(phase)["sessions_per_week"][request.experience]
    low, high = rules.param("frequency", "min_per_week"), rules.param("frequency", "max_per_week")
    return min(high, max(low, wanted))


def build_plan(request: PlanRequest, book: Playbook) -> Plan:
    """The whole plan; deterministic, no clock and no I/O."""
    rules = book.rules
    cite: Cite = book.rule_sources.__getitem__
    frames, phase_reason, notes = frame_weeks(request, rules)
    options, rejected = day_options(request, rules)
    pool = runner_pool(request, book)
    selector = Selector(pool, book.layouts, rules, book.catalogue.order)
    first_target = sessions_wanted(frames[0].phase, request, book)
    templates: dict[int, list[DayOption]] = {}

    def template(count: int) -> list[DayOption]:
        if count not in templates:
            templates[count] = pick_days(options, count)
        return templates[count]

    usual = template(first_target)
    if len(usual) < first_target:
        notes.append(
            f"Only {len(usual)} session{'s' * (len(usual) > 1)} a week fit your free days on "
            f"non-consecutive days (the guides suggest {first_target}) [{cite('frequency')}]."
        )
    picks_cache: dict[tuple[int, int], WeekPicks] = {}
    prior: frozenset[str] = frozenset()
    phase_weeks: Counter[str] = Counter()
    tests = available_tests(request, book)
    last_test: int | None = None
    last_date: date | None = None
    weeks: list[Week] = []
    gaps: list[str] = []
    max_lifts = book.rules.param("compound-first", "max_main")
    min_lifts = book.rules.param("compound-first", "min_main")
    for frame in frames:
        phase_weeks[frame.phase] += 1
        ctx = week_context(frame.number, frame.phase, request.experience, frame.deload,
                           phase_weeks[frame.phase], rules)  # fmt: skip
        days = week_days(frame, options, template(sessions_wanted(frame.phase, request, book)),
                         last_date)  # fmt: skip
        if days:
            last_date = frame.start + timedelta(days=days[-1].index)
        retest = is_test_week(frame, bool(days and tests), last_test, rules)
        if retest:
            last_test = frame.number
        sessions: list[Session] = []
        # "One or two main lifts": drop to one when two don't fit the runner's minutes.
        for lifts in range(max_lifts, min_lifts - 1, -1):
            key = (len(days), lifts)
            if days and key not in picks_cache:
                picks_cache[key] = selector.choose_week(len(days), prior, lifts)
            try:
                sessions = [
                    build_session(request, book, frame, ctx, option, picks_cache[key].sessions[i],
                                  tests if retest and i == 0 else [], cite,
                                  rotating=len(days) > 1)
                    for i, option in enumerate(days)
                ]  # fmt: skip
                break
            except SessionTooLong:
                if lifts == min_lifts:
                    raise
        if days:
            prior |= exercise_ids(picks_cache[(len(days), lifts)].sessions)
            gaps += picks_cache[(len(days), lifts)].gaps
        add_strides(sessions, frame, request, book, cite)
        weeks.append(make_week(frame, sessions, retest, cite))
    if not any(week.sessions for week in weeks):
        raise PlanError(no_session_message(request, book))
    for gap in dict.fromkeys(gaps):
        avoid = ", ".join(request.avoid) or "none"
        notes.append(
            f"No {gap} fits your equipment ({', '.join(request.equipment)}) and things to avoid "
            f"({avoid}), so it is left out; ask a physio or coach for a substitute."
        )
    return Plan(
        plan_id=plan_identity(request),
        request=request,
        start_date=monday_of(request.start_date),
        phase_reason=phase_reason,
        weeks=weeks,
        days=describe_days(request, options, rejected, usual, rules, cite),
        sources=list(book.sources),
        rule_sources=dict(book.rule_sources),
        log_fields=list(rules.param("training-log", "fields")),
        notes=notes,
    )


def is_test_week(frame: WeekFrame, possible: bool, last_test: int | None, rules: RuleBook) -> bool:
    """Baseline in the first eligible week, then a retest every `every_weeks` weeks."""
    if not possible or frame.phase in rules.param("retest", "skip_phases"):
        return False
    return last_test is None or frame.number - last_test >= rules.param("retest", "every_weeks")


def week_days(
    frame: WeekFrame, options: Sequence[DayOption], usual: list[DayOption], last: date | None
) -> list[DayOption]:
    """This week's lifting days: the usual ones unless the calendar gets in the way."""

    def allowed(option: DayOption) -> bool:
        day = frame.start + timedelta(days=option.index)
        spaced = last is None or (day - last).days >= 2
        return frame.first_day <= day <= frame.last_day and spaced

    if frame.race_week or frame.cut_short:
        return pick_days(options, len(usual), cyclic=False, allowed=allowed)
    kept = [option for option in usual if allowed(option)]
    if frame.partial or len(kept) == len(usual):
        return kept
    return pick_days(options, len(usual), allowed=allowed)


def build_session(
    request: PlanRequest,
    book: Playbook,
    frame: WeekFrame,
    ctx: WeekContext,
    option: DayOption,
    picks: SessionPicks,
    tests: Sequence[dict],
    cite: Cite,
    *,
    rotating: bool,
) -> Session:
    """One session's blocks, trimmed (accessories first) to fit the runner's minutes."""
    rules = book.rules
    rounds = {kind: block_rounds(kind, ctx, rules) for kind in ("accessory", "core")}
    test_minutes = float(sum(test["minutes"] for test in tests))
    trimmed: list[str] = []
    blocks = make_blocks(picks, ctx, rounds, book, cite)
    for kind, label in (("accessory", "accessory rounds"), ("core", "core rounds")):
        if session_minutes(blocks, test_minutes) <= request.minutes or rounds[kind] <= 1:
            continue
        rounds[kind] = 1
        trimmed.append(label)
        blocks = make_blocks(picks, ctx, rounds, book, cite)
    minutes = session_minutes(blocks, test_minutes)
    if minutes > request.minutes:
        need = 5 * math.ceil(minutes / 5)
        raise SessionTooLong(
            f"{request.minutes} minutes is too short: a {picks.focus.lower()} session needs about "
            f"{need} minutes for its main lift and essentials, even with accessories cut to one "
            f"round. Give a session length of at least {need} minutes."
        )
    session_cites = [cite("session-order"), cite("full-body"), cite("training-log")]
    if rotating:
        session_cites.append(cite("rotate-focus"))
    if trimmed:
        session_cites.append(cite("trim-accessories-first"))
    return Session(
        label=picks.label,
        focus=picks.focus,
        day=option.day,
        date=frame.start + timedelta(days=option.index),
        placement=place(option, frame.phase, rules, cite),
        blocks=blocks,
        tests=[make_test(test, cite) for test in tests],
        minutes=minutes,
        trimmed=trimmed,
        log_prompt=log_prompt(rules.param("training-log", "fields")),
        cites=unique(session_cites),
    )


def make_blocks(
    picks: SessionPicks, ctx: WeekContext, rounds: dict[str, int], book: Playbook, cite: Cite
) -> list[Block]:
    rules, layouts, catalogue = book.rules, book.layouts, book.catalogue
    block_cites: dict[BlockKind, list[int]] = {
        "warm-up": [cite("warm-up"), cite("session-order")],
        "main": [cite("compound-first"), cite(f"phase-{ctx.phase}")],
        "accessory": [cite("accessory-circuit"), cite("session-order")],
        "core": [cite("core-every-session"), cite("session-order")],
        "cool-down": [cite("cool-down"), cite("session-order")],
    }
    content: list[tuple[BlockKind, list[tuple[str, Exercise]]]] = [
        ("warm-up", [("warm-up", e) for e in picks.warm_up]),
        ("main", [(p.slot, p.exercise) for p in picks.main]),
        ("accessory", [(p.slot, p.exercise) for p in picks.accessory]),
        ("core", [(p.slot, p.exercise) for p in picks.core]),
        ("cool-down", [("cool-down", e) for e in picks.cool_down]),
    ]
    blocks: list[Block] = []
    for kind, items in content:
        block_round = rounds.get(kind, 1)
        prescriptions: list[Prescription] = [
            prescribe(exercise, slot, kind, ctx, block_round, rules, layouts, cite)
            for slot, exercise in items
        ]
        circuit = kind in ("accessory", "core")
        blocks.append(
            Block(
                kind=kind,
                format="circuit" if circuit else "straight",
                rounds=block_round if circuit else None,
                rest_s=rules.param(
                    "accessory-circuit" if kind == "accessory" else "core-every-session",
                    "round_rest_s",
                ) if circuit else None,
                minutes=block_minutes(kind, prescriptions, block_round, catalogue, rules,
                                      layouts.timing),
                exercises=prescriptions,
                note=BLOCK_NOTES[kind],
                cites=unique(block_cites[kind]),
            )
        )  # fmt: skip
    return blocks


BLOCK_NOTES: dict[str, str] = {
    "warm-up": "Whole body: upper back, hip flexors and glutes.",
    "main": "Compound lifts first, while you are fresh.",
    "accessory": "Circuit: back to back, rest only between rounds.",
    "core": "Last, so the core is fresh for the big lifts.",
    "cool-down": "Mobility and breathing; stretch what you trained.",
}


def available_tests(request: PlanRequest, book: Playbook) -> list[dict]:
    """Baseline tests this runner can do (injuries and run types permitting)."""
    kinds = set(request.runs.values())
    found = []
    for test in book.rules.param("retest", "tests"):
        if set(test.get("avoid", ())).intersection(request.avoid):
            continue
        if test.get("needs_runs") and not kinds.intersection(test["needs_runs"]):
            continue
        found.append(test)
    return found


def make_test(test: dict, cite: Cite) -> BaselineTest:
    return BaselineTest(test_id=test["id"], name=test["name"], how=test["how"],
                        cites=[cite("retest")])  # fmt: skip


def add_strides(
    sessions: list[Session], frame: WeekFrame, request: PlanRequest, book: Playbook, cite: Cite
) -> None:
    """Finish one session a week with strides when fatigue tolerance is high and time allows."""
    params = book.rules["strides"].params
    if frame.phase not in params["phases"] or (frame.deload and params["skip_deload"]):
        return
    fits = [s for s in sessions if s.minutes + params["minutes"] <= request.minutes]
    for session in sorted(fits, key=lambda s: (s.placement.kind != "rest-day", s.minutes))[
        : params["per_week"]
    ]:
        session.strides = params["what"]
        session.minutes = round(session.minutes + params["minutes"], 1)
        session.cites = unique([*session.cites, cite("strides")])


def make_week(frame: WeekFrame, sessions: list[Session], retest: bool, cite: Cite) -> Week:
    notes: list[str] = []
    cites = [cite(f"phase-{frame.phase}"), cite("frequency")]
    if frame.deload:
        notes.append("Deload week: about half the sets and lighter loads.")
        cites.append(cite("deload"))
    if retest:
        notes.append("Baseline test this week: compare with last time.")
        cites.append(cite("retest"))
    if frame.race_week or frame.cut_short:
        notes.append(
            f"Race coming: no lifting after {frame.last_day.strftime('%a %d %b')}; arrive fresh."
        )
    if frame.partial:
        notes.append(f"The plan starts on {frame.first_day.strftime('%a %d %b')}.")
    if not sessions:
        notes.append("No lifting session fits this week.")
    return Week(
        number=frame.number,
        start=frame.start,
        phase=frame.phase,
        deload=frame.deload,
        retest=retest,
        partial=frame.partial or frame.cut_short,
        race_week=frame.race_week,
        sessions=sessions,
        notes=notes,
        cites=unique(cites),
    )


def describe_days(
    request: PlanRequest,
    options: Sequence[DayOption],
    rejected: Sequence[Rejection],
    usual: Sequence[DayOption],
    rules: RuleBook,
    cite: Cite,
) -> list[DayChoice]:
    """Why each free day was used, kept spare or turned down."""
    chosen = {option.day for option in usual}
    by_day: dict[str, DayChoice] = {}
    for rejection in rejected:
        by_day[rejection.day] = DayChoice(
            day=rejection.day, run=rejection.run, status="rejected", reason=rejection.reason,
            cites=[cite(rejection.rule_id)],
        )  # fmt: skip
    for option in options:
        name = DAY_NAMES[option.day]
        if option.day in chosen:
            hours = rules.param("separate-days", "min_hours_apart")
            reason = f"{name}: lifting day. " + describe_option(option, hours)
            status = "chosen"
            cites = [cite("frequency"), cite("non-consecutive"), cite("separate-days")]
        else:
            near = [o for o in usual if (o.index - option.index) % 7 in (1, 6)]
            if near:
                reason = (f"{name}: spare; it sits next to {DAY_NAMES[near[0].day]}, and lifting "
                          "days need a day between them.")  # fmt: skip
                cites = [cite("non-consecutive")]
            else:
                reason = (f"{name}: spare; {len(usual)} session{'s' * (len(usual) > 1)} a week "
                          "is the number the guides suggest for you.")  # fmt: skip
                cites = [cite("frequency")]
            status = "spare"
        by_day[option.day] = DayChoice(day=option.day, run=option.run_today, status=status,
                                       reason=reason, cites=cites)  # fmt: skip
    return [by_day[day] for day in request.free_days]


def describe_option(option: DayOption, hours: int) -> str:
    if option.run_today is not None:
        return f"Shares the day with your {option.run_today} run, at least {hours} h apart."
    if option.after_hard:
        return f"No run that day; it follows your {option.run_before} run."
    return "No run that day, and no hard run the next day."


def log_prompt(fields: Sequence[str]) -> str:
    return "Log it: " + ", ".join(fields) + "."


def no_session_message(request: PlanRequest, book: Playbook) -> str:
    if request.race_date is not None:
        days = book.rules.param("phase-taper", "last_session_days_before_race")
        return (
            f"no lifting session fits before your race on {request.race_date.isoformat()}: the "
            f"last one should be at least {days} days before it. Keep to easy runs and strides, "
            "and make a plan after the race (or add an earlier free day)."
        )
    return (
        "no lifting day falls inside the weeks asked for (the plan starts "
        f"{request.start_date.isoformat()}); ask for more weeks or add a free day later in the "
        "week."
    )
