"""The gap report: questions the guides served badly, grouped by topic for coaches.

Pure: the store hands in the questions (abstained on, or voted 👎); this module groups them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, Field

from retrieval.text import STOPWORDS, split_words, stem_words


class GapQuestion(BaseModel):
    """A question the guides did not serve well: abstained on, or voted 👎."""

    question: str
    abstained: bool
    downvotes: int = 0
    reasons: list[str] = Field(default_factory=list)
    asked_at: datetime


class GapGroup(BaseModel):
    label: str
    questions: list[GapQuestion]

    @property
    def abstained(self) -> int:
        return sum(q.abstained for q in self.questions)

    @property
    def downvotes(self) -> int:
        return sum(q.downvotes for q in self.questions)


# The general stopwords, and words that say nothing about a question's topic (nor "run":
# every question is about it).
_NOT_TOPICS = STOPWORDS | frozenset(
    """best good often long week weeks day days run runs running runner runners please help need
    want know tell us""".split()  # noqa: SIM905 - easier to edit as prose
)


def _keywords(question: str) -> dict[str, str]:
    """Topic words keyed by stem, so "squats" and "squat" match; "cross-training" stays one."""
    keywords: dict[str, str] = {}
    for piece in question.split():
        parts = [w for w in split_words(piece) if w not in _NOT_TOPICS and len(w) > 2]
        if parts:
            keywords["-".join(stem_words(parts))] = "-".join(parts)
    return keywords


def group_gaps(questions: Sequence[GapQuestion], *, min_overlap: float = 0.34) -> list[GapGroup]:
    """Cluster gap questions sharing keywords, biggest group first, labelled by shared words."""
    words = [_keywords(q.question) for q in questions]
    keys = [set(w) for w in words]
    parent = list(range(len(questions)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(questions)):
        for j in range(i):
            union = keys[i] | keys[j]
            if union and len(keys[i] & keys[j]) / len(union) >= min_overlap:
                parent[root(i)] = root(j)

    members: dict[int, list[int]] = {}
    for i in range(len(questions)):
        members.setdefault(root(i), []).append(i)
    groups = []
    for idx in members.values():
        counts = Counter(stem for i in idx for stem in keys[i])
        spelled = {stem: word for i in idx for stem, word in words[i].items()}
        common = [spelled[stem] for stem, _ in counts.most_common(3)] or ["(no keywords)"]
        groups.append(GapGroup(label=", ".join(common), questions=[questions[i] for i in idx]))
    groups.sort(key=lambda g: (-(len(g.questions) + g.downvotes), g.label))
    return groups
