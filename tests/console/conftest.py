"""The console runs on the same app as Discord: its tests share the Discord tests' apps (a
canned one held to the app's Protocol, and the real one on the session's index)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date

from rich.console import Console

from bot.app import CoachApp
from bot.console import run_console
from tests.discord.conftest import FakeApp, built_data_dir, fake_app, real_app, settings

__all__ = ["TODAY", "built_data_dir", "fake_app", "real_app", "run_lines", "settings"]

# "Today" for the console's plans and logs: a Monday, so a plan's week 1 is whole whatever day
# the suite runs (made on a Tuesday, week 1 holds only its later sessions).
TODAY = date(2026, 12, 7)


def run_lines(app: FakeApp | CoachApp, lines: list[str], width: int = 120) -> str:
    """Feed `lines` to the console (end of input after them) and return what it printed."""
    feed: Iterator[str] = iter(lines)

    def read(prompt: str) -> str:
        try:
            return next(feed)
        except StopIteration:
            raise EOFError from None

    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None)
    run_console(app, input_fn=read, console=console, today=lambda: TODAY)  # type: ignore[arg-type]
    return out.getvalue()
