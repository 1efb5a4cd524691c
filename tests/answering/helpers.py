"""Helpers for answer-layer tests: reading prompts the fake LLM received, static retrievers."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from retrieval.models import Hit, SearchResult
from tests.fakes.openai_server import Messages

KNOWLEDGE_DIR = Path(__file__).resolve().parents[2] / "knowledge"
PASSAGE_RE = re.compile(r'<passage n="(\d+)"[^>]*>\n(.*?)\n</passage>', re.DOTALL)


# -- reading what the answer layer sent ---------------------------------------------------------
def user_text(messages: Messages) -> str:
    return "\n".join(str(m.get("content", "")) for m in messages if m.get("role") == "user")


def passages_in(messages: Messages) -> dict[int, str]:
    """The numbered passages of the answer prompt, unescaped enough for matching."""
    return {int(n): _unescape(text) for n, text in PASSAGE_RE.findall(user_text(messages))}


def first_sentence(text: str) -> str:
    sentence = re.split(r"(?<=[.!?])\s+", " ".join(text.split()), maxsplit=1)[0]
    return sentence.rstrip(".!?")


def cite_first_sentences(messages: Messages, count: int = 2) -> str:
    """A well-behaved LLM: repeats the first sentence of the top passages, citing each."""
    passages = passages_in(messages)
    return " ".join(f"{first_sentence(passages[n])} [{n}]." for n in sorted(passages)[:count])


def replying(builder: Callable[[dict[int, str]], str]) -> Callable[[Messages], str]:
    """Reply function from a builder over the prompt's passages."""
    return lambda messages: builder(passages_in(messages))


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# -- a hand-built retriever for unit tests that need no index -----------------------------------
class StaticRetriever:
    """Returns the same passages for every query; records the queries it was asked."""

    def __init__(self, texts: list[str], abstained: bool = False) -> None:
        self.texts = texts
        self.abstained = abstained
        self.queries: list[str] = []

    def search(self, query: str, k: int = 5) -> SearchResult:
        self.queries.append(query)
        hits = [
            Hit(
                rank=i,
                chunk_id=f"guide.md#{i}",
                source="guide.md",
                title="Guide",
                heading=f"Part {i}",
                text=text,
                score=1.0 / i,
            )
            for i, text in enumerate(self.texts[:k], start=1)
        ]
        return SearchResult(query=query, hits=hits, abstained=self.abstained)

    def related_topics(self, query: str, n: int = 3) -> list[str]:
        return ["Foam Rolling and Stretching for Runners", "Strength Session Structure"][:n]


def write_knowledge_copy(target: Path, extra: dict[str, str]) -> Path:
    """A copy of knowledge/ plus extra articles, for indexes that tests may change."""
    target.mkdir(parents=True, exist_ok=True)
    for path in KNOWLEDGE_DIR.iterdir():
        if path.is_file():
            (target / path.name).write_bytes(path.read_bytes())
    for name, text in extra.items():
        (target / name).write_text(text, encoding="utf-8")
    return target
