"""The console's `/log` and `/progress`, on the same handlers as `coach log` and Discord."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.training_log_store import open_log_store
from planner.api import Planner
from tests.console.conftest import run_lines
from tests.planner.conftest import KNOWLEDGE, knowledge_chunks


class PlannerApp:
    """The slice of CoachApp the log handlers use: settings and the real planner."""

    def __init__(self, settings: Settings, planner: Planner) -> None:
        self.settings = settings
        self.planner = planner


@pytest.fixture(scope="module")
def real_planner() -> Planner:
    return Planner(knowledge_chunks(KNOWLEDGE))


def _console(app: object, lines: list[str]) -> str:
    return run_lines(app, lines, width=200)  # type: ignore[arg-type]


def test_the_console_logs_lists_exports_and_draws_only_where_asked(
    real_planner: Planner, tmp_path: Path
) -> None:
    app = PlannerApp(Settings(data_dir=tmp_path / "data"), real_planner)
    export, picture = tmp_path / "mine.json", tmp_path / "p.png"
    text = _console(app, [
        "/plan --runs tue:easy --free mon,thu --weeks 4",
        "/log --session 1:1 --status partly --niggles 'achilles 3' --member ana",
        "/log leg press 40 --session 1:2 --member ana",
        "/log list --member ana",
        f"/log export {export} --member ana",
        "/progress --member ana",
        f"/progress --member ana --png {picture}",
        "/log delete --member ana",
        "/log delete --yes --member ana",
    ])  # fmt: skip
    assert "Logged: Week 1 · " in text and "partly · niggles achilles 3" in text
    assert "I couldn't read “40” in “leg press 40”" in text
    assert "**W1·S1**" in text or "W1·S1" in text
    assert json.loads(export.read_text())["entries"][0]["status"] == "partly"
    assert "1 partly" in text
    assert picture.read_bytes().startswith(b"\x89PNG")
    # Only the picture asked for is written: nothing else lands in the working folder.
    assert {p.name for p in tmp_path.glob("*.png")} - {"plan-week.png"} == {"p.png"}
    assert "all 1 entries" in text and "Deleted your training log (1 entries)" in text
    store = open_log_store(tmp_path / "data")
    assert store.count("ana") == 0
    store.close()
