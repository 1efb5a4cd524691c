"""Rules cite real knowledge passages; a renamed heading breaks the build loudly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from planner.api import Planner
from planner.audit import CHECKERS
from planner.catalogue import load_catalogue
from planner.errors import PlanError
from planner.layouts import load_layouts
from planner.playbook import make_playbook
from planner.rules import PassageRef, Rule, RuleBook, load_rules, resolve_citations
from retrieval.models import Chunk
from tests.planner.conftest import KNOWLEDGE, knowledge_chunks


def test_every_rule_resolves_against_the_real_knowledge_folder(
    rules: RuleBook, real_chunks: list[Chunk]
) -> None:
    resolved = resolve_citations(rules, real_chunks)
    assert set(resolved) == {rule.id for rule in rules}
    by_id = {chunk.chunk_id: chunk for chunk in real_chunks}
    for rule in rules:
        chunk = by_id[resolved[rule.id]]
        assert chunk.source == rule.cite.source
        assert chunk.heading == rule.cite.heading or chunk.heading.startswith(rule.cite.heading)


def test_renaming_a_cited_heading_fails_with_the_rule_and_passage(tmp_path: Path) -> None:
    copy = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, copy)
    article = copy / "progression-deloads-and-testing.md"
    text = article.read_text(encoding="utf-8")
    assert "## Taking a deload week" in text
    article.write_text(text.replace("## Taking a deload week", "## Lighter weeks"), "utf-8")

    with pytest.raises(PlanError) as caught:
        Planner(knowledge_chunks(copy))
    message = str(caught.value)
    assert "deload -> progression-deloads-and-testing.md › Taking a deload week" in message
    assert "retest" not in message  # only the broken rule is listed


def test_every_unresolved_rule_is_listed(rules: RuleBook) -> None:
    with pytest.raises(PlanError) as caught:
        resolve_citations(rules, [])
    assert all(rule.id in str(caught.value) for rule in rules)


def chunk(source: str, heading: tuple[str, ...], ordinal: int) -> Chunk:
    return Chunk(chunk_id=f"{source}-{ordinal}", source=source, title="T",
                 heading_path=heading, text="t", ordinal=ordinal)  # fmt: skip


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        ([chunk("a.md", ("Top",), 0)], "a.md-0"),
        # A passage split under sub-headings resolves to its first piece, in ordinal order.
        ([chunk("a.md", ("Top", "Later"), 3), chunk("a.md", ("Top", "First"), 1)], "a.md-1"),
        ([chunk("b.md", ("Top",), 0), chunk("a.md", ("Top",), 5)], "a.md-5"),
    ],
)
def test_resolution_rules(chunks: list[Chunk], expected: str) -> None:
    rule = Rule(id="r", text="t", cite=PassageRef(source="a.md", heading="Top"))
    assert resolve_citations([rule], chunks) == {"r": expected}


@pytest.mark.parametrize("heading", ["Topic", "Top › Lat", "top"])
def test_near_misses_do_not_resolve(heading: str) -> None:
    rule = Rule(id="r", text="t", cite=PassageRef(source="a.md", heading=heading))
    with pytest.raises(PlanError, match=r"r -> a\.md"):
        resolve_citations([rule], [chunk("a.md", ("Top", "Later"), 0)])


def test_sources_are_numbered_once_per_passage(rules: RuleBook, real_chunks: list[Chunk]) -> None:
    book = make_playbook(real_chunks, rules=rules)
    assert [ref.n for ref in book.sources] == list(range(1, len(book.sources) + 1))
    assert set(book.rule_sources) == {rule.id for rule in rules}
    for ref in book.sources:
        assert ref.title and ref.heading and ref.source.endswith(".md")
        assert all(book.rule_sources[rule_id] == ref.n for rule_id in ref.rule_ids)


def test_every_rule_has_an_audit_check(rules: RuleBook) -> None:
    assert set(CHECKERS) == {rule.id for rule in rules}


def test_layout_slots_name_known_rules_and_patterns(rules: RuleBook) -> None:
    layouts = load_layouts()
    patterns = {exercise.pattern for exercise in load_catalogue().exercises}
    for name, slot in layouts.slots.items():
        assert slot.rule in rules, name
        assert set(slot.patterns) <= patterns, name
    assert sorted(layouts.layouts) == [1, 2, 3]


def test_catalogue_ids_are_stable_slugs() -> None:
    catalogue = load_catalogue()
    assert len(catalogue) >= 60
    for exercise in catalogue.exercises:
        assert exercise.id == exercise.id.lower().replace(" ", "-")
        assert exercise.primary, exercise.id


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([{"id": "x", "text": "t", "cite": {"source": "a.md"}}], "rules.yaml is malformed"),
        (
            [{"id": "x", "text": "t", "cite": {"source": "a.md", "heading": "h"}}] * 2,
            "two rules with the same id",
        ),
    ],
)
def test_malformed_rule_data_is_reported(data: list, expected: str) -> None:
    with pytest.raises(PlanError, match=expected):
        load_rules(data)


def test_malformed_catalogue_is_reported() -> None:
    with pytest.raises(PlanError, match=r"exercises\.yaml entry 1 \(x\) is malformed"):
        load_catalogue([{"id": "x", "name": "X", "avoid": ["spleen"]}])


def test_a_mistyped_pattern_names_the_exercise() -> None:
    from planner.data_files import read_data

    entries = read_data("exercises.yaml")
    broken = [*entries[:3], {**entries[3], "pattern": "sqaut"}, *entries[4:]]
    with pytest.raises(PlanError) as caught:
        load_catalogue(broken)
    message = str(caught.value)
    assert f"entry 4 ({entries[3]['id']})" in message and "pattern" in message
    assert "'squat'" in message  # the valid patterns are listed


def test_a_layout_slot_with_an_unknown_pattern_is_refused() -> None:
    from planner.data_files import read_data
    from planner.layouts import load_layouts

    data = read_data("layouts.yaml")
    data["slots"]["knee"] = {**data["slots"]["knee"], "patterns": ["squat", "lunges"]}
    with pytest.raises(PlanError, match=r"slot knee.*'lunges'"):
        load_layouts(data)
