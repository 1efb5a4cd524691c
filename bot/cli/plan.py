"""`coach plan`: the runner's week in, the cited plan out (Markdown, JSON, calendar, picture).

Registered by bot/cli/__init__.py with `app.command("plan")(plan)`. It goes through the same app
service as the console's and Discord's `/plan` (`bot.replies` -> `CoachApp.planner`); the clock
is read only here.
"""

from __future__ import annotations

import inspect
import logging
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from bot.cli.common import load_settings, make_app, write_output
from planner.models import Plan
from planner.options import PlanOption, plan_options
from retrieval.errors import CoachError

log = logging.getLogger(__name__)
err = Console(stderr=True)
USAGE_ERROR = 2


def plan(
    json_out: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
    ics: Annotated[
        Path | None, typer.Option(help="Also write the sessions to this .ics calendar file.")
    ] = None,
    png: Annotated[
        Path | None, typer.Option(help="Also write a picture of the usual week to this PNG file.")
    ] = None,
    why: Annotated[bool, typer.Option("--why", help="Explain the plan's choices.")] = False,
    why_exercise: Annotated[
        str | None,
        typer.Option(
            "--why-exercise", help="Explain one exercise (id): why it, its day, its load."
        ),
    ] = None,
    swap: Annotated[
        str | None, typer.Option(help="Swap this exercise (id or name) for the nearest that fits.")
    ] = None,
    swap_week: Annotated[
        int | None, typer.Option("--swap-week", help="Swap only in this week.")
    ] = None,
    audit: Annotated[bool, typer.Option("--audit", help="Print the rule audit card.")] = False,
    **typed: Any,
) -> None:
    """Build a strength plan around your runs, citing the club's guides for every choice."""
    # Imported here: every other `coach` command would pay for the planner and icalendar.
    from bot import replies
    from planner.api import parse_date
    from planner.render_ics import render_ics
    from planner.render_markdown import render_audit, render_markdown

    try:
        today = parse_date(typed.pop("today"), "today") or date.today()
        request = replies.plan_request(today=today, **typed)
    except CoachError as exc:
        _fail(exc)
    coach = make_app(load_settings(), quiet=json_out)
    try:
        result: Plan = replies.make_plan(coach, request)
        if swap:
            result = replies.swap_plan(coach, result, swap, swap_week)
        if ics is not None:
            write_output(ics, render_ics(result, now=datetime.now(UTC)), "ics")
            count = sum(len(week.sessions) for week in result.weeks)
            err.print(f"Wrote {count} sessions to {ics}", highlight=False, soft_wrap=True)
        if png is not None:
            write_output(png, replies.picture_attachment(result).data, "png")
            err.print(f"Wrote the week at a glance to {png}", highlight=False, soft_wrap=True)
        if json_out:
            typer.echo(result.model_dump_json(indent=2))
        elif why or why_exercise:
            exercise = replies.find_exercise(result, why_exercise) if why_exercise else None
            typer.echo(coach.planner.explain(result, exercise))
        else:
            typer.echo(render_markdown(result))
        if audit:
            typer.echo("\n" + render_audit(result, coach.planner.audit(result)))
    except CoachError as exc:
        _fail(exc)


def _fail(exc: Exception) -> None:
    err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
    raise typer.Exit(USAGE_ERROR) from None


def typer_option(option: PlanOption) -> inspect.Parameter:
    """A request field as a `coach plan` option. Limits and choices are checked by the request
    model, not by Typer, so a bad value gets the same message as in the console and Discord."""
    kind: Any = int if option.shape == "number" else str
    help_text = option.describe(default=False, choices=True) + "."
    return inspect.Parameter(
        option.name,
        inspect.Parameter.KEYWORD_ONLY,
        annotation=Annotated[kind | None, typer.Option(option.flag, help=help_text)],
        default=option.default,  # a required field is left to the model to ask for
    )


def _with_request_options(command: Any) -> Any:
    """`command` with the request's fields (planner/options.py) before its own options."""
    own = inspect.signature(command, eval_str=True).parameters.values()
    generated = [typer_option(option) for option in plan_options(cli=True)]
    kept = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own if p.kind != p.VAR_KEYWORD]
    command.__signature__ = inspect.Signature([*generated, *kept])
    return command


plan = _with_request_options(plan)
