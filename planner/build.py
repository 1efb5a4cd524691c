"""`build_plan`: a runner's request and the playbook in, a cited week-by-week plan out."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, timedelta

from planner.catalogue import Pool, kit_for
from planner.errors import PlanError
from planner.injury import injury_notes
from planner.models import DAY_NAMES, DayChoice, Plan, PlanRequest, Session, Week, monday_of
from planner.phases import WeekFrame, frame_weeks
from planner.playbook import Playbook
from planner.prescribe import unique, week_context
from planner.rules import RuleBook
from planner.schedule import DayOption, Rejection, Spacing, day_options, pick_days
from planner.selection import Selector, WeekPicks, exercise_ids
from planner.sessions import SessionMaker, SessionTooLong, available_tests

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
    after_race = start_after_race(request, frames[0].phase, cite)
    if after_race is not None:
        request, note = after_race
        frames, phase_reason, notes = frame_weeks(request, rules)
        notes.insert(0, note)
    options, rejected = day_options(request, rules)
    pool = runner_pool(request, book)
    selector = Selector(pool, book.layouts, rules, book.catalogue.order)
    first_target = sessions_wanted(frames[0].phase, request, book)
    templates: dict[int, list[DayOption]] = {}
    spacing = Spacing.from_rules(rules)

    def template(count: int) -> list[DayOption]:
        if count not in templates:
            templates[count] = pick_days(options, count, spacing=spacing)
        return templates[count]

    usual = template(first_target)
    if len(usual) < first_target:
        notes.append(
            f"Only {len(usual)} session{'s' * (len(usual) > 1)} a week fit your free days on "
            f"well-spaced days (the guides suggest {first_target}) [{cite('frequency')}]."
        )
    picks_cache: dict[tuple[int, int, int | None], WeekPicks] = {}
    prior: frozenset[str] = frozenset()
    phase_weeks: Counter[str] = Counter()
    tests = available_tests(request, book)
    last_test: int | None = None
    last_date: date | None = None
    weeks: list[Week] = []
    gaps: list[str] = []
    maker = SessionMaker(request, book)
    # Once a week shape needs one main lift to fit, later weeks keep it: same lifts, steady loads.
    lifts_for: dict[int, int] = {}
    max_lifts = book.rules.param("compound-first", "max_main")
    min_lifts = book.rules.param("compound-first", "min_main")
    for frame in frames:
        phase_weeks[frame.phase] += 1
        ctx = week_context(frame.number, frame.phase, request.experience, frame.deload,
                           phase_weeks[frame.phase], rules)  # fmt: skip
        usual_days = template(sessions_wanted(frame.phase, request, book))
        days = week_days(frame, options, usual_days, last_date, spacing)
        numbers = session_numbers(days, usual_days)
        if days:
            last_date = frame.start + timedelta(days=days[-1].index)
        retest = is_test_week(frame, bool(days and tests), last_test, rules)
        if retest:
            last_test = frame.number
        sessions: list[Session] = []
        # "One or two main lifts": drop to one when two don't fit the runner's minutes.
        # A maintenance phase (taper) keeps only a few accessories: light, nothing new.
        extras = rules.phase(frame.phase).get("max_accessories")
        for lifts in range(lifts_for.get(len(days), max_lifts), min_lifts - 1, -1):
            key = (len(days), lifts, extras)
            if days and key not in picks_cache:
                picks_cache[key] = selector.choose_week(len(days), prior, lifts, extras)
            try:
                sessions = [
                    maker.session(frame, ctx, option, picks_cache[key].sessions[i],
                                  tests if retest and i == 0 else [], number=numbers[i],
                                  rotating=len(days) > 1)
                    for i, option in enumerate(days)
                ]  # fmt: skip
                break
            except SessionTooLong:
                if lifts == min_lifts:
                    raise
        if days:
            lifts_for[len(days)] = lifts
            prior |= exercise_ids(picks_cache[(len(days), lifts, extras)].sessions)
            gaps += picks_cache[(len(days), lifts, extras)].gaps
        maker.add_strides(sessions, frame)
        weeks.append(make_week(frame, sessions, retest, cite, request.race_date))
    if not any(week.sessions for week in weeks):
        near_race = any(frame.race_week or frame.cut_short for frame in frames)
        raise PlanError(no_session_message(request, book, near_race=near_race))
    used = [(key, picks) for key, picks in picks_cache.items() if key[1] == lifts_for.get(key[0])]
    for _, picks in used:
        notes += dict.fromkeys(why for session in picks.sessions for why in session.why)
    if used:
        (_, lifts, _), picks = used[0]
        notes += injury_notes(request, book, picks.sessions, lifts, cite("compound-first"))
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


def start_after_race(
    request: PlanRequest, first_phase: str, cite: Cite
) -> tuple[PlanRequest, str] | None:
    """A runner new to lifting whose plan would open in a race taper starts after the race.

    The taper adds no new exercises, and to someone new to lifting every exercise is new.
    """
    if request.experience != "new" or request.race_date is None or first_phase != "taper":
        return None
    race = request.race_date
    start = monday_of(race) + timedelta(days=7)
    days = (race - request.start_date).days
    note = (
        f"You are new to lifting and your race is on {race.strftime('%a %d %b')}, {days} days "
        "away: the taper adds no new exercises, and every exercise would be new to you. So this "
        f"plan starts after the race, on {start.strftime('%a %d %b')}; until then, keep to your "
        f"running [{cite('phase-taper')}]."
    )
    changed = request.model_copy(update={"start": start, "race_date": None, "phase": "base"})
    return changed, note


def is_test_week(frame: WeekFrame, possible: bool, last_test: int | None, rules: RuleBook) -> bool:
    """Baseline in the first eligible week, then a retest every `every_weeks` weeks."""
    if not possible or frame.phase in rules.param("retest", "skip_phases"):
        return False
    return last_test is None or frame.number - last_test >= rules.param("retest", "every_weeks")


def week_days(
    frame: WeekFrame,
    options: Sequence[DayOption],
    usual: list[DayOption],
    last: date | None,
    spacing: Spacing,
) -> list[DayOption]:
    """This week's lifting days: the usual ones unless the calendar gets in the way."""

    def allowed(option: DayOption) -> bool:
        day = frame.start + timedelta(days=option.index)
        spaced = last is None or (day - last).days >= spacing.gap
        return frame.first_day <= day <= frame.last_day and spaced

    if frame.race_week or frame.cut_short:
        return pick_days(options, len(usual), spacing=spacing, cyclic=False, allowed=allowed)
    kept = [option for option in usual if allowed(option)]
    if frame.partial or len(kept) == len(usual):
        return kept
    return pick_days(options, len(usual), spacing=spacing, allowed=allowed)


