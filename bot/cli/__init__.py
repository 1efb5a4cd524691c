"""`coach`: the command-line adapter. Each command parses, calls the core, renders."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from bot import render_cli
from bot.cli.common import (
    INDEX_WAIT_S,
    err,
    fail,
    hand_over,
    load_settings,
    make_app,
    out,
    run,
)
from bot.cli.kb import kb_app
from bot.cli.log import log_app, progress
from bot.cli.plan import plan
from bot.secrets_guard import protect
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.app import CoachApp


class _CoachTyper(typer.Typer):
    """The `coach` program. A one-shot read (`ask`, `search`) that finished exits as soon as
    its output is flushed: tearing down Chroma's Rust runtime, ONNX Runtime and every module
    costs ~130 ms and keeps nothing. Only a real run comes here (the console script and
    `python -m bot`, `python -m bot.cli`); Typer's test runner calls the command directly."""

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except SystemExit as done:
            if done.code in (0, None) and _read_only_done.is_set():
                _exit_now()
            raise


def _exit_now() -> None:
    try:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: leave it to the normal exit to report
        return
    os._exit(0)


_read_only_done = threading.Event()  # set by a read-only command that completed


def _index_stamp(settings: Settings) -> int | None:
    """When the index manifest last changed: a question may re-index edited files first."""
    from retrieval.manifest import MANIFEST_NAME

    try:
        return (settings.data_dir / MANIFEST_NAME).stat().st_mtime_ns
    except OSError:
        return None


def _done_reading(settings: Settings, stamp: int | None) -> None:
    """Allow the fast exit only if this run wrote no index: Chroma flushes its vector files
    when its client is torn down, and a skipped teardown must never cost a new generation."""
    if stamp is not None and _index_stamp(settings) == stamp:
        _read_only_done.set()


app = _CoachTyper(
    name="coach",
    help="Club Coach: grounded, cited coaching answers and strength plans for running clubs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(kb_app, name="kb")


@app.callback()
def main(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log details to stderr.")
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    protect()  # before any command runs: the secret environment variables at least


@app.command()
def index(
    rebuild: Annotated[bool, typer.Option(help="Re-embed everything into a fresh index.")] = False,
) -> None:
    """Index the knowledge folder (incremental: unchanged files are not re-embedded).

    While the bot runs against the same data folder it owns the index: the job is handed to
    it. While another `coach index` runs, this one waits for it.
    """
    from retrieval.ingest.writer import lock_holder, store_owner

    settings = load_settings()
    started = time.perf_counter()
    owner = None if settings.chroma_url else store_owner(settings.data_dir)
    if owner is not None and owner.pid != os.getpid():
        err.print(f"[dim]{escape(owner.describe())} owns the index: handing it the job...[/]")
        report = run(lambda: hand_over(settings, rebuild=rebuild))
        render_cli.index_report(out, report, time.perf_counter() - started)
        return
    coach = make_app(settings)
    coach.role = "coach index"
    holder = run(lambda: lock_holder(settings.data_dir))
    if holder is not None:
        err.print(f"[dim]waiting for {escape(holder.describe())} to finish...[/]")
    report = run(
        lambda: render_cli.with_progress(
            err,
            lambda progress: coach.reindex(
                rebuild=rebuild, progress=progress, lock_timeout=INDEX_WAIT_S
            ),
        )
    )
    render_cli.index_report(out, report, time.perf_counter() - started)


@app.command()
def search(
    query: Annotated[
        str | None,
        typer.Argument(
            help="What to look for. With --json and no QUERY, reads one query per line from stdin."
        ),
    ] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="How many passages.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per query.")] = False,
) -> None:
    """Find the passages that best match a query (hybrid dense + lexical search)."""
    if query is None and not as_json:
        fail("give a QUERY, or use --json to read queries from stdin", 2)
    settings = load_settings()
    stamp = _index_stamp(settings)
    coach = make_app(settings, quiet=as_json)
    if query is not None:
        result = run(lambda: coach.search(query, k))
        if as_json:
            out.print_json(result.model_dump_json()) if sys.stdout.isatty() else print(
                result.model_dump_json()
            )
        else:
            render_cli.search_result(out, result)
        _done_reading(settings, stamp)
        return
    for line in sys.stdin:
        if line.strip():
            result = run(partial(coach.search, line.strip(), k))
            print(result.model_dump_json(), flush=True)
    _done_reading(settings, stamp)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A question, the way you'd ask a coach.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
) -> None:
    """Answer a question from the club's guides, citing the passages used."""
    from bot.questions import clean_question

    asked = run(lambda: clean_question(question))  # the same limit as the console and Discord
    settings = load_settings()
    stamp = _index_stamp(settings)
    coach = make_app(settings, quiet=as_json)
    loading = coach.load_judge_in_background()
    started = time.perf_counter()
    try:
        answer = run(lambda: coach.ask(asked))
    finally:
        loading.join()
    answer.timings_ms.setdefault("total", round((time.perf_counter() - started) * 1000, 3))
    if as_json:
        print(answer.model_dump_json())
    else:
        render_cli.answer(out, answer)
    _done_reading(settings, stamp)


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print status as JSON.")] = False,
) -> None:
    """Show the index: when it was built, files, passages and skipped files with reasons.

    Exits non-zero when the store is damaged: the same check a question or `coach index` makes.
    """
    coach = make_app(load_settings(), quiet=True)
    info = run(coach.status)
    if as_json:
        print(info.model_dump_json())
    else:
        render_cli.status(out, info)
    run(lambda: _check_store(coach))


