"""Markdown within Discord's limits, citations that resolve; ICS that round-trips, stable UIDs."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar

from bot.text_limits import EMBED_DESCRIPTION
from planner.playbook import Playbook
from planner.render_ics import event_uid, render_ics
from planner.render_markdown import (
    SHORTENED,
    render_audit,
    render_markdown,
    render_markdown_pages,
)
from planner.swap import swap_exercise
from tests.planner.conftest import TODAY, make_plan

BIG = {"experience": "experienced", "free_days": "mon,wed,fri,sat", "runs": {}, "weeks": 16,
       "equipment": "gym", "minutes": 60}  # fmt: skip


def cited_numbers(text: str) -> set[int]:
    body = text.split("**Sources**")[0]
    return {int(n) for n in re.findall(r"\[(\d+)\]", body)}


def listed_numbers(text: str) -> set[int]:
    _, _, sources = text.partition("**Sources**")
    return {int(n) for n in re.findall(r"^\[(\d+)\] ", sources, re.M)}


def test_markdown_cites_only_listed_sources(book: Playbook) -> None:
    plan = make_plan(book)
    text = render_markdown(plan)
    assert text.startswith("## Strength plan · 8 weeks from Mon 23 Nov 2026")
    assert cited_numbers(text) and cited_numbers(text) <= listed_numbers(text)
    assert "**Session A · Monday" in text and "**Session B · Friday" in text
    assert "Banded Romanian deadlift** 3×6–8, tempo 3-1-X, rest 90 s" in text
    assert "- **W4** base (deload)" in text
    for ref in plan.sources:
        assert f"[{ref.n}] {ref.title} › {ref.heading} — {ref.source}" in text


@pytest.mark.parametrize("limit", [EMBED_DESCRIPTION, 3500])
def test_markdown_fits_a_discord_embed_and_keeps_sources(book: Playbook, limit: int) -> None:
    plan = make_plan(book, **BIG)
    full = render_markdown(plan)
    assert len(full) > limit
    text = render_markdown(plan, max_chars=limit)
    assert len(text) <= limit
    # Every source together is longer than an embed: the cut keeps each one the text cites.
    assert SHORTENED in text
    assert cited_numbers(text) and listed_numbers(text) == cited_numbers(text)


def test_markdown_cut_hard_says_where_the_rest_is(book: Playbook) -> None:
    text = render_markdown(make_plan(book, **BIG), max_chars=800)
    assert len(text) <= 800 and SHORTENED in text
    assert cited_numbers(text) <= listed_numbers(text)


def test_pages_hold_everything_within_discord_message_limits(book: Playbook) -> None:
    plan = make_plan(book, **BIG)
    pages = render_markdown_pages(plan, page_chars=1900)
    assert len(pages) > 2
    assert all(0 < len(page) <= 1900 for page in pages)
    joined = "\n".join(pages)
    for line in render_markdown(plan).split("\n"):
        assert line in joined


def test_audit_card_counts_and_cites(book: Playbook) -> None:
    from planner.audit import audit_plan

    plan = make_plan(book)
    card = render_audit(plan, audit_plan(plan, book))
    assert card.startswith("**Audit card**: 27 pass · 0 fail · 5 n/a")
    assert "✓ **frequency**" in card and "– **phase-taper**" in card
    assert f"[{plan.cite('deload')}]" in card


def events(data: bytes, status: str = "CONFIRMED") -> list:
    return [e for e in Calendar.from_ical(data).walk("VEVENT") if str(e["STATUS"]) == status]


def by_uid(data: bytes, status: str = "CONFIRMED") -> dict[str, Any]:
    return {str(event["UID"]): event for event in events(data, status)}


NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def test_ics_round_trips(book: Playbook) -> None:
    plan = make_plan(book)
    parsed = events(render_ics(plan, now=NOW))
    sessions = [session for _, session in plan.sessions()]
    assert len(parsed) == len(sessions) == 16
    assert len({str(e["UID"]) for e in parsed}) == len(parsed)
    for event, session in zip(parsed, sessions, strict=True):
        assert event.decoded("DTSTART") == session.date
        assert event.decoded("DTEND") == session.date + timedelta(days=1)
        assert f"Strength {session.label}" in str(event["SUMMARY"])
        assert block_names(session)[0] in str(event["DESCRIPTION"])
        assert str(event["UID"]).endswith("@club-coach")
        assert event.decoded("DTSTAMP") == NOW
        assert "." not in str(event["DESCRIPTION"]).split(" min.")[0].split("About ")[1]
    # Every week also cancels the slots it does not use (nothing is left orphaned).
    assert len(events(render_ics(plan, now=NOW), "CANCELLED")) == 8 * (6 - 2)


def block_names(session: Any) -> list[str]:
    return [x.name for b in session.blocks if b.kind == "main" for x in b.exercises]


def test_same_input_and_time_give_identical_calendar_bytes(book: Playbook) -> None:
    assert render_ics(make_plan(book), now=NOW) == render_ics(make_plan(book), now=NOW)


def test_an_updated_plan_updates_events_instead_of_duplicating(book: Playbook) -> None:
    before = by_uid(render_ics(make_plan(book, owner="discord:7"), now=NOW))
    # On Wednesday the runner buys dumbbells and can no longer lift on Mondays, only Tuesdays.
    updated = make_plan(book, owner="discord:7", equipment="dumbbells", free_days="tue,fri",
                        today=TODAY + timedelta(days=2))  # fmt: skip
    later = NOW + timedelta(days=2)
    after = by_uid(render_ics(updated, now=later))
    # Monday of week 1 is past and no longer in the plan; every other event is updated in place.
    assert set(after) <= set(before) and len(before) - len(after) == 1
    moved = [
        uid for uid in after if after[uid].decoded("DTSTART") != before[uid].decoded("DTSTART")
    ]
    assert len(moved) == 7 and all(after[uid].decoded("DTSTART").weekday() == 1 for uid in moved)
    assert all(int(after[uid]["SEQUENCE"]) > int(before[uid]["SEQUENCE"]) for uid in after)


def test_a_swap_the_same_minute_still_raises_sequence_and_dtstamp(book: Playbook) -> None:
    plan = make_plan(book)
    swapped = swap_exercise(plan, book, "banded-squat")
    before = by_uid(render_ics(plan, now=NOW))
    after = by_uid(render_ics(swapped, now=NOW + timedelta(seconds=20)))
    assert set(before) == set(after)
    for uid in after:
        assert int(after[uid]["SEQUENCE"]) > int(before[uid]["SEQUENCE"])
        assert after[uid].decoded("DTSTAMP") > before[uid].decoded("DTSTAMP")
    # Without a clock (pure calls), a swap still counts as newer.
    plain, bumped = by_uid(render_ics(plan)), by_uid(render_ics(swapped))
    assert all(int(bumped[u]["SEQUENCE"]) > int(plain[u]["SEQUENCE"]) for u in bumped)


def test_different_runners_get_different_uids(book: Playbook) -> None:
    mine = by_uid(render_ics(make_plan(book, owner="a")))
    theirs = by_uid(render_ics(make_plan(book, owner="b")))
    assert not set(mine) & set(theirs)


def test_start_moves_the_whole_calendar_to_other_weeks(book: Playbook) -> None:
    plan = make_plan(book)
    moved = events(render_ics(plan, start=date(2027, 1, 6)))  # a Wednesday
    assert moved[0].decoded("DTSTART") == date(2027, 1, 4)  # that week's Monday
    # UIDs follow the owner, the calendar week and the slot, not the plan's first Monday.
    assert str(moved[0]["UID"]) == event_uid(None, date(2027, 1, 4), 1)
    assert str(events(render_ics(plan))[0]["UID"]) == event_uid(None, plan.start_date, 1)
