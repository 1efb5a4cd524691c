"""What to fix in the knowledge folder (`coach kb lint`, the console's `/kb lint`), with fixes.

Reads the folder with the indexer's own loaders; writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel

from library.duplicates import near_duplicates
from planner.rules import RuleBook, load_rules, missing_citations
from retrieval.errors import KnowledgeError
from retrieval.ingest.chunking import chunk_document
from retrieval.ingest.pipeline import load_document, scan_knowledge
from retrieval.models import HEADING_SEP, Chunk

LONG_SECTION_CHARS = 2400  # cut into three or more passages: worth sub-headings
PLAIN_SUFFIXES = (".txt", ".pdf")


class LintIssue(BaseModel):
    source: str
    kind: str
    problem: str
    fix: str


def lint_knowledge(knowledge_dir: Path, rules: RuleBook | None = None) -> list[LintIssue]:
    """Every finding for the folder, file by file, then across files."""
    paths, skipped = scan_knowledge(knowledge_dir)
    issues = [
        LintIssue(source=s.source, kind="skipped", problem=s.reason, fix="fix or remove the file")
        for s in skipped
    ]
    chunks: list[Chunk] = []
    for path in paths:
        source = path.relative_to(knowledge_dir).as_posix()
        try:
            doc = load_document(path, knowledge_dir)
        except KnowledgeError as exc:
            issues.append(
                LintIssue(
                    source=source,
                    kind="unreadable",
                    problem=str(exc),
                    fix="fix the file or remove it; it is not indexed",
                )
            )
            continue
        if path.suffix.lower() in (".md", ".markdown"):
            if not doc.front_matter:
                issues.append(
                    LintIssue(
                        source=source,
                        kind="front matter",
                        problem="no front matter, so answers can't credit the source",
                        fix="start the file with `---`, `title: ...`, `source: {...}`, `---` "
                        "(README: How coaches add articles)",
                    )
                )
            elif not doc.front_matter.get("title"):
                issues.append(
                    LintIssue(
                        source=source,
                        kind="title",
                        problem="the front matter has no title; the file name stands in",
                        fix="add `title: ...` to the front matter",
                    )
                )
        elif path.suffix.lower() in PLAIN_SUFFIXES:
            recovered = [s for s in doc.sections if s.heading_path]
            issues.append(
                LintIssue(
                    source=source,
                    kind="headings",
                    problem=f"{len(recovered)} heading(s) recovered from plain text",
                    fix=f"check them with `coach kb show {source}`; a Markdown copy with `##` "
                    "headings is cited more precisely",
                )
            )
        file_chunks, dropped = chunk_document(doc)
        chunks.extend(file_chunks)
        for item in dropped:
            issues.append(
                LintIssue(
                    source=source,
                    kind="too short",
                    problem=f"“{item.section}”: {item.reason}",
                    fix="add a sentence or two, or merge it into the section above",
                )
            )
        for section in doc.sections:
            size = len(section.text)
            if size > LONG_SECTION_CHARS:
                heading = HEADING_SEP.join(section.heading_path) or "(introduction)"
                issues.append(
                    LintIssue(
                        source=source,
                        kind="too long",
                        problem=f"“{heading}” is {size:,} characters and is cut into several "
                        "passages",
                        fix="split it under `###` sub-headings, one question each",
                    )
                )
    issues.extend(_duplicates(chunks))
    issues.extend(_citations(chunks, rules))
    return issues


def _duplicates(chunks: Sequence[Chunk]) -> list[LintIssue]:
    issues: list[LintIssue] = []
    seen: set[frozenset[str]] = set()
    for pair in near_duplicates(chunks, chunks):
        here, there = f"{pair.source}#{pair.heading}", f"{pair.other_source}#{pair.other_heading}"
        key = frozenset({here, there})
        if key in seen:
            continue
        seen.add(key)
        issues.append(
            LintIssue(
                source=pair.source,
                kind="near duplicate",
                problem=f"“{pair.heading}” repeats `{pair.other_source}` › "
                f"“{pair.other_heading}” ({pair.overlap:.0%} shared)",
                fix="keep one and cut the other, or make them say different things",
            )
        )
    return issues


def _citations(chunks: Sequence[Chunk], rules: RuleBook | None) -> list[LintIssue]:
    rules = rules or load_rules()
    return [
        LintIssue(
            source=rule.cite.source,
            kind="planner citation",
            problem=f"planner rule `{rule.id}` cites “{rule.cite.heading}”, which is gone",
            fix="rename the heading back, or point the rule to a new heading in "
            f"planner/data/{rule.data_file}",
        )
        for rule in missing_citations(rules, chunks)
    ]