def _check_store(coach: CoachApp) -> None:
    from retrieval.live_index import check_store
    from retrieval.manifest import load_manifest, manifest_damaged

    data_dir = coach.settings.data_dir
    if manifest_damaged(data_dir) or load_manifest(data_dir) is not None:
        check_store(data_dir, coach.store)


@app.command("eval")
def evaluate(
    eval_set: Annotated[Path | None, typer.Option("--set", help="Eval set (.jsonl).")] = None,
    knowledge: Annotated[
        Path | None,
        typer.Option(
            help="Evaluate on this knowledge folder instead (indexed in a temporary place)."
        ),
    ] = None,
    calibrate: Annotated[
        bool, typer.Option(help="Re-calibrate the abstention threshold on this set and save it.")
    ] = False,
    baseline: Annotated[bool, typer.Option(help="Also run the naive baseline.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print metrics as JSON.")] = False,
) -> None:
    """Measure retrieval quality (recall@1/3/5, MRR, abstention) against a naive baseline."""
    from evaluation import harness as evaluation

    settings = load_settings()
    report = run(
        lambda: evaluation.run_cli_eval(
            settings.knowledge_dir if knowledge is None else knowledge,
            settings.data_dir,
            eval_set=eval_set,
            calibrate=calibrate,
            with_baseline=baseline,
            temporary=knowledge is not None,
            reference_dir=settings.knowledge_dir,
            notify=lambda m: err.print(f"[dim]{m}[/]"),
        )
    )
    if as_json:
        print(report.model_dump_json())
    else:
        render_cli.eval_report(out, report)


@app.command()
def console() -> None:
    """Open the local console: /ask, /plan, /sources, /help, like the Discord bot."""
    from bot.console import run_console

    coach = make_app(load_settings())
    coach.serving = True  # long-running: repairs a damaged store, warms the query encoder
    run(lambda: run_console(coach))


@app.command("bot")
def run_discord_bot() -> None:
    """Start the Discord bot (needs DISCORD_TOKEN; see the README's Discord section)."""
    settings = load_settings()
    if settings.discord_token is None:
        fail("DISCORD_TOKEN is not set. Put it in .env or the environment (README: Discord).")
    from bot.discord_bot.runner import run_bot

    coach = make_app(settings)
    coach.serving, coach.role = True, "bot"
    run(lambda: run_bot(coach))


@app.command()
def start() -> None:
    """The main job: the Discord bot when DISCORD_TOKEN is set, otherwise the local console."""
    settings = load_settings()
    if settings.discord_token is not None:
        run_discord_bot()
    else:
        err.print(
            "[dim]DISCORD_TOKEN not set: opening the local console "
            "(type /help, or just ask a question).[/]"
        )
        console()


app.command("plan", help=plan.__doc__)(plan)
app.add_typer(log_app, name="log")
app.command("progress", help=progress.__doc__)(progress)
