"""`coach log` and `coach progress`: the training log from a terminal, on the same handlers as
Discord's `/log`, `/progress` and `/why` (bot/log_replies.py).

Whose log: `--member NAME`, else the OS user name (one person per OS account). The clock is
read only here (`--today` overrides it).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bot.cli.common import fail, load_settings, make_app, write_output
from bot.render_cli import render_reply
from bot.training_log_store import default_member
from planner.log_text import LIFTS_EXAMPLE, NIGGLES_EXAMPLE
from retrieval.errors import CoachError

log = logging.getLogger(__name__)
out = Console(soft_wrap=True)
err = Console(stderr=True)

log_app = typer.Typer(
    help="Your training log: add a session, list, export or delete it, share with coaches.",
    no_args_is_help=True,
)


Member = Annotated[
    str | None,
    typer.Option("--member", help="Whose log (default: your OS user name)."),
]
Today = Annotated[str | None, typer.Option(help="YYYY-MM-DD; defaults to today's date.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _today(text: str | None) -> date:
    from planner.api import parse_date

    return parse_date(text, "today") or date.today()


def _fail(exc: Exception) -> typer.Exit:
    fail(str(exc), 2)


def _store():
    from bot.training_log_store import open_log_store

    return open_log_store(load_settings().data_dir)


def _coach(quiet: bool):

    return make_app(load_settings(), quiet=quiet)


def _print(reply) -> None:
    render_reply(out, reply)


def _read_plan(path: Path):
    from planner.models import Plan

    try:
        return Plan.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise CoachError(f"can't read --plan {path}: {exc.strerror or exc}") from None
    except ValueError:
        raise CoachError(
            f"--plan {path} is not a plan: write one with `coach plan ... --json > {path}`"
        ) from None


@log_app.command("add")
def add(
    lifts: Annotated[
        str,
        typer.Argument(help=f"Main lifts in the compact format, e.g. “{LIFTS_EXAMPLE}”."),
    ] = "",
    session: Annotated[
        str | None,
        typer.Option(help="Week:session, e.g. 3:1 (default: the latest one due, not logged)."),
    ] = None,
    status: Annotated[str, typer.Option(help="done | partly | skipped.")] = "done",
    niggles: Annotated[str, typer.Option(help=f"Where and 0-10, e.g. “{NIGGLES_EXAMPLE}”.")] = "",
    next_run: Annotated[
        str | None,
        typer.Option("--next-run", help="How the next run felt: easier | normal | harder."),
    ] = None,
    note: Annotated[str, typer.Option(help="Anything else worth remembering.")] = "",
    plan_file: Annotated[
        Path | None,
        typer.Option("--plan", help="The plan to log against (from `coach plan --json`); kept."),
    ] = None,
    member: Member = None,
    today: Today = None,
    as_json: AsJson = False,
) -> None:
    """Log one session of your plan; prints what changes at your next session and why."""
    from bot import log_replies
    from planner.log_text import parse_session_ref

    who = member or default_member()
    try:
        day = _today(today)
        plan = _read_plan(plan_file) if plan_file else None
        store = _store()
        plan = plan or log_replies.member_plan(store, who)
        week, number = (
            parse_session_ref(session) if session else log_replies.due(store, who, plan, day)
        )
        coach = _coach(quiet=as_json)
        logged = log_replies.log_session(
            coach, store, who, plan, week=week, session=number, today=day, status=status,
            lifts=lifts, niggles=niggles, next_run=next_run, note=note,
        )  # fmt: skip
    except CoachError as exc:
        raise _fail(exc) from None
    if as_json:
        print(json.dumps({
            "new": logged.new,
            "entry": logged.entry.model_dump(mode="json"),
            "next_session": logged.adapted.next_session,
            "changes": [c.model_dump(mode="json") for c in logged.adapted.changes],
        }, indent=2, ensure_ascii=False))  # fmt: skip
    else:
        _print(log_replies.logged_reply(logged))


@log_app.command("list")
def list_entries(member: Member = None, as_json: AsJson = False) -> None:
    """Your latest entries, newest first."""
    from bot import log_replies

    who = member or default_member()
    try:
        store = _store()
        entries = store.log(who)
        plan = store.plan(who)
    except CoachError as exc:
        raise _fail(exc) from None
    if as_json:
        print(json.dumps([e.model_dump(mode="json") for e in entries.entries], indent=2))
    else:
        _print(log_replies.log_list_reply(entries, plan))


@log_app.command("export")
def export(
    file: Annotated[Path, typer.Argument(help="Where to write the JSON (- for standard output).")],
    member: Member = None,
) -> None:
    """Write everything stored about your log to a JSON file."""

    who = member or default_member()
    try:
        data = _store().export_json(who)
        if str(file) == "-":
            sys.stdout.write(data + "\n")
            return
        write_output(file, data.encode("utf-8"), "export")
    except CoachError as exc:
        raise _fail(exc) from None
    err.print(f"Wrote the training log of {who} to {file}", highlight=False, soft_wrap=True)


@log_app.command("delete")
def delete(
    yes: Annotated[
        bool, typer.Option("--yes", help="Really delete (it cannot be undone).")
    ] = False,
    member: Member = None,
) -> None:
    """Delete your whole log, your plan on record and your sharing choice."""
    who = member or default_member()
    try:
        store = _store()
        if not yes:
            count = store.count(who)
            raise CoachError(
                f"this deletes all {count} entries of {who}'s training log and cannot be undone: "
                "run again with --yes (export it first with `coach log export FILE`)"
            )
        count = store.delete(who)
    except CoachError as exc:
        raise _fail(exc) from None
    out.print(f"Deleted the training log of {who} ({count} entries).", highlight=False)


@log_app.command("share")
def share(
    setting: Annotated[
        str, typer.Argument(help="on | off: the coaches' weekly summary lists you.")
    ],
    member: Member = None,
) -> None:
    """Opt in (or out) of the coaches' weekly summary of logging, fatigue and niggles."""
    from bot import log_replies

    who = member or default_member()
    on = setting.strip().lower()
    if on not in ("on", "off"):
        raise _fail(CoachError(f"share takes on or off, not {setting!r}"))
    try:
        _store().set_sharing(who, on == "on")
    except CoachError as exc:
        raise _fail(exc) from None
    _print(log_replies.share_reply(on == "on"))


