"""The local console: the bot's commands in a terminal, rendered with rich instead of embeds."""

from __future__ import annotations

import logging
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from answering.models import Turn
from bot import replies
from bot.render_cli import render_reply
from bot.replies import InputError, Reply
from planner.models import Plan
from planner.options import plan_options
from retrieval.errors import CoachError

if TYPE_CHECKING:
    from bot.app import CoachApp
    from bot.console_log import ConsoleLog
    from library.admin import KnowledgeAdmin, Staged

log = logging.getLogger(__name__)

HISTORY_TURNS = 6
PROMPT = "you › "
QUIT = frozenset({"/quit", "/exit", "/q"})
# The plan request's options (planner/options.py), as `--name value` or `--name=value`.
PLAN_OPTIONS = {option.flag: option for option in plan_options()}
PLAN_EXAMPLE = "/plan --runs tue:easy,thu:intervals,sun:long --free mon,fri"
KB_ADMIN = frozenset(
    {"list", "show", "history", "lint", "add", "confirm", "cancel", "remove", "undo"}
)
KB_USAGE = (
    "Use /kb status, reload, list [page], show FILE, history [FILE], lint, add PATH|URL "
    "(then confirm or cancel), remove FILE, undo CHANGE."
)
CONSOLE_USER = "console"


def parse_flags(text: str) -> dict[str, str]:
    """`--runs tue:easy --free=mon,fri` to {"runs": ..., "free_days": ...}; InputError if odd."""
    try:
        tokens = shlex.split(text)
    except ValueError as error:
        raise InputError(f"Could not read that: {error}. Example: {PLAN_EXAMPLE}") from None
    flags: dict[str, str] = {}
    i = 0
    while i < len(tokens):
        name, eq, value = tokens[i].partition("=")
        if name not in PLAN_OPTIONS:
            raise InputError(f"Unknown option {name}. Options: {', '.join(PLAN_OPTIONS)}.")
        if not eq:
            i += 1
            if i == len(tokens):
                raise InputError(f"{name} needs a value. Example: {PLAN_EXAMPLE}")
            value = tokens[i]
        flags[PLAN_OPTIONS[name].name] = value
        i += 1
    for option in PLAN_OPTIONS.values():
        if option.required and option.name not in flags:
            what = option.help[:1].lower() + option.help[1:]
            raise InputError(f"Say which {what} with {option.flag}. Example: {PLAN_EXAMPLE}")
    return flags


def plan_help() -> Reply:
    """`/plan --help`: every option with its help, limits, default and choices."""
    lines = [
        f"`{option.flag}`{' (required)' if option.required else ''}: "
        + option.describe(default=True, choices=True)
        for option in PLAN_OPTIONS.values()
    ]
    return Reply(kind="help", title="/plan options", body="\n".join(lines), footer=PLAN_EXAMPLE)


