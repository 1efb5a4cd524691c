"""An iCalendar file of the plan's sessions, with UIDs that survive updates of the same plan.

UIDs come from the plan identity (owner + first Monday) plus the week and the session's
place in the usual week, not the weekday: when an updated plan moves a session to another
day, re-importing moves the event instead of leaving a stale copy, and a plan re-made
mid-week keeps the ids of the sessions still ahead. SEQUENCE grows with the request's
`today` and with each swap, so calendars treat a re-import as a newer revision.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event

from planner.models import Plan, Session, Week, monday_of
from planner.render_markdown import minutes_text

PRODID = "-//Club Coach//Strength planner//EN"
UID_NAMESPACE = uuid.UUID("9d1f6a52-7c1b-4b8e-8e0a-2f4c3b5d6e71")
SEQUENCE_EPOCH = date(2024, 1, 1)
MAX_SWAPS_PER_DAY = 1000


def event_uid(plan: Plan, week: int, session_number: int) -> str:
    key = f"{plan.plan_id}/week-{week}/session-{session_number}"
    return f"{uuid.uuid5(UID_NAMESPACE, key)}@club-coach"


def sequence(plan: Plan) -> int:
    days = max(0, (plan.request.today - SEQUENCE_EPOCH).days)
    return days * MAX_SWAPS_PER_DAY + min(plan.revision, MAX_SWAPS_PER_DAY - 1)


def render_ics(plan: Plan, *, start: date | None = None) -> bytes:
    """All sessions as all-day events; `start` moves week 1 to the week of that date."""
    shift = timedelta(0) if start is None else monday_of(start) - plan.start_date
    stamp = datetime.combine(plan.request.today, datetime.min.time(), tzinfo=UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Club Coach strength plan")
    for week in plan.weeks:
        for session in week.sessions:
            day = session.date + shift
            event = Event()
            event.add("uid", event_uid(plan, week.number, session.number))
            event.add("dtstamp", stamp)
            event.add("last-modified", stamp)
            event.add("sequence", sequence(plan))
            event.add("dtstart", day)
            event.add("dtend", day + timedelta(days=1))
            event.add("summary", summary(week, session))
            event.add("description", describe(plan, week, session))
            event.add("categories", ["Strength"])
            event.add("transp", "TRANSPARENT")
            calendar.add_component(event)
    return calendar.to_ical()


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
    lines += ["", session.log_prompt, "", "Sources:"]
    used = sorted({n for b in session.blocks for n in b.cites} | set(session.cites))
    refs = {ref.n: ref for ref in plan.sources}
    lines += [f"[{n}] {refs[n].title} › {refs[n].heading}" for n in used if n in refs]
    return "\n".join(lines)
