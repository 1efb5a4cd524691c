"""`coach plan`: the runner's week in, the cited plan out (Markdown, JSON, calendar, picture).

Registered by bot/cli/__init__.py with `app.command("plan")(plan)`. It goes through the same app
service as the console's and Discord's `/plan` (`bot.replies` -> `CoachApp.planner`); the clock
is read only here.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from bot.cli.common import load_settings, make_app, write_output
from planner.models import AVOID, EQUIPMENT, EXPERIENCES, MAX_WEEKS, PHASES, RUN_KINDS, Plan
from retrieval.errors import CoachError

log = logging.getLogger(__name__)
err = Console(stderr=True)
USAGE_ERROR = 2


def _words(words: tuple[str, ...]) -> str:
    return " | ".join(words)


def plan(
    runs: Annotated[
        str,
        typer.Option(
            help=f"Run days and kinds, e.g. tue:easy,thu:intervals,sun:long. Kinds: "
            f"{', '.join(RUN_KINDS)}."
        ),
    ] = "",
    free: Annotated[str, typer.Option(help="Days you can lift, e.g. mon,wed,fri.")] = "",
    equipment: Annotated[
        str, typer.Option(help=f"{_words(EQUIPMENT)} (comma-separate to combine).")
    ] = "none",
    phase: Annotated[
        str | None, typer.Option(help=f"{_words(PHASES)} (base = off-season).")
    ] = None,
    race_date: Annotated[
        str | None,
        typer.Option("--race-date", help="YYYY-MM-DD; phases are counted back from it."),
    ] = None,
    weeks: Annotated[int, typer.Option(help=f"Plan length, 1-{MAX_WEEKS} weeks.")] = 8,
    experience: Annotated[str, typer.Option(help=f"{_words(EXPERIENCES)} (lifting).")] = "some",
    minutes: Annotated[int, typer.Option(help="Session length in minutes (20-120).")] = 45,
    avoid: Annotated[
        str,
        typer.Option(help=f"Injuries or movements to avoid, comma-separated: {', '.join(AVOID)}."),
    ] = "",
    today: Annotated[str | None, typer.Option(help="YYYY-MM-DD; defaults to today's date.")] = None,
    start: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD first day of the plan; defaults to today.")
    ] = None,
    owner: Annotated[
        str | None, typer.Option(help="Whose plan: keeps calendar event ids stable on updates.")
    ] = None,
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
) -> None:
    """Build a strength plan around your runs, citing the club's guides for every choice."""
    # Imported here: every other `coach` command would pay for the planner and icalendar.
    from bot import replies
    from planner.render_ics import render_ics
    from planner.render_markdown import render_audit, render_markdown
    from planner.service import parse_date

    try:
        request = replies.plan_request(
            free_days=free, runs=runs, equipment=equipment, phase=phase, race_date=race_date,
            weeks=weeks, experience=experience, minutes=minutes, avoid=avoid,
            today=parse_date(today, "today") or date.today(), start=start, owner=owner,
        )  # fmt: skip
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
