"""Planner fixtures: hand-made chunks for the rules, real knowledge chunks, requests."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from planner.book import Playbook, make_playbook
from planner.rules import RuleBook, load_rules
from planner.service import Planner
from retrieval.models import HEADING_SEP, Chunk

# CI is not a lottery: the default profile is derandomized (the same examples every run) and
# keeps no example database; known failures are pinned with @example in the tests.
# `HYPOTHESIS_PROFILE=deep` runs many more random examples for a local search.
_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}
settings.register_profile("ci", derandomize=True, database=None, max_examples=120, **_COMMON)
settings.register_profile("deep", max_examples=2000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

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
    from retrieval.ingest import chunk_document, load_document, scan_knowledge

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