def session_numbers(days: Sequence[DayOption], usual: Sequence[DayOption]) -> list[int]:
    """Each session's place in the usual week, so a partial or re-planned week keeps its ids."""
    extra = iter(range(len(usual) + 1, len(usual) + 8))
    return [usual.index(day) + 1 if day in usual else next(extra) for day in days]


def make_week(
    frame: WeekFrame, sessions: list[Session], retest: bool, cite: Cite, race: date | None = None
) -> Week:
    notes: list[str] = []
    cites = [cite(f"phase-{frame.phase}"), cite("frequency")]
    if frame.deload:
        notes.append("Deload week: about half the sets and lighter loads.")
        cites.append(cite("deload"))
    if retest:
        notes.append("Baseline test this week: compare with last time.")
        cites.append(cite("retest"))
    if (frame.race_week or frame.cut_short) and race is not None:
        days = (race - frame.last_day).days
        notes.append(
            f"Race on {race.strftime('%a %d %b')}: last lifting session by "
            f"{frame.last_day.strftime('%a %d %b')}, {days} days before it, so you arrive fresh."
        )
        cites.append(cite("phase-taper"))
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
            gap = rules.param("non-consecutive", "min_days_between") + 1
            near = [o for o in usual if min((d := (o.index - option.index) % 7), 7 - d) < gap]
            if near:
                reason = (f"{name}: spare; it is too close to {DAY_NAMES[near[0].day]}: lifting "
                          f"days need {gap - 1} day{'s' * (gap > 2)} between them.")  # fmt: skip
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


def no_session_message(request: PlanRequest, book: Playbook, *, near_race: bool) -> str:
    if request.race_date is not None and near_race:
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
