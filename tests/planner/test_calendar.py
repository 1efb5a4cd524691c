"""Calendars that stay clean: re-importing a changed plan into a calendar app leaves no strays.

`CalendarApp` imports .ics files the way calendar apps do: by UID, a newer SEQUENCE replaces
the event, STATUS:CANCELLED removes it.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar

from planner.build import build_plan
from planner.models import PlanRequest
from planner.playbook import Playbook
from planner.render_ics import render_ics, sequence
from planner.swap import swap_exercise
from tests.planner.conftest import BASE_REQUEST, TODAY

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


class CalendarApp:
    def __init__(self) -> None:
        self.events: dict[str, tuple[int, date, str]] = {}

    def import_ics(self, data: bytes) -> None:
        for event in Calendar.from_ical(data).walk("VEVENT"):
            uid, seq = str(event["UID"]), int(event["SEQUENCE"])
            known = self.events.get(uid)
            if known is not None and known[0] >= seq:
                continue  # an older or the same revision: ignored
            if str(event["STATUS"]) == "CANCELLED":
                self.events.pop(uid, None)
            else:
                self.events[uid] = (seq, event.decoded("DTSTART"), str(event["SUMMARY"]))

    def days(self) -> Counter[date]:
        return Counter(day for _, day, _ in self.events.values())


def plan_for(book: Playbook, **overrides):  # type: ignore[no-untyped-def]
    fields = {**BASE_REQUEST, "owner": "discord:42", **overrides}
    return build_plan(PlanRequest.parse(**fields), book)


def test_three_lifting_days_to_one_leaves_no_stale_sessions(book: Playbook) -> None:
    app = CalendarApp()
    three = plan_for(book, runs={}, free_days="mon,wed,fri", experience="experienced")
    app.import_ics(render_ics(three, now=NOW))
    assert len(app.events) == 24 and max(app.days().values()) == 1
    one = plan_for(book, runs={}, free_days="fri", experience="experienced")
    app.import_ics(render_ics(one, now=NOW + timedelta(minutes=5)))
    assert len(app.events) == 8
    assert {day.weekday() for day in app.days()} == {4}  # Fridays only, one session each
    assert max(app.days().values()) == 1


def test_replanning_a_week_later_updates_the_overlapping_weeks(book: Playbook) -> None:
    app = CalendarApp()
    app.import_ics(render_ics(plan_for(book), now=NOW))
    later = plan_for(book, today=TODAY + timedelta(weeks=1))
    app.import_ics(render_ics(later, now=NOW + timedelta(weeks=1)))
    # Weeks 2-8 of the first plan are weeks 1-7 of the new one: updated, not duplicated.
    assert max(app.days().values()) == 1
    assert len(app.events) == 18  # 8 weeks of the first plan's week 1, then 8 more weeks


def test_a_second_import_the_same_day_wins(book: Playbook) -> None:
    app = CalendarApp()
    plan = plan_for(book)
    app.import_ics(render_ics(plan, now=NOW))
    swapped = swap_exercise(plan, book, "banded-squat")
    app.import_ics(render_ics(swapped, now=NOW + timedelta(minutes=1)))
    newest = sequence(NOW + timedelta(minutes=1))
    assert len(app.events) == 16 and {seq for seq, _, _ in app.events.values()} == {newest}


def test_other_owners_never_touch_my_events(book: Playbook) -> None:
    app = CalendarApp()
    app.import_ics(render_ics(plan_for(book, owner="me"), now=NOW))
    app.import_ics(render_ics(plan_for(book, owner="you", free_days="fri"), now=NOW))
    assert len(app.events) == 16 + 8
