"""The console's /kb commands run the same knowledge-base core as `coach kb` and Discord."""

from __future__ import annotations

from pathlib import Path

from bot.app import CoachApp
from library.admin import KnowledgeAdmin
from tests.console.conftest import run_lines
from tests.library.conftest import ARTICLE


def _run(app: CoachApp, lines: list[str]) -> str:
    return run_lines(app, lines, width=160)


def test_add_previews_then_confirm_writes_and_indexes(kb_app: CoachApp, tmp_path: Path) -> None:
    article = tmp_path / "hill-sprints.md"
    article.write_bytes(ARTICLE)
    text = _run(kb_app, [f"/kb add {article}", "/kb confirm", "squats or hill sprints for power?"])
    assert "Why hill sprints build strength" in text  # the preview's recovered outline
    assert "/kb confirm" in text
    assert (Path(kb_app.settings.knowledge_dir) / "hill-sprints.md").is_file()
    assert any(c.source == "hill-sprints.md" for c in kb_app.live_chunks())


def test_cancel_writes_nothing(kb_app: CoachApp, tmp_path: Path) -> None:
    article = tmp_path / "hill-sprints.md"
    article.write_bytes(ARTICLE)
    text = _run(kb_app, [f"/kb add {article}", "/kb cancel", "/kb confirm"])
    assert "Cancelled: nothing was written." in text
    assert "Nothing to confirm" in text
    assert not (Path(kb_app.settings.knowledge_dir) / "hill-sprints.md").exists()


def test_remove_asks_first_then_undo_brings_it_back(kb_app: CoachApp) -> None:
    knowledge = Path(kb_app.settings.knowledge_dir)
    victim = sorted(p.name for p in knowledge.glob("*.md"))[0]
    text = _run(kb_app, [f"/kb remove {victim}"])
    assert f"/kb remove {victim} --yes" in text and (knowledge / victim).exists()
    _run(kb_app, [f"/kb remove {victim} --yes"])
    assert not (knowledge / victim).exists()
    history = _run(kb_app, ["/kb history"])
    assert victim in history
    newest = KnowledgeAdmin(kb_app).changes()[0]
    assert (newest.action, newest.source) == ("remove", victim)
    _run(kb_app, [f"/kb undo {newest.id}"])
    assert (knowledge / victim).exists()


def test_list_show_lint_and_bad_input_are_one_line(kb_app: CoachApp) -> None:
    text = _run(kb_app, ["/kb list", "/kb show", "/kb undo soon", "/kb frobnicate", "/kb lint"])
    assert "Usage: /kb show FILE" in text
    assert "Give the change number" in text
    assert "Unknown /kb command frobnicate" in text
    assert "Traceback" not in text
    assert ".md" in text  # the list names the files
