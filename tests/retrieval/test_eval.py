"""Retrieval quality floors on the public eval set, against the naive baseline (`coach eval`).

The floors are what the current system measures (R@1 0.800, R@3 0.950, R@5 0.975, wrong-abstain
0.05, out-of-scope abstain recall 0.889 with the committed abstention policy), rounded down a
little so a real regression fails while a one-question wobble does not.
"""

from __future__ import annotations

import pytest

from evaluation.baseline import NaiveBaseline
from evaluation.harness import (
    EvalItem,
    EvalReport,
    SystemScores,
    expected_sections,
    load_eval_set,
    run_eval,
)
from retrieval.models import HEADING_SEP
from retrieval.service import open_retriever
from tests.retrieval.conftest import BUNDLED_KNOWLEDGE, CachingEmbedder


@pytest.fixture(scope="module")
def items() -> list[EvalItem]:
    return load_eval_set()


@pytest.fixture(scope="module")
def sections() -> dict[tuple[str, str], str]:
    return expected_sections(BUNDLED_KNOWLEDGE)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, embedder, items, sections) -> EvalReport:
    root = tmp_path_factory.mktemp("eval")
    cached = CachingEmbedder(embedder)
    retriever = open_retriever(BUNDLED_KNOWLEDGE, root / "index", cached)
    baseline = NaiveBaseline(BUNDLED_KNOWLEDGE, cached, root / "baseline")
    return run_eval(retriever, baseline, items, sections, eval_set="public.jsonl")


def scores(report: EvalReport, name: str) -> SystemScores:
    return next(s for s in report.systems if s.name == name)


def test_eval_set_is_big_enough(items: list[EvalItem]) -> None:
    assert sum(i.kind == "in_scope" for i in items) >= 40
    assert sum(i.kind == "out_of_scope" for i in items) >= 10
    assert len({i.id for i in items}) == len(items)
    assert all(i.expected for i in items if i.kind == "in_scope")
    assert not any(i.expected for i in items if i.kind == "out_of_scope")


def test_every_expected_passage_exists_in_the_knowledge(
    items: list[EvalItem], sections: dict[tuple[str, str], str]
) -> None:
    missing = []
    for item in items:
        for e in item.expected:
            if not any(
                source == e.source
                and (heading == e.heading or heading.startswith(e.heading + HEADING_SEP))
                for source, heading in sections
            ):
                missing.append(f"{item.id}: {e.source} › {e.heading}")
    assert missing == []


@pytest.mark.parametrize("metric", ["recall_at_1", "recall_at_3", "recall_at_5", "mrr"])
def test_club_coach_beats_the_naive_baseline(report: EvalReport, metric: str) -> None:
    ours = getattr(scores(report, "club-coach"), metric)
    theirs = getattr(scores(report, "naive-baseline"), metric)
    assert ours > theirs


@pytest.mark.parametrize(
    ("metric", "floor"),
    [("recall_at_1", 0.78), ("recall_at_3", 0.93), ("recall_at_5", 0.96), ("abstain_recall", 0.85)],
)
def test_quality_floor(report: EvalReport, metric: str, floor: float) -> None:
    assert getattr(scores(report, "club-coach"), metric) >= floor, report.misses


def test_wrong_abstentions_stay_rare(report: EvalReport) -> None:
    assert scores(report, "club-coach").wrong_abstain_rate <= 0.05


def test_report_uses_the_committed_policy(report: EvalReport, items: list[EvalItem]) -> None:
    assert report.policy.calibrated_on == "public.jsonl"
    assert report.in_scope + report.out_of_scope == len(items)
