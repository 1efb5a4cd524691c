"""`coach plan`: parse the runner's week, build the cited plan, render it (Markdown, JSON, ICS).

Registered by bot/cli.py with `app.command("plan")(plan)`. The clock is read only here.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from bot.settings import Settings
from planner.models import Plan
from planner.render_ics import render_ics
from planner.render_markdown import render_audit, render_markdown
from planner.service import Planner, make_request, parse_date, parse_days, parse_runs
from retrieval.errors import CoachError, KnowledgeError
from retrieval.models import Chunk

log = logging.getLogger(__name__)
err = Console(stderr=True)
USAGE_ERROR = 2


def knowledge_chunks(knowledge_dir: Path) -> list[Chunk]:
    """Chunks of every usable knowledge file, for resolving citations (no embeddings needed)."""
    from retrieval.ingest import chunk_document, load_document, scan_knowledge

    paths, skipped = scan_knowledge(knowledge_dir)
    for item in skipped:
        log.info("skipped %s: %s", item.source, item.reason)
    chunks: list[Chunk] = []
    for path in paths:
        try:
            chunks += chunk_document(load_document(path, knowledge_dir))[0]
        except KnowledgeError as exc:
            log.warning("skipped %s: %s", path, exc)
    return chunks


def plan(
    runs: Annotated[
        str,
        typer.Option(
            help="Run days and kinds, e.g. tue:easy,thu:intervals,sun:long. "
            "Kinds: easy, recovery, long, tempo, intervals, hills, race."
        ),
    ] = "",
    free: Annotated[str, typer.Option(help="Days you can lift, e.g. mon,wed,fri.")] = "",
    equipment: Annotated[
        str, typer.Option(help="none | bands | dumbbells | gym (comma-separate to combine).")
    ] = "none",
    phase: Annotated[
        str | None, typer.Option(help="base (off-season) | build | in-season | taper.")
    ] = None,
    race_date: Annotated[
        str | None,
        typer.Option("--race-date", help="YYYY-MM-DD; phases are counted back from it."),
    ] = None,
    weeks: Annotated[int, typer.Option(help="Plan length, 1-16 weeks.")] = 8,
    experience: Annotated[str, typer.Option(help="new | some | experienced (lifting).")] = "some",
    minutes: Annotated[int, typer.Option(help="Session length in minutes (20-120).")] = 45,
    avoid: Annotated[
        str, typer.Option(help="Injuries or movements to avoid, e.g. knee,lower-back,lunges.")
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
    why: Annotated[bool, typer.Option("--why", help="Explain the plan's choices.")] = False,
    why_exercise: Annotated[
        str | None,
        typer.Option(
            "--why-exercise", help="Explain one exercise (id): why it, its day, its load."
        ),
    ] = None,
    swap: Annotated[
        str | None, typer.Option(help="Swap this exercise id for the nearest one that fits.")
    ] = None,
    swap_week: Annotated[
        int | None, typer.Option("--swap-week", help="Swap only in this week.")
    ] = None,
    audit: Annotated[bool, typer.Option("--audit", help="Print the rule audit card.")] = False,
) -> None:
    """Build a strength plan around your runs, citing the club's guides for every choice."""
    try:
        request = make_request(
            runs=parse_runs(runs),
            free_days=parse_days(free),
            equipment=equipment,
            phase=phase,
            race_date=parse_date(race_date, "race date"),
            weeks=weeks,
            experience=experience,
            minutes=minutes,
            avoid=avoid,
            today=parse_date(today, "today") or date.today(),
            start=parse_date(start, "start"),
            owner=owner,
        )
        planner = Planner(knowledge_chunks(Settings().knowledge_dir))
        result: Plan = planner.plan(request)
        if swap:
            result = planner.swap(result, swap, swap_week)
        if ics is not None:
            ics.write_bytes(render_ics(result))
            count = sum(len(week.sessions) for week in result.weeks)
            err.print(f"Wrote {count} sessions to {ics}", highlight=False, soft_wrap=True)
        if json_out:
            typer.echo(result.model_dump_json(indent=2))
        elif why or why_exercise:
            typer.echo(planner.explain(result, why_exercise))
        else:
            typer.echo(render_markdown(result))
        if audit:
            typer.echo("\n" + render_audit(result, planner.audit(result)))
    except CoachError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(USAGE_ERROR) from None
