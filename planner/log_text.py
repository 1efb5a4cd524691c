"""The training log as members type it: the compact lifts format, niggles, and back to text.

Every surface (the Discord form and `/log`, `coach log`, the console) reads what a member typed
through these pure functions, so "squat 40kg 3x8 @7; step-up band 3x8 rir2" means the same
everywhere. Errors are `PlanError`s that quote the part they could not read and show the format.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from pydantic import ValidationError

from planner.errors import PlanError
from planner.models import DAY_NAMES, Plan, Prescription, Session, Week, normalize_token
from planner.training_log import (
    BODY_AREAS,
    ExerciseLog,
    Niggle,
    SessionLog,
    TrainingLog,
    describe_log_error,
)

LIFTS_EXAMPLE = "squat 40kg 3x8 @7; step-up band 3x8 rir2"
LIFTS_HELP = (
    "One lift per line or separated by `;`: name, then load (40kg, 90lb) or version (band, "
    "one leg), sets x reps (3x8) and effort (@7 for RPE 7, or rir2 for 2 reps in reserve). "
    f"Example: `{LIFTS_EXAMPLE}`"
)
NIGGLES_EXAMPLE = "knee 3, achilles 2"
NIGGLES_HELP = f"Where and how bad, 0-10: `{NIGGLES_EXAMPLE}`; leave empty or write `none`."
NONE_WORDS = frozenset({"", "none", "no", "nothing", "-", "n/a", "na", "nil", "0"})
# Short forms runners write for exercise names.
_ABBREVIATIONS = {"rdl": "romanian deadlift", "rdls": "romanian deadlift", "sl": "single leg",
                  "db": "dumbbell", "kb": "kettlebell", "bss": "bulgarian split squat",
                  "ohp": "overhead press"}  # fmt: skip
_SIDE_WORDS = frozenset({"left", "right", "l", "r", "both", "my", "the", "a", "bit", "of"})
_BODYWEIGHT = frozenset({"bw", "bodyweight", "body-weight"})

_NUMBER = r"\d+(?:\.\d+)?"
_LOAD = re.compile(rf"(?<![\w.])({_NUMBER})\s*(kgs?|kilos?|lbs?|pounds?)\b")
_SETS = re.compile(r"(?<![\w.])(\d+)\s*[x×*]\s*(\d+)\b")
_RPE = re.compile(rf"(?:@\s*(?:rpe\s*)?|\brpe\s*)({_NUMBER})\b")
_RIR = re.compile(rf"(?:@\s*)?\brir\s*({_NUMBER})\b|(?<![\w.])({_NUMBER})\s*rir\b")


def _words(text: str) -> str:
    """Lower-case words with hyphens, underscores and brackets read as spaces."""
    text = re.sub(r"[-_()\[\],/]", " ", text.lower())
    words = [_ABBREVIATIONS.get(w, w) for w in text.split()]
    return " ".join(" ".join(words).split())


def _split_items(text: str) -> list[str]:
    text = re.sub(r"(\d),(\d)", r"\1.\2", text)  # 40,5kg is a decimal comma, not two items
    return [item.strip() for item in re.split(r"[;\n,]", text) if item.strip()]


def session_exercises(session: Session) -> list[tuple[str, Prescription]]:
    """(block kind, prescription) of every exercise a member might log, main lifts first."""
    found = [(b.kind, x) for b in session.blocks for x in b.exercises]
    return sorted(found, key=lambda kx: kx[0] != "main")


def _names(x: Prescription) -> tuple[str, str]:
    return _words(x.exercise_id), _words(x.name)


def _contains(haystack: str, phrase: str) -> bool:
    return f" {phrase} " in f" {haystack} "


def _match(phrase: str, session: Session) -> list[tuple[str, Prescription]]:
    """Exercises of the session this phrase names: exact names first, then names containing it."""
    choices = session_exercises(session)
    exact = [(k, x) for k, x in choices if phrase in _names(x)]
    if exact:
        return exact[:1]
    found = [(k, x) for k, x in choices if any(_contains(n, phrase) for n in _names(x))]
    mains = [(k, x) for k, x in found if k == "main"]
    # A name shared by a main lift and an accessory ("romanian deadlift") means the main lift.
    return mains[:1] if len(mains) == 1 else found


def _lift_names(session: Session) -> str:
    return ", ".join(x.name for kind, x in session_exercises(session) if kind == "main")


def parse_lifts(text: str, session: Session) -> tuple[ExerciseLog, ...]:
    """The compact lifts format to exercise logs of this session; PlanError quoting the bad part."""
    if text.strip().lower() in NONE_WORDS:
        return ()
    logs: list[ExerciseLog] = []
    for item in _split_items(text):
        log = _parse_lift(item, session)
        if any(x.exercise_id == log.exercise_id for x in logs):
            raise PlanError(f"“{item}”: {log.exercise_id} is logged twice; give each lift once")
        logs.append(log)
    return tuple(logs)


def _parse_lift(item: str, session: Session) -> ExerciseLog:
    text = " " + item.lower().replace("×", "x") + " "
    fields: dict[str, object] = {}
    for name, pattern in (("load", _LOAD), ("sets", _SETS), ("rir", _RIR), ("rpe", _RPE)):
        found = list(pattern.finditer(text))
        if len(found) > 1:
            raise PlanError(f"“{item}” has more than one {name}: give it once. {LIFTS_HELP}")
        if found:
            match = found[0]
            if name == "load":
                fields["load"], fields["unit"] = float(match[1]), match[2]
            elif name == "sets":
                fields["sets"], fields["reps"] = int(match[1]), int(match[2])
            else:
                fields[name] = float(next(g for g in match.groups() if g is not None))
            text = text[: match.start()] + " " + text[match.end() :]
    words = _words(text).split()
    numbers = [w for w in words if re.fullmatch(r"[\d.]+", w)]
    if numbers:
        raise PlanError(
            f"I couldn't read “{numbers[0]}” in “{item}”: write a load as {numbers[0]}kg or "
            f"{numbers[0]}lb, sets x reps as 3x8, effort as @7 or rir2. Example: `{LIFTS_EXAMPLE}`"
        )
    if not words:
        raise PlanError(f"“{item}” names no exercise. {LIFTS_HELP}")
    exercise, version = _find_exercise(words, item, session)
    if version is not None and version.lower() in _BODYWEIGHT:
        version = "bodyweight"
    try:
        return ExerciseLog(exercise_id=exercise.exercise_id, version=version, **fields)
    except ValidationError as err:
        raise PlanError(f"“{item}”: {describe_log_error(err)}") from None


def _find_exercise(
    words: list[str], item: str, session: Session
) -> tuple[Prescription, str | None]:
    """The longest leading words naming one exercise; the words left over are the version."""
    for end in range(len(words), 0, -1):
        found = _match(" ".join(words[:end]), session)
        if len(found) == 1:
            version = " ".join(words[end:]) or None
            return found[0][1], version
        if len(found) > 1:
            names = " or ".join(f"“{x.name}”" for _, x in found[:4])
            raise PlanError(f"“{item}” could be {names}: write more of the name")
    raise PlanError(
        f"“{item}”: no exercise “{' '.join(words)}” in this session. Its main lifts: "
        f"{_lift_names(session)}. {LIFTS_HELP}"
    )


def parse_niggles(text: str) -> tuple[Niggle, ...]:
    """`knee 3, left achilles 2/10` to niggles; PlanError quoting the bad part."""
    if text.strip().lower() in NONE_WORDS:
        return ()
    niggles: list[Niggle] = []
    for item in _split_items(text):
        match = re.fullmatch(r"(.*?)\s*[:=]?\s*(\d+(?:\.\d+)?)\s*(?:/\s*10)?\s*(.*?)", item)
        area_text = ""
        if match:
            area_text = " ".join(match[1].split() + match[3].split())
        if not match or not area_text:
            raise PlanError(f"“{item}”: write where and a score from 0 to 10. {NIGGLES_HELP}")
        words = [w for w in area_text.lower().replace("-", " ").split() if w not in _SIDE_WORDS]
        try:
            area = normalize_token("avoid", " ".join(words), BODY_AREAS)
        except ValueError:
            raise PlanError(
                f"niggle “{item}”: “{' '.join(words)}” is not a body area I know; use one of "
                f"{', '.join(BODY_AREAS)}"
            ) from None
        try:
            niggle = Niggle(area=area, score=match[2])
        except ValidationError as err:
            raise PlanError(f"niggle “{item}”: {describe_log_error(err)}") from None
        if any(n.area == niggle.area for n in niggles):
            raise PlanError(f"niggle “{item}”: {niggle.area} is given twice; give it once")
        niggles.append(niggle)
    return tuple(niggles)


def find_session(plan: Plan, week: int, session: int) -> tuple[Week, Session]:
    for w, s in plan.sessions():
        if (w.number, s.number) == (week, session):
            return w, s
    weeks = len(plan.weeks)
    raise PlanError(f"no session {session} in week {week} of this plan (it has {weeks} weeks)")


def parse_session_ref(text: str) -> tuple[int, int]:
    """`3:1`, `w3s1` or `3 1` to (week, session); PlanError saying what to write."""
    match = re.fullmatch(
        r"\s*w?(?:eek)?\s*(\d{1,2})\s*[:/ s.-]\s*(?:ession)?\s*(\d)\s*", text.lower()
    )
    if not match:
        raise PlanError(f"“{text}” is not a session: write week:session, e.g. 3:1")
    return int(match[1]), int(match[2])


def due_session(plan: Plan, log: TrainingLog, today: date) -> tuple[int, int]:
    """The session a member most likely wants to log: the latest one due and not logged yet."""
    logged = {(e.week, e.session) for e in log.for_plan(plan.plan_id)}
    past = [(s.date, w.number, s.number) for w, s in plan.sessions() if s.date <= today]
    open_ = [p for p in past if (p[1], p[2]) not in logged]
    if open_:
        return max(open_)[1:]
    if past:
        return max(past)[1:]
    first = min((s.date, w.number, s.number) for w, s in plan.sessions())
    return first[1:]


def current_week_of(plan: Plan, number: int, today: date) -> int:
    """The week whose session `number` is the latest on or before today (week 1 before it)."""
    weeks = [w.number for w, s in plan.sessions() if s.number == number and s.date <= today]
    if weeks:
        return max(weeks)
    return min((w.number for w, s in plan.sessions() if s.number == number), default=1)


def session_label(week: Week, session: Session) -> str:
    """`Week 3 · Mon 7 Dec · A (Posterior chain)`: how a session is named everywhere."""
    when = f"{session.date:%a} {session.date.day} {session.date:%b}"
    return f"Week {week.number} · {when} · {session.label}: {session.focus}"


def lifts_template(session: Session, log: TrainingLog | None = None) -> str:
    """The main lifts as the form's starting text: last logged load or version, planned sets."""
    items = []
    for kind, x in session_exercises(session):
        if kind != "main":
            continue
        last = _last_logged(log, x.exercise_id) if log is not None else None
        reps = re.match(r"\d+", x.reps)
        parts = [x.name.lower()]
        if last is not None and last.load is not None:
            parts.append(f"{last.load:g}{last.unit}")
        elif last is not None and last.version:
            parts.append(last.version)
        if reps and not re.search(r"\d\s*(s|sec|min)\b", x.reps):
            parts.append(f"{x.sets}x{reps[0]}")
        if x.rpe is not None:
            parts.append(f"@{x.rpe:g}")
        items.append(" ".join(parts))
    return "; ".join(items)


