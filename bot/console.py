"""The local console: the bot's commands in a terminal, rendered with rich instead of embeds."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape

from bot import commands as handlers
from bot.commands import InputError, Reply
from retrieval.errors import CoachError
from retrieval.models import Turn

if TYPE_CHECKING:
    from bot.app import CoachApp

log = logging.getLogger(__name__)

HISTORY_TURNS = 6
PROMPT = "you › "
QUIT = frozenset({"/quit", "/exit", "/q"})


def render_reply(console: Console, reply: Reply) -> None:
    """A reply as rich text: title, body, fields, numbered sources, footer."""
    if reply.title:
        console.print(f"[bold cyan]{escape(reply.title)}[/]")
    if reply.body:
        console.print(Markdown(reply.body))
    for item in reply.fields:
        console.print(f"[bold]{escape(item.name)}[/]")
        console.print(Markdown(item.value))
    if reply.sources:
        console.print("[bold]Sources[/]")
        for source in reply.sources:
            console.print(f"  [{source.n}] {escape(source.label())}", highlight=False)
    if reply.footer:
        console.print(f"[dim]{escape(reply.footer)}[/]")
    console.print()


@dataclass
class Session:
    """One console conversation: earlier turns feed follow-up questions."""

    app: CoachApp
    console: Console
    history: list[Turn] = field(default_factory=list)
    out_dir: Path = field(default_factory=Path.cwd)

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
            "/help": lambda _: render_reply(self.console, handlers.help_reply(discord=False)),
            "/new": self.new,
            "/kb": self.kb,
        }

    def ask(self, text: str) -> None:
        question = handlers.clean_question(text)
        with self.console.status("thinking…"):
            answer = handlers.ask(self.app, question, self.history[-HISTORY_TURNS:])
        render_reply(self.console, handlers.answer_reply(answer))
        self.history.append(Turn(question=answer.question, answer=answer.answer))

    def new(self, _: str) -> None:
        self.history.clear()
        self.console.print("[dim]New conversation: earlier questions are forgotten.[/]")

    def sources(self, topic: str) -> None:
        render_reply(self.console, handlers.sources_reply(self.app.sources(topic or None), topic))

    def kb(self, rest: str) -> None:
        sub = rest.split()[0].lower() if rest.split() else "status"
        now = handlers.utcnow()
        if sub == "status":
            render_reply(self.console, handlers.status_reply(self.app.status(), now=now))
        elif sub == "reload":
            with self.console.status("re-indexing…"):
                report = self.app.reindex()
            reply = handlers.reindex_reply(report, self.app.status(), now=now)
            render_reply(self.console, reply)
        else:
            raise InputError("Use `/kb status` or `/kb reload`.")


def run_console(
    app: CoachApp,
    *,
    input_fn: Callable[[str], str] = input,
    console: Console | None = None,
) -> None:
    """Read commands until /quit or end of input; errors are one red line, never a crash."""
    console = console or Console()
    session = Session(app, console)
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
