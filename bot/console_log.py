"""The console's `/log` and `/progress`: the same handlers as `coach log` and Discord's `/log`.

`/log LIFTS [--session W:S] [--status ...] [--niggles ...] [--next-run ...] [--note ...]` logs
a session of the plan made with `/plan` in this console (or the one on record); `/log list`,
`/log why`, `/log export FILE`, `/log delete --yes`, `/log share on|off`. `/progress` prints a
summary and writes the picture only where asked (`--png FILE`).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from bot import log_replies
from bot.questions import InputError
from bot.replies import Reply
from bot.training_log_store import default_member, open_log_store
from planner.api import parse_date
from planner.log_text import LIFTS_EXAMPLE, parse_session_ref
from planner.models import Plan

if TYPE_CHECKING:
    from bot.app import CoachApp

LOG_FLAGS = {"--session": "session", "--status": "status", "--niggles": "niggles",
             "--next-run": "next_run", "--note": "note", "--member": "member",
             "--today": "today", "--png": "png"}  # fmt: skip
LOG_USAGE = (
    f"Use /log {LIFTS_EXAMPLE} [--session 3:1] [--status done|partly|skipped] "
    "[--niggles 'knee 3'] [--next-run easier|normal|harder] [--note TEXT]; "
    "/log list, /log why, /log export FILE, /log delete --yes, /log share on|off."
)
LOG_SUBCOMMANDS = frozenset({"list", "why", "export", "delete", "share"})


def split_flags(
    text: str, allowed: frozenset[str] | None = None
) -> tuple[list[str], dict[str, str]]:
    """Words and `--flag value` pairs; InputError naming an unknown or valueless flag."""
    try:
        tokens = shlex.split(text)
    except ValueError as error:
        raise InputError(f"Could not read that: {error}. {LOG_USAGE}") from None
    words: list[str] = []
    flags: dict[str, str] = {}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == "--yes":
            flags["yes"] = "yes"
        elif token.startswith("--"):
            name, eq, value = token.partition("=")
            if name not in LOG_FLAGS or (allowed is not None and name not in allowed):
                raise InputError(f"Unknown option {name}. {LOG_USAGE}")
            if not eq:
                i += 1
                if i == len(tokens):
                    raise InputError(f"{name} needs a value. {LOG_USAGE}")
                value = tokens[i]
            flags[LOG_FLAGS[name]] = value
        else:
            words.append(token)
        i += 1
    return words, flags


class ConsoleLog:
    """`/log` and `/progress` for one console session (its current plan comes from `plan()`)."""

    def __init__(
        self,
        app: CoachApp,
        console: Console,
        plan: Callable[[], Plan | None],
        render: Callable[[Console, Reply], None],
        today: Callable[[], date] = date.today,
    ) -> None:
        self.app = app
        self.console = console
        self.current_plan = plan
        self.render = render
        self.today = today

    def _today(self, flags: dict[str, str]) -> date:
        return parse_date(flags.get("today"), "today") or self.today()

    def log(self, text: str) -> None:
        words, flags = split_flags(text)
        member = flags.get("member") or default_member()
        sub = words[0].lower() if words and words[0].lower() in LOG_SUBCOMMANDS else "add"
        store = open_log_store(self.app.settings.data_dir)
        try:
            if sub == "add":
                self._add(store, member, " ".join(words), flags)
            elif sub == "list":
                reply = log_replies.log_list_reply(store.log(member), store.plan(member))
                self.render(self.console, reply)
            elif sub == "why":
                plan = log_replies.member_plan(store, member)
                adapted = log_replies.adapt(self.app, store, member, plan, self._today(flags))
                self.render(self.console, log_replies.changes_reply(adapted))
            elif sub == "export":
                self._export(store, member, words[1:])
            elif sub == "delete":
                self._delete(store, member, "yes" in flags)
            else:
                setting = words[1].lower() if len(words) > 1 else ""
                if setting not in ("on", "off"):
                    raise InputError("Use /log share on, or /log share off.")
                store.set_sharing(member, setting == "on")
                self.render(self.console, log_replies.share_reply(setting == "on"))
        finally:
            store.close()

    def _add(self, store, member: str, lifts: str, flags: dict[str, str]) -> None:
        today = self._today(flags)
        plan = self.current_plan() or log_replies.member_plan(store, member)
        session = flags.get("session")
        if session:
            week, number = parse_session_ref(session)
        else:
            week, number = log_replies.due(store, member, plan, today)
        with self.console.status("logging…"):
            logged = log_replies.log_session(
                self.app, store, member, plan, week=week, session=number, today=today,
                status=flags.get("status", "done"), lifts=lifts,
                niggles=flags.get("niggles", ""), next_run=flags.get("next_run"),
                note=flags.get("note", ""),
            )  # fmt: skip
        self.render(self.console, log_replies.logged_reply(logged))

    def _export(self, store, member: str, words: list[str]) -> None:
        if not words:
            raise InputError("Say where to write it: /log export FILE")
        path = Path(words[0]).expanduser()
        attachment = log_replies.export_attachment(store, member)
        try:
            path.write_bytes(attachment.data)
        except OSError as error:
            raise InputError(f"Can't write {path}: {error.strerror or error}") from None
        self.console.print(f"Training log written to [bold]{escape(str(path))}[/]")

    def _delete(self, store, member: str, yes: bool) -> None:
        count = store.count(member)
        if not yes:
            self.render(self.console, log_replies.delete_prompt_reply(count))
            if count:
                self.console.print("Type [bold]/log delete --yes[/] to go ahead.")
            return
        self.render(self.console, log_replies.deleted_reply(store.delete(member)))

    def progress(self, text: str) -> None:
        allowed = frozenset({"--png", "--member", "--today"})
        _, flags = split_flags(text, allowed)
        member = flags.get("member") or default_member()
        today = self._today(flags)
        store = open_log_store(self.app.settings.data_dir)
        try:
            with self.console.status("drawing…"):
                data, _ = log_replies.progress(self.app, store, member, today)
        finally:
            store.close()
        png = flags.get("png")
        self.render(self.console, log_replies.progress_reply(data, today, picture=bool(png)))
        if png:
            path = Path(png).expanduser()
            try:
                path.write_bytes(log_replies.progress_picture(data).data)
            except OSError as error:
                raise InputError(f"Can't write {path}: {error.strerror or error}") from None
            self.console.print(f"Progress picture saved to [bold]{escape(str(path))}[/]")