def _last_logged(log: TrainingLog, exercise_id: str) -> ExerciseLog | None:
    for entry in reversed(log.entries):
        found = entry.exercise(exercise_id)
        if found is not None and (found.load is not None or found.version):
            return found
    return None


def format_lift(x: ExerciseLog, names: dict[str, str] | None = None) -> str:
    """One exercise log back in the compact format (the name from `names` when known)."""
    parts = [(names or {}).get(x.exercise_id, x.exercise_id).lower()]
    if x.load is not None:
        parts.append(f"{x.load:g}{x.unit}")
    if x.version:
        parts.append(x.version)
    if x.sets is not None and x.reps is not None:
        parts.append(f"{x.sets}x{x.reps}")
    if x.rpe is not None:
        parts.append(f"@{x.rpe:g}")
    elif x.rir is not None:
        parts.append(f"rir{x.rir:g}")
    return " ".join(parts)


def format_entry(entry: SessionLog, names: dict[str, str] | None = None) -> str:
    """An entry as one line: status, lifts, niggles, next run, note."""
    parts: list[str] = [entry.status]
    if entry.exercises:
        parts.append("; ".join(format_lift(x, names) for x in entry.exercises))
    if entry.niggles:
        parts.append("niggles " + ", ".join(f"{n.area} {n.score}" for n in entry.niggles))
    if entry.run_feel is not None:
        parts.append(f"next run {entry.run_feel}")
    if entry.note:
        parts.append(f"“{entry.note}”")
    return " · ".join(parts)


