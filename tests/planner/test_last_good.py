"""A rule whose cited heading is gone keeps serving from its last good passage."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from library.plan_citations import CACHE_FILE, check_citations
from planner.api import Planner
from planner.errors import PlanError
from planner.models import PlanRequest
from planner.playbook import make_playbook
from planner.rules import PassageRef, Rule, missing_citations, resolve_citations
from retrieval.models import Chunk
from tests.planner.conftest import KNOWLEDGE, knowledge_chunks


def _chunk(source: str, heading: str, chunk_id: str) -> Chunk:
    return Chunk(chunk_id=chunk_id, source=source, title="T", heading_path=(heading,), text="t")


def test_last_good_passage_stands_in_for_a_missing_heading() -> None:
    rule = Rule(id="r", text="t", cite=PassageRef(source="a.md", heading="Top"))
    live = [_chunk("a.md", "Renamed", "a-1")]
    old = _chunk("a.md", "Top", "a-0")
    assert missing_citations([rule], live) == [rule]
    assert resolve_citations([rule], live, {"r": old}) == {"r": "a-0"}
    with pytest.raises(PlanError, match=r"r -> a\.md › Top"):
        resolve_citations([rule], live)


def test_a_renamed_heading_leaves_the_planner_working_and_names_the_rule(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    report, last_good = check_citations(knowledge_chunks(KNOWLEDGE), data_dir)
    assert report.broken == [] and last_good == {}
    assert (data_dir / CACHE_FILE).is_file()

    copy = shutil.copytree(KNOWLEDGE, tmp_path / "knowledge")
    article = copy / "progression-deloads-and-testing.md"
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("## Taking a deload week", "## Lighter weeks"), "utf-8")
    chunks = knowledge_chunks(copy)

    report, last_good = check_citations(chunks, data_dir)
    # Both rules citing the passage are named (adapt-deload brings a deload forward).
    assert [b.rule_id for b in report.broken] == ["deload", "adapt-deload"] and report.changed
    broken = report.broken[0]
    assert broken.serving_last_good and broken.heading == "Taking a deload week"
    assert "rename the heading back" in broken.advice()
    assert last_good["deload"].heading == "Taking a deload week"

    planner = Planner(chunks, last_good=last_good)
    assert planner.book.stale == ("deload", "adapt-deload")
    plan = planner.plan(
        PlanRequest.parse(
            runs={"tue": "easy", "sun": "long"},
            free_days=("mon", "thu"),
            weeks=8,
            today=date(2026, 1, 5),
        )
    )
    cited = {ref.chunk_id for ref in plan.sources}
    assert last_good["deload"].chunk_id in cited

    again, _ = check_citations(chunks, data_dir)
    assert again.broken and not again.changed  # told once, not after every re-index


def test_without_any_cached_passage_the_rule_cites_its_own_text(tmp_path: Path) -> None:
    copy = shutil.copytree(KNOWLEDGE, tmp_path / "knowledge")
    article = copy / "progression-deloads-and-testing.md"
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("## Taking a deload week", "## Lighter weeks"), "utf-8")
    report, last_good = check_citations(knowledge_chunks(copy), tmp_path / "data")
    assert not report.broken[0].serving_last_good
    assert last_good["deload"].chunk_id == "missing:deload"
    book = make_playbook(knowledge_chunks(copy), last_good=last_good)
    assert "deload" in book.rule_sources
