"""The console: questions and follow-ups, commands, /plan and its flags, errors as one line."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from tests.console.conftest import run_lines
from tests.discord.conftest import FakeApp


def test_plain_text_is_a_question_and_follow_ups_carry_history(fake_app: FakeApp) -> None:
    text = run_lines(fake_app, ["How often should I lift?", "/ask and in race week?"])
    assert [q for q, _ in fake_app.questions] == ["How often should I lift?", "and in race week?"]
    assert [t.question for t in fake_app.questions[1][1]] == ["How often should I lift?"]
    assert "[1] Strength frequency › How often › strength-frequency.md" in text
    assert "Lift two or three times a week" in text


def test_new_forgets_the_conversation(fake_app: FakeApp) -> None:
    run_lines(fake_app, ["How often should I lift?", "/new", "squats?"])
    assert fake_app.questions[-1][1] == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/sources calves", "calves.md"),
        ("/help", "/why"),
        ("/plan --help", "--minutes: Minutes per session (20-120, default 45)"),
        ("/kb status", "broken.pdf: not a readable PDF"),
        ("/kb reload", "Added: new.md"),
        ("/frobnicate", "Unknown command /frobnicate"),
        ("/ask hi", "Ask a question"),
        ("quantum running?", "Topics the guides do cover"),
    ],
)
def test_commands(fake_app: FakeApp, line: str, expected: str) -> None:
    assert expected in run_lines(fake_app, [line])


def test_quit_stops_reading(fake_app: FakeApp) -> None:
    text = run_lines(fake_app, ["/quit", "never asked?"])
    assert fake_app.questions == [] and "Bye" in text


def test_unexpected_errors_are_one_line_and_logged(
    fake_app: FakeApp, caplog: pytest.LogCaptureFixture
) -> None:
    def fail(question: str, history: object = ()) -> None:
        raise RuntimeError("secret detail")

    fake_app.ask = fail  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR):
        text = run_lines(fake_app, ["squats?", "/help"])
    assert "Something went wrong on our side" in text and "secret detail" not in text
    assert "Club Coach" in text  # the session carried on
    assert any(r.exc_info and "secret detail" in str(r.exc_info[1]) for r in caplog.records)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/plan --runs tue:easy", "Say which days you can lift with --free"),
        ("/plan --free mon --colour red", "Unknown option --colour"),
        ("/plan --free", "--free needs a value"),
        ("/plan --free 'mon", "Could not read that"),
        ("/why", "Make a plan first"),
    ],
)
def test_plan_input_errors_say_what_to_type(fake_app: FakeApp, line: str, expected: str) -> None:
    assert expected in run_lines(fake_app, [line])


def test_plan_why_swap_and_calendar_with_the_real_app(real_app, tmp_path) -> None:

    from bot import replies
    from planner.models import PlanRequest
    from retrieval.errors import CoachError

    text = run_lines(real_app, [
        "/plan --runs tue:easy,sat:long --free=mon,thu --weeks 4 --equipment dumbbells",
        "/why",
        "/swap nonsense exercise",
    ])  # fmt: skip
    assert "Strength plan · 4 weeks" in text
    assert "Days" in text and "Sources" in text
    assert "No exercise “nonsense exercise” in this plan. Pick one of:" in text

    # Any Monday: the exercises of a plan (all weeks together) do not depend on its start.
    request = PlanRequest(
        runs={"tue": "easy"}, free_days=("mon", "thu"), weeks=4, today=date(2026, 11, 23)
    )
    plan = real_app.planner.plan(request)

    def swaps(exercise_id: str) -> bool:  # main lifts without an alternative are refused
        try:
            real_app.planner.swap(plan, exercise_id)
        except CoachError:
            return False
        return True

    first_name = next(name for i, name in replies.plan_exercises(plan) if swaps(i))
    text = run_lines(
        real_app, ["/plan --runs tue:easy --free mon,thu --weeks 4", f"/swap {first_name}", "/ics"]
    )
    assert "Swapped:" in text
    (ics,) = list(tmp_path.glob("strength-plan-*.ics"))
    assert ics.read_bytes().startswith(b"BEGIN:VCALENDAR")
