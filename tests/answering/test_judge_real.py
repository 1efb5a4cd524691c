"""The shipped judge model wired in, on the bundled guides: what it changes and what it must
never do (reorder beyond the passages it read, keep a reversed claim). One session judge."""

from __future__ import annotations

import re

import pytest

from answering.extractive import compose_extractive_answer
from answering.grounding import GroundingPolicy, ground_answer
from retrieval.search.hybrid import HybridRetriever

QUESTIONS = (
    "How many times a week should runners strength train?",
    "Should I foam roll before or after a run?",
    "What pace should I aim for in my first marathon?",
    "Is it okay to do strides right after lifting?",
)


@pytest.fixture(scope="module")
def readers(guides_retriever, judge) -> tuple[HybridRetriever, HybridRetriever]:
    """(with the shipped judge, judge off) over the session's index."""
    store, data_dir, embedder = (
        guides_retriever.store,
        guides_retriever.data_dir,
        guides_retriever.embedder,
    )
    return (
        HybridRetriever(store, data_dir, embedder, judge=judge),
        HybridRetriever(store, data_dir, embedder),
    )


def test_the_shipped_judge_reads_pairs_in_order(judge) -> None:
    passages = [
        "Strength › How often\n\nTwo sessions a week suit most runners.",
        "Foam rolling › After a run\n\nRoll your calves for a minute after the run.",
    ]
    verdicts = judge.relevance("how often should I lift?", passages)
    assert len(verdicts) == 2
    for v in verdicts:
        assert v.answers + v.touches + v.not_covered == pytest.approx(1.0, abs=1e-4)
    assert judge.relevance("how often should I lift?", passages[::-1]) == verdicts[::-1]
    assert judge.name and "judge" in judge.name


@pytest.mark.parametrize("question", QUESTIONS)
def test_ranking_and_answerability_read_the_judge(readers, question) -> None:
    """The dev sets gave the judge a say in ranking and abstention with this model: it reads
    the rules' top candidates, and only reorders those."""
    judged, off = readers
    a, evidence = judged.search_with_evidence(question)
    assert evidence.judge_answers is not None and 0.0 <= evidence.judge_answers <= 1.0
    depth = judged.config.judge_depth
    candidates = {h.chunk_id for h in off.search(question, depth).hits}
    assert {h.chunk_id for h in a.hits} <= candidates


def test_the_extractive_answer_quotes_what_it_cites(readers, embedder, judge) -> None:
    judged, _ = readers
    question = QUESTIONS[0]
    result = judged.search(question)
    answer = compose_extractive_answer(question, result, embedder, judge)
    texts = " ".join(" ".join(h.text.split()) for h in result.hits)
    units = re.findall(r"(.*?) \[(\d+)\]", answer.answer)
    assert units and answer.citations
    for sentence, _ in units:
        assert sentence.strip().rstrip(".")[:40] in texts


def test_the_grounding_check_never_keeps_a_reversal(judge) -> None:
    """The shipped policy consults the judge, and a flipped order is dropped with it as
    without it."""
    policy = GroundingPolicy()
    assert min(policy.judge_keep, policy.judge_drop, policy.judge_words) <= 1
    passage = "Strength › Order\n\nRun first and lift afterwards when endurance is the priority."
    for claim in ("Lift first and run afterwards when endurance is the priority [1].",
                  "When endurance is the priority, lift before you run [1]."):  # fmt: skip
        judged = ground_answer(claim, [passage], policy=policy, judge=judge)
        assert not judged.kept_cited, claim


# The shipped policy with the shipped judge on the two newest dev tables (round-5 and round-6
# sealed tables, dev since; 355 sentences): measured with the round-7 judge (head 195642b2…)
# P 0.750 R 0.444 against the rules' P 0.649 R 0.228; with round 8's (head f386d31a…, drop
# 0.95) P 0.729 R 0.432; with round 9's support reader (keep 0.95 / drop 0.7 / words 0.5)
# P 0.806 R 0.667; floors a few sentences below. The rules
# are measured in the same test, so what is held is the judge's share.
JUDGE_TABLES = ("grounding_dev5.jsonl", "grounding_dev6.jsonl")
PRECISION_FLOOR, RECALL_FLOOR = 0.77, 0.62


def test_the_judge_lifts_recall_on_the_dev_tables_at_no_cost_in_precision(embedder, judge) -> None:
    from answering.grounding_eval import evaluate, load_tables, titled_sections
    from answering.similarity import SentenceSimilarity

    sections = titled_sections()
    passages = {key: text for key, (_, text) in sections.items()}
    titles = {key: title for key, (title, _) in sections.items()}
    rows = load_tables(JUDGE_TABLES)
    similarity = SentenceSimilarity(embedder)
    rules = evaluate(rows, passages, similarity, titles=titles)
    judged = evaluate(rows, passages, similarity, judge=judge, titles=titles)
    assert judged.precision >= PRECISION_FLOOR and judged.recall >= RECALL_FLOOR
    assert judged.precision >= rules.precision - 0.01
    assert judged.recall > rules.recall + 0.05
