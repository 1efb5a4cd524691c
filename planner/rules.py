"""Planner rules as data: each with its text, tunable numbers and the passage it comes from."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from planner.data_files import read_data
from planner.errors import PlanError
from retrieval.models import HEADING_SEP, Chunk

RULES_FILE = "rules.yaml"
ADAPT_RULES_FILE = "adapt_rules.yaml"  # rules that adapt a plan to the training log


class PassageRef(BaseModel):
    """A knowledge passage named by file and heading path below the article title."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    heading: str


class Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    text: str
    cite: PassageRef
    params: dict[str, Any] = Field(default_factory=dict)
    # Which file under planner/data/ holds the rule, so a coach's fix names the right one.
    data_file: str = Field(RULES_FILE, exclude=True)


class RuleBook:
    """The loaded rules, in file order, looked up by id."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = tuple(rules)
        self._by_id = {rule.id: rule for rule in self.rules}
        if len(self._by_id) != len(self.rules):
            raise PlanError("rules.yaml has two rules with the same id; give each a unique id")

    def __getitem__(self, rule_id: str) -> Rule:
        return self._by_id[rule_id]

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._by_id

    def param(self, rule_id: str, name: str) -> Any:
        return self._by_id[rule_id].params[name]

    def phase(self, phase: str) -> dict[str, Any]:
        """Loading parameters of one training phase (rules `phase-<name>`)."""
        return self._by_id[f"phase-{phase}"].params


def load_rules(data: Sequence[dict[str, Any]] | None = None) -> RuleBook:
    """Rules from `planner/data/rules.yaml` and `adapt_rules.yaml` (or given data), checked."""
    raw = (
        [
            *({**item, "data_file": RULES_FILE} for item in read_data(RULES_FILE)),
            *({**item, "data_file": ADAPT_RULES_FILE} for item in read_data(ADAPT_RULES_FILE)),
        ]
        if data is None
        else data
    )
    try:
        return RuleBook(Rule.model_validate(item) for item in raw)
    except ValidationError as err:
        raise PlanError(f"{RULES_FILE} or {ADAPT_RULES_FILE} is malformed: {err}") from None


def resolve_citations(
    rules: Iterable[Rule],
    chunks: Sequence[Chunk],
    last_good: Mapping[str, Chunk] | None = None,
) -> dict[str, str]:
    """Map every rule id to the chunk holding its passage; list every rule that has none.

    A rule whose cited heading is gone falls back to its last good passage in `last_good`
    (keyed by rule id), so an article edit never stops the planner.
    """
    ordered = sorted(chunks, key=lambda chunk: (chunk.source, chunk.ordinal))
    last_good = last_good or {}
    resolved: dict[str, str] = {}
    missing: list[str] = []
    for rule in rules:
        chunk = find_passage(rule.cite, ordered) or last_good.get(rule.id)
        if chunk is None:
            missing.append(f"{rule.id} -> {rule.cite.source} › {rule.cite.heading}")
        else:
            resolved[rule.id] = chunk.chunk_id
    if missing:
        raise PlanError(
            "these planner rules cite a knowledge passage that no longer exists; restore the "
            "heading or update planner/data/rules.yaml: " + "; ".join(missing)
        )
    return resolved


def missing_citations(rules: Iterable[Rule], chunks: Sequence[Chunk]) -> list[Rule]:
    """Rules whose cited heading has no passage in `chunks` (renamed or deleted)."""
    ordered = sorted(chunks, key=lambda chunk: (chunk.source, chunk.ordinal))
    return [rule for rule in rules if find_passage(rule.cite, ordered) is None]


def find_passage(ref: PassageRef, chunks: Sequence[Chunk]) -> Chunk | None:
    """First chunk (by ordinal) of the file whose heading is the cited one or sits below it."""
    prefix = ref.heading + HEADING_SEP
    for chunk in chunks:
        if chunk.source == ref.source and (
            chunk.heading == ref.heading or chunk.heading.startswith(prefix)
        ):
            return chunk
    return None