@log_app.command("why")
def why(member: Member = None, today: Today = None, as_json: AsJson = False) -> None:
    """Every change your log made to your plan, each with its rule and source."""
    from bot import log_replies

    who = member or default_member()
    try:
        store = _store()
        plan = log_replies.member_plan(store, who)
        adapted = log_replies.adapt(_coach(quiet=True), store, who, plan, _today(today))
    except CoachError as exc:
        raise _fail(exc) from None
    if as_json:
        print(json.dumps([c.model_dump(mode="json") for c in adapted.changes], indent=2))
    else:
        _print(log_replies.changes_reply(adapted))


@log_app.command("plan")
def adapted_plan(
    member: Member = None,
    today: Today = None,
    as_json: AsJson = False,
    ics: Annotated[
        Path | None,
        typer.Option(help="Also write it to this .ics file: re-importing updates the same events."),
    ] = None,
) -> None:
    """Your plan as your log adapts it today: Markdown (or JSON), each change cited."""
    from datetime import UTC, datetime

    from bot import log_replies
    from planner.render_ics import render_ics
    from planner.render_markdown import render_markdown

    who = member or default_member()
    try:
        store = _store()
        plan = log_replies.member_plan(store, who)
        adapted = log_replies.adapt(_coach(quiet=True), store, who, plan, _today(today)).plan
        if ics is not None:
            write_output(ics, render_ics(adapted, now=datetime.now(UTC)), "ics")
            err.print(f"Wrote the adapted plan to {ics}", highlight=False, soft_wrap=True)
    except CoachError as exc:
        raise _fail(exc) from None
    typer.echo(adapted.model_dump_json(indent=2) if as_json else render_markdown(adapted))


def progress(
    png: Annotated[
        Path | None, typer.Option(help="Also write the progress picture to this PNG file.")
    ] = None,
    member: Member = None,
    today: Today = None,
    as_json: AsJson = False,
) -> None:
    """Your progress at a glance: main lifts, effort, niggles and retests by week."""
    from bot import log_replies

    who = member or default_member()
    try:
        day = _today(today)
        data, _ = log_replies.progress(_coach(quiet=True), _store(), who, day)
        if png is not None:
            write_output(png, log_replies.progress_picture(data).data, "png")
            err.print(f"Wrote the progress picture to {png}", highlight=False, soft_wrap=True)
    except CoachError as exc:
        raise _fail(exc) from None
    if as_json:
        print(data.model_dump_json(indent=2))
    else:
        _print(log_replies.progress_reply(data, day, picture=png is not None))