def exercise_names(plan: Plan) -> dict[str, str]:
    return {
        x.exercise_id: x.name for _, s in plan.sessions() for b in s.blocks for x in b.exercises
    }


def make_entry(
    *,
    member: str,
    plan: Plan,
    week: int,
    session: int,
    today: date,
    status: str = "done",
    lifts: str = "",
    niggles: str = "",
    next_run: str | None = None,
    note: str = "",
) -> SessionLog:
    """What a member typed for one planned session, as a validated entry (or one PlanError).

    The date is the session's planned day, or today when it is logged before that day.
    """
    _, plan_session = find_session(plan, week, session)
    exercises = parse_lifts(lifts, plan_session)
    found = parse_niggles(niggles)
    return SessionLog.parse(
        member=member, plan_id=plan.plan_id, week=week, session=session, day=plan_session.day,
        date=min(plan_session.date, today), status=status.strip() or "done",
        exercises=exercises, niggles=found, next_run=next_run or None, note=note,
    )  # fmt: skip


def day_name(session: Session) -> str:
    return DAY_NAMES[session.day]


def session_choices(
    plan: Plan, log: TrainingLog, today: date, typed: str = ""
) -> Sequence[tuple[str, str]]:
    """(label, `week:session`) of the plan's sessions for an autocomplete: the due one first,
    then the other sessions up to a week ahead, latest first; filtered by what was typed."""
    due = due_session(plan, log, today)
    logged = {(e.week, e.session) for e in log.for_plan(plan.plan_id)}
    rows = []
    for w, s in plan.sessions():
        if (s.date - today).days > 7:
            continue
        mark = " ✓" if (w.number, s.number) in logged else ""
        key = ((w.number, s.number) != due, s.date > today, -s.date.toordinal())
        rows.append((*key, session_label(w, s) + mark, f"{w.number}:{s.number}"))
    rows.sort()
    wanted = typed.strip().lower()
    return [(label, value) for _, _, _, label, value in rows
            if not wanted or wanted in label.lower() or wanted == value]  # fmt: skip
