"""Hybrid search over a small indexed folder: lexical and dense paths, dedup, diversity, refresh."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from retrieval.errors import CoachError
from retrieval.ingest.indexer import update_index
from retrieval.live_index import open_retriever, open_store
from retrieval.search.hybrid import MAX_QUERY_CHARS, HybridRetriever, SearchConfig
from retrieval.text import tokenize
from tests.retrieval.conftest import CountingEmbedder, write_articles

HILL_PARAGRAPH = (
    "Find a steady slope that takes about a minute to climb. Run up at a strong but controlled\n"
    "effort, then jog or walk back down, and repeat six to ten times. Keep your posture tall and\n"
    "drive your arms rather than leaning from the waist."
)
# The hill-session paragraph pasted into a club notice under another title and heading.
NOTICES = f"""# Spring notices

## This month's hill session

{HILL_PARAGRAPH}

## Handicap race

The spring handicap race is on the last Sunday of the month, from the clubhouse at nine. Bring
a friend and something to share for the breakfast afterwards.
"""


def flat(text: str) -> str:
    return " ".join(text.split())


@dataclass
class Served:
    knowledge: Path
    data_dir: Path
    retriever: HybridRetriever


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, embedder) -> Served:
    root = tmp_path_factory.mktemp("search")
    knowledge = write_articles(root / "knowledge")
    (knowledge / "notices").mkdir()
    (knowledge / "notices" / "spring.md").write_text(NOTICES, encoding="utf-8")
    retriever = open_retriever(knowledge, root / "data", CountingEmbedder(embedder))
    return Served(knowledge, root / "data", retriever)


def with_config(served: Served, **config) -> HybridRetriever:
    r = served.retriever
    return HybridRetriever(r.store, r.data_dir, r.embedder, config=SearchConfig(**config))


def test_exact_rare_word_is_found_by_the_lexical_side(served: Served) -> None:
    result = served.retriever.search("quokkastride", 5)
    assert result.hits[0].heading == "The quokkastride drill"
    assert "quokkastride" in result.hits[0].text
    # Nothing else mentions the word, so it must clearly outscore everything else.
    assert result.hits[0].score > result.hits[1].score + 0.2


def test_paraphrase_with_no_shared_words_is_found_by_the_dense_side(served: Served) -> None:
    query = "should I have a lazy break so my body can heal"
    result = served.retriever.search(query, 3)
    top = result.hits[0]
    assert (top.source, top.heading) == ("rest-days.md", "Why rest matters")
    # No query word (after expansion) occurs in the passage: BM25 could not have found it.
    asked = set(tokenize(served.retriever.expander.expand(query)))
    assert not asked & set(tokenize(f"{top.title} {top.heading} {top.text}"))


def test_same_paragraph_in_two_files_is_returned_once(served: Served) -> None:
    chunks = served.retriever.chunks()
    copies = [c for c in chunks if flat(c.text) == flat(HILL_PARAGRAPH)]
    assert {c.source for c in copies} == {"hill-repeats.md", "notices/spring.md"}
    hits = served.retriever.search("how do I run a hill session", 5).hits
    assert sum(flat(h.text) == flat(HILL_PARAGRAPH) for h in hits) == 1


@pytest.mark.parametrize("per_source", [1, 2])
def test_one_source_cannot_fill_the_results(served: Served, per_source: int) -> None:
    query = "hill repeats up a slope"
    uncapped = with_config(served, per_source=99).search(query, 4).hits
    # Without a cap the hill article takes more than `per_source` places, so the cap matters.
    assert Counter(h.source for h in uncapped)["hill-repeats.md"] > per_source
    hits = with_config(served, per_source=per_source).search(query, 4).hits
    assert len(hits) == 4
    assert max(Counter(h.source for h in hits).values()) <= per_source
    assert hits[0].source == "hill-repeats.md"


def test_cap_is_topped_up_when_sources_run_out(served: Served) -> None:
    total = len(served.retriever.chunks())
    hits = with_config(served, per_source=1).search("hill repeats", total).hits
    assert len({h.source for h in hits}) == 5  # every file once first...
    assert len(hits) > 5  # ...then the rest rather than fewer results


@pytest.mark.parametrize("k", [1, 3, 5, 50])
def test_k_is_respected(served: Served, k: int) -> None:
    hits = served.retriever.search("warm up before a session on the track", k).hits
    assert 0 < len(hits) <= k
    if k <= 5:
        assert len(hits) == k
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert len({h.chunk_id for h in hits}) == len(hits)


@pytest.mark.parametrize("query", ["", "   ", "\n\t "])
def test_empty_query_is_a_readable_error(served: Served, query: str) -> None:
    with pytest.raises(CoachError, match="empty"):
        served.retriever.search(query, 5)


def test_k_below_one_is_a_readable_error(served: Served) -> None:
    with pytest.raises(CoachError, match="k must be at least 1"):
        served.retriever.search("hill repeats", 0)


def test_overlong_query_is_trimmed(served: Served) -> None:
    result = served.retriever.search("hill " * 1000, 2)
    assert len(result.query) <= MAX_QUERY_CHARS
    assert result.hits[0].source == "hill-repeats.md"


def test_result_carries_timings_and_plain_sources(served: Served) -> None:
    result = served.retriever.search("  lanes   on the track  ", 3)
    assert result.query == "lanes on the track"
    assert {"embed", "dense", "lexical", "fuse", "total"} <= set(result.timings_ms)
    assert all(v >= 0 for v in result.timings_ms.values())
    assert result.timings_ms["total"] >= result.timings_ms["embed"]
    for hit in result.hits:
        assert (served.knowledge / hit.source).is_file()
        assert hit.text and hit.title


def test_related_topics_are_article_titles_nearest_first(served: Served) -> None:
    topics = served.retriever.related_topics("taking a day away from training to recover", 3)
    assert topics[0] == "Rest days"
    assert len(topics) == len(set(topics)) == 3
    titles = {c.title for c in served.retriever.chunks()}
    assert set(topics) <= titles


def test_evidence_is_higher_for_a_covered_question(served: Served) -> None:
    covered = served.retriever.evidence("how do I run a hill session")
    uncovered = served.retriever.evidence("what is the capital of mongolia")
    assert covered.top_dense > uncovered.top_dense
    assert covered.coverage > uncovered.coverage
    policy = served.retriever.policy
    assert policy.confidence(covered) > policy.confidence(uncovered)


def test_refresh_picks_up_a_generation_published_by_another_writer(
    knowledge: Path, data_dir: Path, embedder
) -> None:
    counting = CountingEmbedder(embedder)
    retriever = open_retriever(knowledge, data_dir, counting)
    assert not retriever.refresh()
    old = retriever.manifest.collection
    (knowledge / "notices").mkdir()
    (knowledge / "notices" / "spring.md").write_text(NOTICES, encoding="utf-8")
    # Another writer, with its own store handle, publishes a new generation.
    report = update_index(
        knowledge, data_dir, open_store(data_dir), counting, model_name=counting.name
    )
    assert report.switched
    assert retriever.refresh()
    assert not retriever.refresh()
    assert retriever.manifest.collection == report.collection != old
    assert any(c.source == "notices/spring.md" for c in retriever.chunks())
    hits = retriever.search("spring handicap race breakfast", 3).hits
    assert hits[0].source == "notices/spring.md"


@pytest.mark.parametrize("start_with", [[], ["rest-days.md"]], ids=["empty", "emptied"])
def test_index_with_no_passages_answers_with_no_hits(
    tmp_path: Path, embedder, start_with: list[str]
) -> None:
    knowledge = write_articles(tmp_path / "knowledge", start_with)
    retriever = open_retriever(knowledge, tmp_path / "data", CountingEmbedder(embedder))
    for name in start_with:
        (knowledge / name).unlink()
    report = update_index(
        knowledge, tmp_path / "data", retriever.store, embedder, model_name=embedder.name
    )
    assert report.chunks == 0
    result = retriever.search("how often should I rest", 5)
    assert result.hits == []
    assert result.abstained
    assert retriever.chunks() == []
    assert retriever.related_topics("rest", 3) == []
    assert retriever.evidence("rest").top_dense == 0.0


def test_answerability_evidence_separates_a_near_miss_running_question(served: Served) -> None:
    """Issue 9 round 2: a running question the guides do not cover is still close to running
    articles, but no sentence says it and its telling word is missing from the best passage."""
    covered = served.retriever.evidence("how many times should I repeat the hill climb")
    near_miss = served.retriever.evidence("which energy gels should I take on a hill session")
    assert covered.answered > near_miss.answered
    assert 0.0 < covered.sentence <= 1.0
    assert covered.sentence > near_miss.sentence


def test_a_question_embeds_only_itself(served: Served) -> None:
    """Sentence vectors are made at index time: a cold retriever embeds no passage text."""
    with_config(served).search("warm up")  # the data dir's first calibration, out of the way
    retriever = with_config(served)
    embedder = retriever.embedder
    texts = embedder.texts
    retriever.search("how do I run a hill session")
    assert embedder.texts == texts + 1


def test_sentence_rerank_reorders_only_by_sentence_similarity(served: Served) -> None:
    query = "jog or walk back down and repeat"
    plain = with_config(served, sentence_rerank=0).search(query)
    weightless = with_config(served, sentence_rerank=10, sentence_weight=0.0).search(query)
    assert [h.chunk_id for h in weightless.hits] == [h.chunk_id for h in plain.hits]
    reranked = with_config(served, sentence_rerank=10, sentence_weight=5.0).search(query)
    assert "jog or walk back down" in flat(reranked.hits[0].text)
    assert reranked.hits[0].score > plain.hits[0].score  # the bonus is in the score
