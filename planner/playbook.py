"""The playbook: rules, catalogue and layouts, with every rule tied to its knowledge chunk."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from planner.catalogue import Catalogue, load_catalogue
from planner.layouts import Layouts, load_layouts
from planner.models import SourceRef
from planner.rules import RuleBook, load_rules, missing_citations, resolve_citations
from retrieval.models import Chunk


@dataclass(frozen=True)
class Playbook:
    """Everything `build_plan` needs besides the request; built once, shared by every plan."""

    rules: RuleBook
    catalogue: Catalogue
    layouts: Layouts
    sources: tuple[SourceRef, ...]
    rule_sources: dict[str, int]
    # Rules whose cited heading is gone, served from their last good passage meanwhile.
    stale: tuple[str, ...] = ()


def make_playbook(
    chunks: Sequence[Chunk],
    *,
    rules: RuleBook | None = None,
    catalogue: Catalogue | None = None,
    layouts: Layouts | None = None,
    last_good: Mapping[str, Chunk] | None = None,
) -> Playbook:
    """Load the data files and resolve citations; raises PlanError naming each broken one.

    `last_good` (rule id -> passage) keeps a rule whose cited heading is gone serving.
    """
    rules = rules or load_rules()
    resolved = resolve_citations(rules, chunks, last_good)
    stale = tuple(rule.id for rule in missing_citations(rules, chunks))
    by_id = {chunk.chunk_id: chunk for chunk in (*(last_good or {}).values(), *chunks)}
    sources: list[SourceRef] = []
    number_of_chunk: dict[str, int] = {}
    rule_sources: dict[str, int] = {}
    for rule in rules:
        chunk = by_id[resolved[rule.id]]
        n = number_of_chunk.get(chunk.chunk_id)
        if n is None:
            n = number_of_chunk[chunk.chunk_id] = len(sources) + 1
            sources.append(
                SourceRef(
                    n=n,
                    source=chunk.source,
                    title=chunk.title,
                    heading=rule.cite.heading,
                    chunk_id=chunk.chunk_id,
                    rule_ids=[],
                )
            )
        sources[n - 1].rule_ids.append(rule.id)
        rule_sources[rule.id] = n
    return Playbook(
        rules=rules,
        catalogue=catalogue or load_catalogue(),
        layouts=layouts or load_layouts(),
        sources=tuple(sources),
        rule_sources=rule_sources,
        stale=stale,
    )
