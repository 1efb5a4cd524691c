"""Files written by `kb add` and `kb undo` get the folder's usual mode, not mkstemp's 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from library.admin import KnowledgeAdmin, article_mode
from library.history import write_atomic
from tests.library.conftest import ARTICLE


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_added_article_gets_the_mode_of_the_folders_articles(admin: KnowledgeAdmin) -> None:
    for article in admin.knowledge_dir.glob("*.md"):
        article.chmod(0o644)
    admin.add(admin.preview_bytes(ARTICLE, "hills.md", who="coach").id, who="coach")
    assert _mode(admin.knowledge_dir / "hills.md") == 0o644


def test_the_mode_follows_the_file_then_the_folder_then_the_umask(tmp_path: Path) -> None:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    previous = os.umask(0o027)
    try:
        assert article_mode(folder / "first.md") == 0o640  # an empty folder: the umask
    finally:
        os.umask(previous)
    (folder / "a.md").write_text("a")
    (folder / "a.md").chmod(0o664)
    assert article_mode(folder / "new.md") == 0o664  # the folder's articles
    (folder / "b.md").write_text("b")
    (folder / "b.md").chmod(0o600)
    assert article_mode(folder / "b.md") == 0o600  # a replaced file keeps its own
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no probe left behind

    write_atomic(folder / "c.md", b"c", mode=article_mode(folder / "c.md"))
    assert _mode(folder / "c.md") == 0o664
