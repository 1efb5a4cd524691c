"""The console writes the week picture only when the member asks (`/png`), never unasked."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from bot.app import CoachApp
from bot.console import run_console

PLAN = "/plan --runs tue:easy --free mon,thu --weeks 2"


def _run(app: CoachApp, *lines: str) -> str:
    queued: Iterator[str] = iter(lines)

    def read(prompt: str) -> str:
        try:
            return next(queued)
        except StopIteration:
            raise EOFError from None

    out = io.StringIO()
    run_console(app, input_fn=read, console=Console(file=out, width=200, color_system=None))
    return out.getvalue()


def test_a_plan_and_a_swap_write_no_picture_unasked(
    real_app: CoachApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "here"
    folder.mkdir()
    monkeypatch.chdir(folder)
    text = _run(real_app, PLAN, "/swap goblet squat")
    assert list(folder.iterdir()) == [], "nothing lands in the working folder unasked"
    assert "/png" in text  # the member is told how to get the picture


def test_png_writes_the_picture_where_asked(
    real_app: CoachApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "here"
    folder.mkdir()
    monkeypatch.chdir(folder)
    chosen = tmp_path / "week.png"
    text = " ".join(_run(real_app, PLAN, "/png", f"/png {chosen}").split())
    default = folder / "plan-week.png"
    assert f"Week at a glance saved to {default}" in text
    assert f"Week at a glance saved to {chosen}" in text
    assert default.read_bytes().startswith(b"\x89PNG") and chosen.read_bytes()[:4] == b"\x89PNG"