@dataclass
class Session:
    """One console conversation: earlier turns feed follow-up questions."""

    app: CoachApp
    console: Console
    history: list[Turn] = field(default_factory=list)
    plan: Plan | None = None
    out_dir: Path = field(default_factory=Path.cwd)
    staged: Staged | None = None
    _admin: KnowledgeAdmin | None = None
    # What "today" is for plans and logs (a fixed date in tests: a plan's first week depends
    # on the weekday it is made).
    today: Callable[[], date] = date.today

    def handle(self, line: str) -> bool:
        """Run one line; False when the user wants to leave."""
        line = line.strip()
        if not line:
            return True
        if line.lower() in QUIT:
            return False
        command, _, rest = line.partition(" ") if line.startswith("/") else ("/ask", "", line)
        action = self.commands().get(command.lower())
        if action is None:
            raise InputError(f"Unknown command {command}. Type /help to see what I can do.")
        action(rest.strip())
        return True

    def commands(self) -> dict[str, Callable[[str], None]]:
        return {
            "/ask": self.ask,
            "/sources": self.sources,
            "/help": lambda _: render_reply(self.console, replies.help_reply(discord=False)),
            "/new": self.new,
            "/kb": self.kb,
            "/plan": self.make_plan,
            "/why": self.why,
            "/swap": self.swap,
            "/ics": self.ics,
            "/png": self.png,
            "/log": lambda text: self.training_log().log(text),
            "/progress": lambda text: self.training_log().progress(text),
        }

    def training_log(self) -> ConsoleLog:
        """`/log` and `/progress` (bot/console_log.py), logging against this session's plan."""
        from bot.console_log import ConsoleLog

        return ConsoleLog(self.app, self.console, lambda: self.plan, render_reply, self.today)

    def ask(self, text: str) -> None:
        question = replies.clean_question(text)
        with self.console.status("thinking…"):
            answer = replies.ask(self.app, question, self.history[-HISTORY_TURNS:])
        render_reply(self.console, replies.answer_reply(answer))
        self.history.append(Turn(question=answer.question, answer=answer.answer))

    def new(self, _: str) -> None:
        self.history.clear()
        self.console.print("[dim]New conversation: earlier questions are forgotten.[/]")

    def sources(self, topic: str) -> None:
        render_reply(self.console, replies.sources_reply(self.app.sources(topic or None), topic))

    def make_plan(self, text: str) -> None:
        if text.strip() in ("--help", "-h"):
            render_reply(self.console, plan_help())
            return
        request = replies.plan_request(today=self.today(), **parse_flags(text))
        with self.console.status("planning…"):
            self.plan = replies.make_plan(self.app, request)
        render_reply(self.console, replies.plan_reply(self.plan))
        self.console.print("[dim]Next: /why [exercise], /swap <exercise> [week], /ics, /png[/]")

    def png(self, target: str) -> None:
        """The week at a glance as a picture, written only when asked: to PATH, else into the
        current folder (like /ics). Unasked, a plan would litter wherever the console runs."""
        attachment = replies.picture_attachment(self.current_plan())
        path = Path(target).expanduser() if target else self.out_dir / attachment.filename
        if path.is_dir():
            path = path / attachment.filename
        try:
            path.write_bytes(attachment.data)
        except OSError as error:
            self.console.print(f"[yellow]Could not save the week picture to {escape(str(path))}: "
                               f"{escape(error.strerror or str(error))}[/]")  # fmt: skip
            return
        self.console.print(f"Week at a glance saved to [bold]{escape(str(path))}[/]")

    def current_plan(self) -> Plan:
        if self.plan is None:
            raise InputError(f"Make a plan first, e.g. {PLAN_EXAMPLE}")
        return self.plan

    def why(self, exercise: str) -> None:
        reply = replies.why_reply(self.app, self.current_plan(), exercise or None)
        render_reply(self.console, reply)

    def swap(self, text: str) -> None:
        words = text.split()
        week = None
        if len(words) > 1 and words[-1].isdigit():
            week = int(words.pop())
        if not words:
            raise InputError("Name the exercise to swap, e.g. /swap goblet squat")
        self.plan = replies.swap_plan(self.app, self.current_plan(), " ".join(words), week)
        render_reply(self.console, replies.plan_reply(self.plan))

    def ics(self, start: str) -> None:
        when = replies.parse_date(start, "start")
        attachment = replies.ics_attachment(self.current_plan(), when)
        path = self.out_dir / attachment.filename
        path.write_bytes(attachment.data)
        self.console.print(f"Calendar written to [bold]{escape(str(path))}[/]: open it to import.")

    def kb(self, rest: str) -> None:
        words = shlex.split(rest) if rest.strip() else ["status"]
        sub, args = words[0].lower(), words[1:]
        now = replies.utcnow()
        if sub == "status":
            render_reply(self.console, replies.status_reply(self.app.status(), now=now))
        elif sub == "reload":
            with self.console.status("re-indexing…"):
                report = self.app.reindex()
            reply = replies.reindex_reply(report, self.app.status(), now=now)
            render_reply(self.console, reply)
        elif sub in KB_ADMIN:
            self.kb_admin(sub, args)
        else:
            raise InputError(f"Unknown /kb command {sub}. {KB_USAGE}")

    def kb_admin(self, sub: str, args: list[str]) -> None:
        """The coaches' knowledge-base commands, on the same core as `coach kb` and `/kb`."""
        from bot import kb_replies

        admin = self.admin()
        who = CONSOLE_USER
        target = " ".join(args)
        if sub == "list":
            page = int(args[0]) if args and args[0].isdigit() else 1
            reply = kb_replies.list_reply(admin.list_files(), page)
        elif sub == "show":
            reply = kb_replies.outline_reply(admin.show(_needs(target, "show FILE")))
        elif sub == "history":
            reply = kb_replies.history_reply(admin.changes(target or None), target or None)
        elif sub == "lint":
            reply = kb_replies.lint_reply(admin.lint())
        elif sub == "add":
            self.staged = self.stage(admin, _needs(target, "add PATH|URL"), who)
            reply = kb_replies.preview_reply(self.staged)
            self.console.print("[dim]Type /kb confirm to add it, or /kb cancel.[/]")
        elif sub in ("confirm", "cancel"):
            if self.staged is None:
                raise InputError("Nothing to confirm: preview a file first with /kb add PATH|URL.")
            staged, self.staged = self.staged, None
            if sub == "cancel":
                admin.cancel(staged.id)
                self.console.print("Cancelled: nothing was written.")
                return
            with self.console.status("adding and re-indexing…"):
                reply = kb_replies.change_reply(admin.add(staged.id, who=who))
        elif sub == "remove":
            name = _needs(target.removesuffix(" --yes").strip(), "remove FILE --yes")
            if not target.endswith("--yes"):
                path = admin.path_of(name)
                self.console.print(
                    f"This removes {escape(admin.source_of(path))} (undo brings it back). "
                    f"Type /kb remove {escape(name)} --yes to go ahead."
                )
                return
            with self.console.status("removing and re-indexing…"):
                reply = kb_replies.change_reply(admin.remove(name, who=who))
        else:  # undo
            if not target.isdigit():
                raise InputError("Give the change number from /kb history, e.g. /kb undo 3")
            with self.console.status("undoing and re-indexing…"):
                reply = kb_replies.change_reply(admin.undo(int(target), who=who))
        render_reply(self.console, reply)

    def admin(self) -> KnowledgeAdmin:
        from library.admin import KnowledgeAdmin

        if self._admin is None:
            self._admin = KnowledgeAdmin(self.app)
        return self._admin

    def stage(self, admin: KnowledgeAdmin, target: str, who: str) -> Staged:
        if target.lower().startswith(("http://", "https://")):
            with self.console.status("fetching…"):
                return admin.preview_url(target, who=who)
        path = Path(target).expanduser()
        if not path.is_file():
            raise InputError(f"No file {target}: give a file path or an http(s) URL.")
        if path.stat().st_size > admin.settings.kb_max_fetch_bytes:
            raise InputError(f"{target} is too large for an article; split it into smaller files.")
        return admin.preview_bytes(path.read_bytes(), path.name, who=who)


def _needs(value: str, usage: str) -> str:
    if not value:
        raise InputError(f"Usage: /kb {usage}")
    return value


def run_console(
    app: CoachApp,
    *,
    input_fn: Callable[[str], str] = input,
    console: Console | None = None,
    today: Callable[[], date] = date.today,
) -> None:
    """Read commands until /quit or end of input; errors are one red line, never a crash."""
    console = console or Console()
    session = Session(app, console, today=today)
    console.print(
        "[bold]Club Coach[/] — ask a strength-training question, or type /help. /quit to leave."
    )
    while True:
        try:
            line = input_fn(PROMPT)
        except (EOFError, KeyboardInterrupt):
            console.print()
            break
        try:
            if not session.handle(line):
                break
        except CoachError as error:
            console.print(f"[red]{escape(str(error))}[/]")
        except KeyboardInterrupt:
            console.print("[dim]Interrupted.[/]")
        except Exception:
            log.exception("console command failed: %s", line)
            console.print(
                "[red]Something went wrong on our side (details in the log). Try again.[/]"
            )
    console.print("[dim]Bye! Keep your long runs easy.[/]")
