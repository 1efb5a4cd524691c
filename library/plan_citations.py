"""Planner citations that survive article edits: the last good passage of every rule, on disk.

The planner core stays pure: it takes the cached passages as `last_good`. This adapter reads
and writes `<data dir>/planner-passages.json` and says which rules lost their heading.
"""

from __future__ import annotations

import difflib
import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from library.history import write_atomic
from planner.rules import Rule, RuleBook, find_passage, load_rules
from retrieval.models import Chunk

log = logging.getLogger(__name__)

CACHE_FILE = "planner-passages.json"
_lock = threading.Lock()


class _Cache(BaseModel):
    passages: dict[str, Chunk] = Field(default_factory=dict)
    broken: list[str] = Field(default_factory=list)


class BrokenCitation(BaseModel):
    """A planner rule whose cited heading is gone, and what a coach can do about it."""

    rule_id: str
    source: str
    heading: str
    serving_last_good: bool
    closest: str | None = None
    data_file: str = "rules.yaml"

    def advice(self) -> str:
        keeps = (
            "plans keep citing its last good passage"
            if self.serving_last_good
            else "plans cite the rule's own text until it is fixed"
        )
        nearest = f" (closest heading now: “{self.closest}”)" if self.closest else ""
        return (
            f"rule `{self.rule_id}` cites `{self.source}` › “{self.heading}”, which is gone; "
            f"{keeps}. Fix: rename the heading back, or point the rule to a new heading in "
            f"planner/data/{self.data_file}{nearest}."
        )


class CitationReport(BaseModel):
    broken: list[BrokenCitation] = Field(default_factory=list)
    changed: bool = Field(False, description="The set of broken rules differs from last check.")

    def lines(self) -> list[str]:
        return [b.advice() for b in self.broken]


def _load(data_dir: Path) -> _Cache:
    try:
        return _Cache.model_validate_json((data_dir / CACHE_FILE).read_bytes())
    except FileNotFoundError:
        return _Cache()
    except (ValidationError, json.JSONDecodeError):
        log.warning("%s is unreadable; starting a fresh cache of planner passages", CACHE_FILE)
        return _Cache()


def _save(data_dir: Path, cache: _Cache) -> None:
    write_atomic(data_dir / CACHE_FILE, cache.model_dump_json(indent=1).encode("utf-8"))


def placeholder(rule: Rule) -> Chunk:
    """A stand-in passage for a rule with no cached passage: its own text, clearly labelled."""
    return Chunk(
        chunk_id=f"missing:{rule.id}",
        source=rule.cite.source,
        title=f"{rule.cite.source} (heading missing)",
        heading_path=tuple(rule.cite.heading.split(" › ")),
        text=rule.text,
    )


def check_citations(
    chunks: Sequence[Chunk], data_dir: Path, rules: RuleBook | None = None
) -> tuple[CitationReport, dict[str, Chunk]]:
    """Re-resolve every rule: remember good passages, report the broken ones.

    Returns the report and the `last_good` passages to build the planner with.
    """
    rules = rules or load_rules()
    ordered = sorted(chunks, key=lambda c: (c.source, c.ordinal))
    with _lock:
        cache = _load(data_dir)
        before = dict(cache.passages), list(cache.broken)
        broken: list[BrokenCitation] = []
        last_good: dict[str, Chunk] = {}
        for rule in rules:
            chunk = find_passage(rule.cite, ordered)
            if chunk is not None:
                cache.passages[rule.id] = chunk
                continue
            cached = cache.passages.get(rule.id)
            last_good[rule.id] = cached or placeholder(rule)
            broken.append(
                BrokenCitation(
                    rule_id=rule.id,
                    source=rule.cite.source,
                    heading=rule.cite.heading,
                    serving_last_good=cached is not None,
                    closest=_closest(rule.cite.heading, rule.cite.source, ordered),
                    data_file=rule.data_file,
                )
            )
        cache.broken = [b.rule_id for b in broken]
        if (cache.passages, cache.broken) != before:
            try:
                _save(data_dir, cache)
            except OSError as exc:
                # A read-only data dir: plans still work, only the fallback isn't remembered.
                log.warning("could not save the planner's last good passages: %s", exc)
    changed = cache.broken != before[1]
    if changed:
        for item in broken:
            log.warning("planner citation broken: %s", item.advice())
    return CitationReport(broken=broken, changed=changed), last_good


def _closest(heading: str, source: str, chunks: Sequence[Chunk]) -> str | None:
    headings = list(dict.fromkeys(c.heading for c in chunks if c.source == source and c.heading))
    match = difflib.get_close_matches(heading, headings, n=1, cutoff=0.4)
    return match[0] if match else None
