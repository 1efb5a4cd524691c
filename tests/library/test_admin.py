"""Add, replace, remove, history and undo on a real index; one writer at a time."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from bot.app import CoachApp
from library.admin import KnowledgeAdmin
from library.errors import KbBusyError, KbError
from planner.models import PlanRequest
from retrieval.manifest import load_manifest
from tests.library.conftest import ARTICLE

DELOAD = "progression-deloads-and-testing.md"


def test_add_then_undo_restores_the_folder_and_the_index(
    admin: KnowledgeAdmin, kb_app: CoachApp
) -> None:
    staged = admin.preview_bytes(ARTICLE, "Hill sprints.md", who="coach")
    assert not (admin.knowledge_dir / "Hill-sprints.md").exists()  # preview writes nothing

    result = admin.add(staged.id, who="coach")
    assert result.change.action == "add" and result.passages == 2
    assert (admin.knowledge_dir / "Hill-sprints.md").read_bytes() == ARTICLE
    hits = kb_app.search("how many hill sprints should I do?", 3).hits
    assert hits[0].source == "Hill-sprints.md"

    with pytest.raises(KbError, match="expired or was already used"):
        admin.add(staged.id, who="coach")

    undone = admin.undo(result.change.id, who="other coach")
    assert undone.change.action == "undo" and undone.change.undoes == result.change.id
    assert not (admin.knowledge_dir / "Hill-sprints.md").exists()
    manifest = load_manifest(kb_app.settings.data_dir)
    assert manifest is not None and "Hill-sprints.md" not in manifest.files
    assert [c.action for c in admin.changes()] == ["undo", "add"]
    assert admin.changes()[1].who == "coach"


def test_remove_keeps_the_version_and_undo_brings_it_back(admin: KnowledgeAdmin) -> None:
    original = (admin.knowledge_dir / DELOAD).read_bytes()
    removed = admin.remove(DELOAD, who="coach")
    assert not (admin.knowledge_dir / DELOAD).exists()
    # The deload rules cite this file: the planner keeps serving, and says which rules.
    assert {b.rule_id for b in removed.citations.broken} >= {"deload"}
    assert all(b.serving_last_good for b in removed.citations.broken)

    back = admin.undo(removed.change.id, who="coach")
    assert (admin.knowledge_dir / DELOAD).read_bytes() == original
    assert back.passages > 0 and back.citations.broken == []


def test_a_heading_rename_keeps_plans_working_and_names_the_rule(
    admin: KnowledgeAdmin, kb_app: CoachApp
) -> None:
    kb_app.planner  # noqa: B018 - the planner has resolved (and cached) every citation
    text = (admin.knowledge_dir / DELOAD).read_bytes()
    renamed = text.replace(b"## Taking a deload week", b"## Lighter weeks")
    staged = admin.preview_bytes(renamed, DELOAD, who="coach")
    assert staged.preview.replaces

    result = admin.add(staged.id, who="coach")
    assert result.change.action == "replace"
    # The plan rule and the training-log rule that brings a deload forward cite it.
    broken = {b.rule_id: b for b in result.citations.broken}
    assert set(broken) == {"deload", "adapt-deload"}
    assert all(b.closest == "Lighter weeks" for b in broken.values())
    assert "planner/data/rules.yaml" in broken["deload"].advice()
    assert "planner/data/adapt_rules.yaml" in broken["adapt-deload"].advice()
    assert set(kb_app.planner.book.stale) == {"deload", "adapt-deload"}

    plan = kb_app.planner.plan(
        PlanRequest.parse(
            runs={"tue": "easy"}, free_days=("mon", "thu"), weeks=8, today=date(2026, 1, 5)
        )
    )
    assert "deload" in plan.rule_sources


def test_undo_of_an_older_change_waits_for_the_newer_one(admin: KnowledgeAdmin) -> None:
    first = admin.add(admin.preview_bytes(ARTICLE, "hills.md", who="a").id, who="a")
    second = admin.add(
        admin.preview_bytes(ARTICLE + b"\nOne more line about hills and calves.\n", "hills.md",
                            who="b").id, who="b",
    )  # fmt: skip
    assert second.change.action == "replace"
    with pytest.raises(KbError, match=f"undo #{second.change.id} first"):
        admin.undo(first.change.id, who="a")


def test_a_second_writer_is_told_to_wait(admin: KnowledgeAdmin) -> None:
    staged = admin.preview_bytes(ARTICLE, "hills.md", who="b")
    holding, release = threading.Event(), threading.Event()

    def first_coach() -> None:
        with admin.writing():
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=first_coach)
    thread.start()
    try:
        assert holding.wait(10)
        with pytest.raises(KbBusyError, match="Another coach"):
            admin.add(staged.id, who="b")
        # A second admin (another process's view) is refused by the file lock too.
        with pytest.raises(KbBusyError):
            KnowledgeAdmin(admin.app).remove(DELOAD, who="c")
    finally:
        release.set()
        thread.join()
    assert not (admin.knowledge_dir / "hills.md").exists()
    assert admin.add(staged.id, who="b").passages == 2  # the preview is still there


def test_broken_files_are_refused_at_preview_and_the_index_is_untouched(
    admin: KnowledgeAdmin, kb_app: CoachApp
) -> None:
    before = load_manifest(kb_app.settings.data_dir)
    with pytest.raises(KbError, match="binary"):
        admin.preview_bytes(b"\x00\xff" * 400, "notes.txt", who="coach")
    with pytest.raises(KbError, match="no file"):
        admin.remove("../outside.md", who="coach")
    assert load_manifest(kb_app.settings.data_dir) == before
    assert admin.changes() == []


def test_list_and_show(admin: KnowledgeAdmin) -> None:
    admin.add(admin.preview_bytes(ARTICLE, "hills.md", who="coach").id, who="coach")
    files = {f.source: f for f in admin.list_files()}
    assert files["hills.md"].passages == 2 and files["hills.md"].last_change is not None
    assert files[DELOAD].last_change is None
    outline = admin.show("hills.md")
    assert outline.title == "Hill Sprints for Strength" and outline.passages == 2
