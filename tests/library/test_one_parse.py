"""The preview and the index come from one parse: what a coach sees is what goes live."""

from __future__ import annotations

from pathlib import Path

from bot.app import CoachApp
from library.admin import KnowledgeAdmin
from retrieval.manifest import load_manifest

# A page pasted from a club blog: share bar, byline, an ad, hidden text, a section pasted
# twice, a section too short to stand alone, related links and comments.
MESSY_PAGE = Path(__file__).parent / "data" / "messy-strides.html"


def test_the_previewed_passages_are_what_gets_indexed(
    admin: KnowledgeAdmin, kb_app: CoachApp
) -> None:
    staged = admin.preview_bytes(MESSY_PAGE.read_bytes(), "strides.html", who="coach")
    preview = staged.preview
    # What cleaning removed, as the parse counted it, and what the index leaves out, and why.
    assert {"share bar", "byline", "ad", "comments"} <= set(preview.removed)
    reasons = " | ".join(s.reason for s in preview.skipped)
    assert "hidden text removed" in reasons and "1 repeated passages indexed once" in reasons
    assert "too short to index" in reasons

    admin.add(staged.id, who="coach")

    manifest = load_manifest(kb_app.settings.data_dir)
    assert manifest is not None
    indexed_ids = manifest.files["strides.html"].chunk_ids
    live = {c.chunk_id: c for c in kb_app.live_chunks() if c.source == "strides.html"}
    assert [c.chunk_id for c in preview.chunks] == indexed_ids
    assert preview.passages == len(indexed_ids) == 2
    assert [(c.heading_path, c.text) for c in preview.chunks] == [
        (live[i].heading_path, live[i].text) for i in indexed_ids
    ]
    status = kb_app.status()
    assert {s.reason for s in status.skipped if s.source == "strides.html"} == {
        s.reason for s in preview.skipped
    }
