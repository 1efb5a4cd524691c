"""Bridge runner talk to guide wording: expand a question with terms from a coach-kept lexicon."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel

LEXICON_PATH = Path(__file__).resolve().parents[1] / "data" / "runner_lexicon.yaml"


class LexiconEntry(BaseModel):
    says: list[str]
    means: list[str]


class QueryExpander:
    """Adds the guide words for every runner phrase found in a question (pure once loaded)."""

    def __init__(self, entries: list[LexiconEntry]) -> None:
        self._rules = [
            (
                re.compile(
                    r"(?<![\w])(?:"
                    + "|".join(re.escape(p.lower()) for p in sorted(e.says, key=len, reverse=True))
                    + r")(?![\w])"
                ),
                e.means,
            )
            for e in entries
            if e.says and e.means
        ]

    def extra_terms(self, query: str) -> list[str]:
        text = query.lower()
        extra: list[str] = []
        for pattern, means in self._rules:
            if pattern.search(text):
                extra.extend(m for m in means if m not in extra)
        return extra

    def expand(self, query: str) -> str:
        extra = self.extra_terms(query)
        return f"{query} {' '.join(extra)}" if extra else query


@lru_cache(maxsize=4)
def load_expander(path: Path = LEXICON_PATH) -> QueryExpander:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return QueryExpander([LexiconEntry.model_validate(item) for item in raw])
