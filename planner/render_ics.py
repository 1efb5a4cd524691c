"""An iCalendar file of the plan's sessions, with UIDs that survive re-planning.

A UID is the owner, the calendar week (its Monday) and the session's slot in that week (its
place in the usual week), never the plan's first Monday: a plan re-made a week later, or with
other days, updates the events it overlaps instead of duplicating them. Slots a week no longer
uses are sent as STATUS:CANCELLED events, so going from three lifting days to one leaves no
stale sessions behind. SEQUENCE and DTSTAMP come from the moment the file is written (the
adapter passes `now`), so they rise with every re-import, also within a day.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event

from planner.models import Plan, Session, Week, monday_of
from planner.render_markdown import minutes_text

PRODID = "-//Club Coach//Strength planner//EN"
UID_NAMESPACE = uuid.UUID("9d1f6a52-7c1b-4b8e-8e0a-2f4c3b5d6e71")
SEQUENCE_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
# Slot numbers a week can use: the usual sessions (at most 3) and as many moved ones.
SLOTS_PER_WEEK = 6


def event_uid(owner: str | None, monday: date, slot: int) -> str:
    key = f"{owner or ''}/{monday.isoformat()}/slot-{slot}"
    return f"{uuid.uuid5(UID_NAMESPACE, key)}@club-coach"


def stamp_of(plan: Plan, now: datetime | None) -> datetime:
    """The write time; without one, the request's (or adaptation's) day plus a second per
    revision (swaps, logged sessions)."""
    if now is None:
        day = max(plan.request.today, plan.adapted_on or plan.request.today)
        start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
        return start + timedelta(seconds=plan.revision)
    return now.astimezone(UTC).replace(microsecond=0)


def sequence(stamp: datetime) -> int:
    """Seconds since 2024: rises with every write (fits a 32-bit SEQUENCE until 2092)."""
    return max(0, int((stamp - SEQUENCE_EPOCH).total_seconds()))


def render_ics(plan: Plan, *, start: date | None = None, now: datetime | None = None) -> bytes:
    """All sessions as all-day events; `start` moves week 1 to the week of that date."""
    shift = timedelta(0) if start is None else monday_of(start) - plan.start_date
    stamp = stamp_of(plan, now)
    owner = plan.request.owner
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Club Coach strength plan")
    for week in plan.weeks:
        monday = week.start + shift
        used = {session.number for session in week.sessions}
        for session in week.sessions:
            day = session.date + shift
            event = _event(event_uid(owner, monday, session.number), day, stamp)
            event.add("status", "CONFIRMED")
            event.add("summary", summary(week, session))
            event.add("description", describe(plan, week, session))
            event.add("categories", ["Strength"])
            calendar.add_component(event)
        for slot in range(1, SLOTS_PER_WEEK + 1):
            if slot not in used:
                event = _event(event_uid(owner, monday, slot), monday, stamp)
                event.add("status", "CANCELLED")
                event.add("summary", "Strength session (cancelled: no longer in your plan)")
                calendar.add_component(event)
    return calendar.to_ical()


def _event(uid: str, day: date, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    event.add("sequence", sequence(stamp))
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    return event


def summary(week: Week, session: Session) -> str:
    flags = [week.phase] + (["deload"] if week.deload else []) + (["test"] if session.tests else [])
    return f"Strength {session.label}: {session.focus} (week {week.number}, {', '.join(flags)})"


def describe(plan: Plan, week: Week, session: Session) -> str:
    lines = [session.placement.text, f"About {minutes_text(session.minutes)}.", ""]
    for block in session.blocks:
        rounds = f", {block.rounds} rounds" if block.rounds and block.rounds > 1 else ""
        lines.append(f"{block.kind.capitalize()}{rounds}:")
        for x in block.exercises:
            detail = f"{x.sets}x{x.reps}" if block.format == "straight" else x.reps
            extra = ""
            if block.kind == "main":
                tempo = f", tempo {x.tempo}" if x.tempo else ""
                extra = f"{tempo}, rest {x.rest_s} s, RPE {x.rpe:g}"
            lines.append(f"- {x.name} {detail}{extra}")
    for test in session.tests:
        lines.append(f"Test: {test.name}: {test.how}")
    if session.strides:
        lines.append(f"Then strides: {session.strides}")
    changes = [
        c for c in plan.adaptations if c.week == week.number and c.session in (None, session.number)
    ]
    if changes:
        lines += ["", "From your training log:"]
        lines += [f"- {c.text} [{c.cite}]" for c in changes]
    lines += ["", session.log_prompt, "", "Sources:"]
    used = sorted(
        {n for b in session.blocks for n in b.cites}
        | set(session.cites)
        | {c.cite for c in changes}
    )
    refs = {ref.n: ref for ref in plan.sources}
    lines += [f"[{n}] {refs[n].title} › {refs[n].heading}" for n in used if n in refs]
    return "\n".join(lines)
