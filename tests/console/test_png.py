"""The console writes the week picture only when the member asks (`/png`), never unasked."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rich.console import Console

from bot.app import CoachApp
from bot.console import run_console
from tests.console.conftest import TODAY

PLAN = "/plan --runs tue:easy --free mon,thu --weeks 2"


def _run(app: CoachApp, *lines: str | Callable[[], str]) -> str:
    """Feed the console these lines; a callable is asked for its line when the console reads."""
    queued: Iterator[str | Callable[[], str]] = iter(lines)

    def read(prompt: str) -> str:
        try:
            line = next(queued)
        except StopIteration:
            raise EOFError from None
        return line() if callable(line) else line

    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None)
    run_console(app, input_fn=read, console=console, today=lambda: TODAY)
    return out.getvalue()


def test_the_picture_is_written_only_when_asked(
    real_app: CoachApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "here"
    folder.mkdir()
    monkeypatch.chdir(folder)
    chosen = tmp_path / "week.png"
    before_asking: list[list[Path]] = []

    def ask_for_the_picture() -> str:
        before_asking.append(sorted(folder.iterdir()))
        return "/png"

    text = " ".join(
        _run(real_app, PLAN, "/swap goblet squat", ask_for_the_picture, f"/png {chosen}").split()
    )
    assert before_asking == [[]], "a plan and a swap write nothing into the working folder"
    assert "/png" in text  # the plan tells the member how to get the picture
    default = folder / "plan-week.png"
    assert f"Week at a glance saved to {default}" in text
    assert f"Week at a glance saved to {chosen}" in text
    assert default.read_bytes()[:4] == chosen.read_bytes()[:4] == b"\x89PNG"
