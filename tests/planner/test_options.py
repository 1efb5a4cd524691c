"""The plan's options are declared once, on PlanRequest: every surface offers each field with
the model's default, limits, help and choices (a new field can't be forgotten on one)."""

from __future__ import annotations

import inspect
from datetime import date

import pytest
import typer

from bot import replies
from bot.cli import app
from bot.console import PLAN_OPTIONS, parse_flags, plan_help
from bot.discord_bot.cogs.plan import PlanCog, completer, fixed_choices
from bot.replies import InputError
from planner.models import MAX_MINUTES, MAX_WEEKS, MIN_MINUTES, PlanRequest
from planner.options import PlanOption, plan_options

TODAY = date(2026, 11, 23)
EVERYWHERE = plan_options()
ALL = plan_options(cli=True)


def test_the_options_are_the_request_fields_with_their_limits() -> None:
    assert [option.name for option in ALL] == list(PlanRequest.model_fields)
    assert {o.name for o in ALL if o.cli_only} == {"today", "owner"}
    by_name = {option.name: option for option in ALL}
    assert (by_name["minutes"].minimum, by_name["minutes"].maximum) == (MIN_MINUTES, MAX_MINUTES)
    assert (by_name["weeks"].minimum, by_name["weeks"].maximum) == (1, MAX_WEEKS)
    assert by_name["free_days"].required and by_name["free_days"].flag == "--free"
    assert by_name["runs"].shape == "pairs" and "intervals" in by_name["runs"].choices


def test_the_typed_defaults_give_the_model_defaults() -> None:
    typed = {o.name: o.default for o in EVERYWHERE if o.default is not None}
    assert typed == {"minutes": 45, "experience": "some", "equipment": "none", "weeks": 8}
    given = replies.plan_request(today=TODAY, free_days="mon", **typed)
    assert given == replies.plan_request(today=TODAY, free_days="mon")
    assert given == PlanRequest(free_days=("mon",), today=TODAY)


def test_every_option_reaches_the_request() -> None:
    accepted = set(inspect.signature(replies.plan_request).parameters)
    assert {option.name for option in ALL} <= accepted


def _help_mentions(text: str, option: PlanOption) -> None:
    assert option.help in text
    if option.minimum is not None:
        assert f"{option.minimum}-{option.maximum}" in text
    for word in option.choices:
        assert word in text


def test_coach_plan_offers_every_option() -> None:
    command = typer.main.get_command(app).commands["plan"]  # type: ignore[attr-defined]
    params = {param.name: param for param in command.params}
    for option in ALL:
        param = params[option.name]
        assert param.opts == [option.flag]
        assert param.default == option.default
        _help_mentions(param.help, option)


def test_discord_plan_offers_every_option_but_the_cli_only_ones() -> None:
    params = {param.name: param for param in PlanCog.plan_command.parameters}
    assert set(params) == {option.name for option in EVERYWHERE}
    for option in EVERYWHERE:
        param = params[option.name]
        assert param.required == option.required
        if not option.required:
            assert param.default == option.default
        if option.shape == "number":
            assert (param.min_value, param.max_value) == (option.minimum, option.maximum)
        assert option.help in param.description and len(param.description) <= 100
        if fixed_choices(option):
            assert [choice.value for choice in param.choices] == list(option.choices)
        else:
            assert bool(param.autocomplete) == (option.shape in ("words", "pairs"))


async def test_discord_autocomplete_comes_from_the_vocabulary() -> None:
    by_name = {option.name: option for option in EVERYWHERE}
    runs = await completer(by_name["runs"])(None, "tue:easy, th")  # type: ignore[arg-type]
    assert [c.value for c in runs][:2] == ["tue:easy, thu:easy", "tue:easy, thu:recovery"]
    avoid = await completer(by_name["avoid"])(None, "knee, lu")  # type: ignore[arg-type]
    assert [c.value for c in avoid] == ["knee, lunges"]


def test_the_console_reads_every_option_and_lists_it_in_its_help() -> None:
    assert [option.name for option in PLAN_OPTIONS.values()] == [o.name for o in EVERYWHERE]
    flags = " ".join(f"{option.flag} x" for option in EVERYWHERE)
    assert parse_flags(flags) == {option.name: "x" for option in EVERYWHERE}
    text = plan_help().body
    for option in EVERYWHERE:
        assert option.flag in text
        _help_mentions(text, option)
    with pytest.raises(InputError, match="--today"):
        parse_flags("--free mon --today 2026-11-23")  # the console's today is the clock's
