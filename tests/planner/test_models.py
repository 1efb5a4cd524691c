"""Request validation: aliases are accepted, impossible input says what to change."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from planner.api import make_request, parse_days, parse_runs
from planner.errors import PlanError
from planner.models import PlanRequest
from retrieval.errors import CoachError
from tests.planner.conftest import BASE_REQUEST, TODAY


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"free_days": ()}, "free days: no free day: give at least one day you can lift"),
        ({"free_days": "mon,someday"}, "unknown day 'someday': use one of mon, tue"),
        ({"weeks": 0}, "0 weeks is not possible: ask for 1 to 16 weeks"),
        ({"weeks": 17}, "17 weeks is not possible"),
        ({"weeks": "many"}, "weeks must be a whole number, not 'many'"),
        ({"minutes": 5}, "give a session length between 20 and 120 minutes"),
        ({"equipment": "rocket"}, "unknown equipment 'rocket': use one of none, bands, dumbbells"),
        ({"experience": "pro"}, "unknown experience 'pro': use one of new, some, experienced"),
        ({"phase": "summer"}, "unknown phase 'summer': use one of base, build, in-season, taper"),
        ({"avoid": "elbowz"}, "unknown avoid 'elbowz'"),
        ({"runs": {"tue": "jog"}}, "unknown run 'jog': use one of easy, recovery, long"),
        (
            {"phase": None, "race_date": TODAY - timedelta(days=1)},
            "race date 2026-11-22 is in the past (today is 2026-11-23): give your next race",
        ),
        ({"race_date": TODAY + timedelta(days=30)}, "give either a phase or a race date, not both"),
        ({"start": TODAY - timedelta(days=3)}, "start 2026-11-20 is in the past"),
        (
            {"phase": None, "start": TODAY + timedelta(days=7), "race_date": TODAY + timedelta(2)},
            "race date 2026-11-25 is before the plan starts (2026-11-30)",
        ),
        ({"today": None}, "today: Input should be a valid date"),
    ],
    ids=lambda value: str(value)[:40],
)
def test_impossible_input_is_a_readable_plan_error(overrides: dict, expected: str) -> None:
    with pytest.raises(PlanError) as caught:
        make_request(**{**BASE_REQUEST, **overrides})
    assert expected in str(caught.value)
    assert isinstance(caught.value, CoachError)
    assert "pydantic" not in str(caught.value) and "Traceback" not in str(caught.value)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(PlanError) as caught:
        make_request(**{**BASE_REQUEST, "weeks": 0, "free_days": (), "equipment": "rocket"})
    message = str(caught.value)
    assert "weeks:" in message and "free days:" in message and "equipment:" in message


@pytest.mark.parametrize(
    ("field", "typed", "stored"),
    [
        ("phase", "off-season", "base"),
        ("phase", "In Season", "in-season"),
        ("experience", "beginner", "new"),
        ("experience", "advanced", "experienced"),
        ("equipment", "kettlebells", ("dumbbells",)),
        ("equipment", "bodyweight", ("none",)),
        ("equipment", "none,bands", ("bands",)),
        ("equipment", "gym,bands", ("bands", "gym")),
        ("avoid", "knees, lower back", ("knee", "lower-back")),
        ("avoid", "Lunge", ("lunges",)),
        ("free_days", "Friday,monday,fri", ("mon", "fri")),
        ("runs", {"Sunday": "LSR", "thu": "threshold"}, {"thu": "tempo", "sun": "long"}),
    ],
)
def test_words_runners_type_are_normalised(field: str, typed: object, stored: object) -> None:
    request = make_request(**{**BASE_REQUEST, field: typed})
    assert getattr(request, field) == stored


def test_runs_are_stored_in_week_order() -> None:
    request = make_request(**{**BASE_REQUEST, "runs": {"sun": "long", "tue": "easy"}})
    assert list(request.runs) == ["tue", "sun"]


def test_no_phase_and_no_race_means_base() -> None:
    request = make_request(**{**BASE_REQUEST, "phase": None})
    assert request.effective_phase == "base"
    assert request.start_date == TODAY


def test_request_is_frozen() -> None:
    request = make_request(**BASE_REQUEST)
    with pytest.raises(ValueError):
        request.weeks = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tue:easy,thu:intervals,sun:long", {"tue": "easy", "thu": "intervals", "sun": "long"}),
        (" Tuesday : Easy ; sat:hill ", {"tue": "easy", "sat": "hills"}),
        ("", {}),
    ],
)
def test_parse_runs(text: str, expected: dict) -> None:
    assert parse_runs(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tue-easy", "run 'tue-easy' should look like day:kind, e.g. tue:easy"),
        ("tue:", "should look like day:kind"),
        ("funday:easy", "run 'funday:easy': unknown day 'funday'"),
        ("tue:sprint", "run 'tue:sprint': unknown run 'sprint'"),
        ("tue:easy,tue:long", "tue is listed twice in the runs"),
    ],
)
def test_parse_runs_names_the_bad_token(text: str, expected: str) -> None:
    with pytest.raises(PlanError, match=expected.replace("(", r"\(")):
        parse_runs(text)


def test_parse_days() -> None:
    assert parse_days("fri, mon,wed") == ("mon", "wed", "fri")
    with pytest.raises(PlanError, match="unknown day 'mnd'"):
        parse_days("mon,mnd")


def test_request_round_trips_through_json() -> None:
    request = make_request(**{**BASE_REQUEST, "avoid": "knee", "owner": "discord:42"})
    assert PlanRequest.model_validate_json(request.model_dump_json()) == request
    assert request.today == date(2026, 11, 23)
