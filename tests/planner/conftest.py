"""Planner fixtures: hand-made chunks for the rules, real knowledge chunks, requests."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from planner.api import Planner
from planner.build import build_plan
from planner.models import Plan, PlanRequest
from planner.playbook import Playbook, make_playbook
from planner.rules import RuleBook, load_rules
from retrieval.models import HEADING_SEP, Chunk

REPO = Path(__file__).resolve().parents[2]
KNOWLEDGE = REPO / "knowledge"
TODAY = date(2026, 11, 23)  # a Monday

BASE_REQUEST: dict[str, Any] = {
    "runs": {"tue": "easy", "thu": "intervals", "sun": "long"},
    "free_days": ("mon", "wed", "fri"),
    "equipment": ("bands",),
    "phase": "base",
    "weeks": 8,
    "today": TODAY,
}


def make_plan(book: Playbook, **overrides: Any) -> Plan:
    """A plan for BASE_REQUEST with `overrides`, built by the pure core from `book`."""
    return build_plan(PlanRequest.parse(**{**BASE_REQUEST, **overrides}), book)


def chunks_for(rules: RuleBook) -> list[Chunk]:
    """One hand-made chunk per cited passage, shaped like the ingestion output."""
    chunks: dict[tuple[str, str], Chunk] = {}
    for rule in rules:
        key = (rule.cite.source, rule.cite.heading)
        if key not in chunks:
            chunks[key] = Chunk(
                chunk_id=f"{rule.cite.source}#{len(chunks)}",
                source=rule.cite.source,
                title=f"Title of {rule.cite.source}",
                heading_path=tuple(rule.cite.heading.split(HEADING_SEP)),
                text="passage text",
                ordinal=len(chunks),
            )
    return list(chunks.values())


def knowledge_chunks(root: Path) -> list[Chunk]:
    from retrieval.ingest.pipeline import chunk_document, load_document, scan_knowledge

    paths, _ = scan_knowledge(root)
    return [chunk for path in paths for chunk in chunk_document(load_document(path, root))[0]]


@pytest.fixture(scope="session")
def rules() -> RuleBook:
    return load_rules()


@pytest.fixture(scope="session")
def book(rules: RuleBook) -> Playbook:
    """Playbook resolved against hand-made chunks: independent of the articles' wording."""
    return make_playbook(chunks_for(rules), rules=rules)


@pytest.fixture(scope="session")
def real_chunks() -> list[Chunk]:
    return knowledge_chunks(KNOWLEDGE)


@pytest.fixture(scope="session")
def planner(real_chunks: list[Chunk]) -> Planner:
    return Planner(real_chunks)
