"""Extractive answers: verbatim sentences from the top passages, each cited [n]; abstention."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest

from answering.extractive import (
    MAX_PASSAGES,
    MAX_SENTENCES,
    NOT_COVERED,
    QUOTE_CHARS,
    compose_extractive_answer,
)
from answering.models import Answer
from retrieval.models import Hit, SearchResult

PASSAGES = {
    "hill": (
        "hill-repeats.md",
        "How to run a hill session",
        "Find a steady slope that takes about a minute to climb. Run up at a strong but\n"
        "controlled effort, then jog or walk back down, and repeat six to ten times. Keep your\n"
        "posture tall and drive your arms rather than leaning from the waist.",
    ),
    "recover": (
        "hill-repeats.md",
        "Recovering between repeats",
        "The walk or jog back down the hill is the recovery. Start the next climb only when your "
        "breathing has settled enough to hold the same effort as the first repeat. If the last "
        "reps turn into a scramble, stop the set there.",
    ),
    "rest": (
        "rest-days.md",
        "Why rest matters",
        "Take at least one full day off running each week so muscles, tendons and bones can "
        "repair. The fitness from a hard session arrives during the quiet days that follow it.",
    ),
    "lanes": (
        "track-etiquette.md",
        "Lanes and passing",
        "Lane one belongs to the fastest runners doing efforts. Warm up and cool down in the "
        "outer lanes, and step out to the right when someone calls behind you.",
    ),
}


def hit(rank: int, key: str, text: str | None = None) -> Hit:
    source, heading, body = PASSAGES[key]
    return Hit(
        rank=rank,
        chunk_id=f"{source}#{key}#{rank}",
        source=source,
        title=source.removesuffix(".md").replace("-", " ").title(),
        heading=heading,
        text=text or body,
        score=1.0 - rank / 10,
    )


def result(*keys: str, abstained: bool = False) -> SearchResult:
    return SearchResult(
        query="q",
        hits=[hit(rank, key) for rank, key in enumerate(keys, 1)],
        abstained=abstained,
        timings_ms={"total": 1.0},
    )


def flat(text: str) -> str:
    return " ".join(text.split())


CITED = re.compile(r"\s*(.+?) \[(\d+)\](?= |$)")


def assert_grounded(answer: Answer, hits: Sequence[Hit]) -> None:
    """Every sentence is verbatim from the passage its [n] cites, and every [n] resolves."""
    by_id = {h.chunk_id: h for h in hits}
    by_n = {c.n: c for c in answer.citations}
    assert sorted(by_n) == list(range(1, len(by_n) + 1))
    parts = CITED.findall(answer.answer)
    assert " ".join(f"{s} [{n}]" for s, n in parts) == answer.answer
    assert {int(n) for _, n in parts} == set(by_n)
    for sentence, n in parts:
        cited = by_id[by_n[int(n)].chunk_id]
        body = sentence.strip()
        assert flat(body) in flat(cited.text) or flat(body[:-1]) in flat(cited.text)
    for citation in answer.citations:
        cited = by_id[citation.chunk_id]
        assert flat(citation.quote.removesuffix("…")) in flat(cited.text)
        assert (citation.source, citation.title, citation.heading) == (
            cited.source,
            cited.title,
            cited.heading,
        )


@pytest.mark.parametrize(
    ("question", "keys", "first_source"),
    [
        ("how do I run a hill session", ("hill", "recover", "rest"), "hill-repeats.md"),
        ("how long should I rest between hill repeats", ("recover", "hill"), "hill-repeats.md"),
        ("why take a day off each week", ("rest", "lanes"), "rest-days.md"),
    ],
)
def test_answer_quotes_the_passages_it_cites(
    embedder, question: str, keys: tuple[str, ...], first_source: str
) -> None:
    found = result(*keys)
    answer = compose_extractive_answer(question, found, embedder)
    assert not answer.abstained
    assert answer.mode == "extractive"
    assert answer.citations
    assert answer.citations[0].source == first_source
    assert len(CITED.findall(answer.answer)) <= MAX_SENTENCES
    assert_grounded(answer, found.hits)
    assert "compose" in answer.timings_ms and answer.timings_ms["total"] == 1.0


def test_only_the_top_passages_are_quoted(embedder) -> None:
    # The lane passage answers the question, but it ranks below the quoted few.
    found = result("hill", "recover", "rest", "lanes")
    answer = compose_extractive_answer("which lane do I warm up in", found, embedder)
    top = {h.chunk_id for h in found.hits[:MAX_PASSAGES]}
    assert {c.chunk_id for c in answer.citations} <= top


def test_long_sentence_quote_is_cut_at_a_word(embedder) -> None:
    long_sentence = (
        "Hill repeats build strength because "
        + ", ".join(f"climb number {i} asks the calves to push again" for i in range(12))
        + "."
    )
    found = SearchResult(
        query="q", hits=[hit(1, "hill", text=long_sentence)], abstained=False, timings_ms={}
    )
    answer = compose_extractive_answer("why do hill repeats build strength", found, embedder)
    quote = answer.citations[0].quote
    assert len(quote) <= QUOTE_CHARS
    assert quote.endswith("…")
    assert long_sentence.startswith(quote.removesuffix("…"))
    # The answer itself keeps the whole sentence.
    assert flat(long_sentence) in flat(answer.answer)


@pytest.mark.parametrize(
    "found",
    [
        result("hill", "rest", abstained=True),
        SearchResult(query="q", hits=[], abstained=False),
        # Nothing worth quoting: fragments shorter than a sentence, or a list lead-in.
        SearchResult(
            query="q",
            hits=[hit(1, "hill", text="Hills. Short bits.\n\nAlso this:")],
            abstained=False,
        ),
    ],
    ids=["abstained", "no-hits", "only-fragments"],
)
def test_not_covered_answers_have_no_citations(embedder, found: SearchResult) -> None:
    answer = compose_extractive_answer("how do I run a hill session", found, embedder)
    assert answer.abstained
    assert answer.answer == NOT_COVERED
    assert answer.citations == []
    assert "[1]" not in answer.answer
