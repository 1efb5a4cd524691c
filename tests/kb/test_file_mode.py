"""Files written by `kb add` and `kb undo` get the folder's usual mode, not mkstemp's 0600."""

from __future__ import annotations

import stat
from pathlib import Path

from bot.kb.service import KnowledgeAdmin
from tests.kb.conftest import ARTICLE


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_added_article_gets_the_mode_of_the_folders_articles(admin: KnowledgeAdmin) -> None:
    for article in admin.knowledge_dir.glob("*.md"):
        article.chmod(0o644)
    admin.add(admin.preview_bytes(ARTICLE, "hills.md", who="coach").id, who="coach")
    assert _mode(admin.knowledge_dir / "hills.md") == 0o644

    # A club that keeps its articles group-readable only: new ones follow.
    for article in admin.knowledge_dir.glob("*.md"):
        article.chmod(0o640)
    admin.add(admin.preview_bytes(ARTICLE, "more-hills.md", who="coach").id, who="coach")
    assert _mode(admin.knowledge_dir / "more-hills.md") == 0o640


def test_a_replaced_article_keeps_its_own_mode_and_an_undone_remove_comes_back_readable(
    admin: KnowledgeAdmin,
) -> None:
    target = admin.knowledge_dir / "progression-deloads-and-testing.md"
    target.chmod(0o664)
    staged = admin.preview_bytes(target.read_bytes() + b"\nMore.\n", target.name, who="coach")
    admin.add(staged.id, who="coach")
    assert _mode(target) == 0o664

    for article in admin.knowledge_dir.glob("*.md"):
        article.chmod(0o644)
    removed = admin.remove(target.name, who="coach")
    admin.undo(removed.change.id, who="coach")
    assert _mode(target) == 0o644
