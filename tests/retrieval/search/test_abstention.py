"""Abstention: the calibrated scale, the three bands, per-index calibration and its cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.live_index import open_retriever
from retrieval.search.abstention import (
    CALIBRATION_NAME,
    POLICY_NAME,
    POLICY_PATH,
    AbstentionPolicy,
    Calibration,
    Evidence,
    calibrate_index,
    choose_bands,
    load_calibration,
    load_policy,
    off_topic_questions,
    pseudo_questions,
    save_calibration,
    save_policy,
)
from retrieval.search.hybrid import HybridRetriever

CAL = Calibration(dense_off=0.1, dense_in=0.5, lexical_off=1.0, lexical_in=9.0)


@pytest.mark.parametrize(
    ("evidence", "position"),
    [
        (Evidence(top_dense=0.1, coverage=0.0, lexical=1.0), 0.0),  # a typical off-topic one
        (Evidence(top_dense=0.5, coverage=1.0, lexical=9.0), 1.0),  # a typical covered one
        (Evidence(top_dense=0.3, coverage=1.0, lexical=5.0), 0.5),
        (Evidence(top_dense=0.5, coverage=1.0, lexical=1.0), 0.5),  # dense alone: half way
    ],
)
def test_position_on_the_calibrated_scale(evidence: Evidence, position: float) -> None:
    assert CAL.position(evidence, dense_share=0.5) == pytest.approx(position)


def test_answerability_pulls_a_similar_but_unanswered_question_down() -> None:
    """Round 2: equal passage similarity, but no sentence says it and its words are missing."""
    cal = CAL.model_copy(
        update={"sentence_off": 0.2, "sentence_in": 0.7, "answered_off": 0.1, "answered_in": 1.0}
    )
    similar = {"top_dense": 0.5, "coverage": 1.0, "lexical": 9.0}
    answered = Evidence(**similar, sentence=0.7, answered=1.0)
    unanswered = Evidence(**similar, sentence=0.2, answered=0.1)
    policy = AbstentionPolicy(
        dense_share=0.5, sentence_share=0.6, answered_share=0.1, refuse_below=0.4
    )
    assert policy.confidence(answered, cal) == pytest.approx(1.0)
    assert policy.confidence(unanswered, cal) == pytest.approx(0.3)
    assert policy.support(answered, cal) == "direct"
    assert policy.support(unanswered, cal) == "none"


def test_the_same_raw_scores_mean_different_things_on_different_corpora() -> None:
    """Issue 9: BM25 of 6 is strong on a folder of short pages and weak on one of long pages."""
    evidence = Evidence(top_dense=0.4, coverage=1.0, lexical=6.0)
    short_pages = Calibration(dense_off=0.1, dense_in=0.45, lexical_off=0.5, lexical_in=5.0)
    long_pages = Calibration(dense_off=0.1, dense_in=0.8, lexical_off=2.0, lexical_in=20.0)
    policy = AbstentionPolicy(refuse_below=0.4, direct_from=0.6)
    assert policy.support(evidence, short_pages) == "direct"
    assert policy.support(evidence, long_pages) == "none"


@pytest.mark.parametrize(
    ("position", "support"),
    [(-0.2, "none"), (0.2999, "none"), (0.3, "partial"), (0.4999, "partial"), (0.5, "direct")],
)
def test_three_bands(position: float, support: str) -> None:
    policy = AbstentionPolicy(dense_share=1.0, refuse_below=0.3, direct_from=0.5)
    cal = Calibration(dense_off=0.0, dense_in=1.0)
    evidence = Evidence(top_dense=position, coverage=1.0, lexical=0.0)
    assert policy.support(evidence, cal) == support


def test_choose_bands_refuses_few_in_scope_and_most_out_of_scope() -> None:
    in_scope = [0.35 + 0.01 * i for i in range(100)]  # 0.35 .. 1.34
    out_of_scope = [0.0, 0.1, 0.2, 0.3, 0.5]
    policy = choose_bands(in_scope, out_of_scope, max_refused=0.03, label="dev")
    refused_in = sum(p < policy.refuse_below for p in in_scope)
    assert refused_in <= 3
    assert sum(p < policy.refuse_below for p in out_of_scope) == 4
    assert policy.refuse_below <= policy.direct_from
    assert policy.chosen_on == "dev"


def test_shipped_bands_are_valid_and_ordered() -> None:
    policy = load_policy()
    assert policy == AbstentionPolicy.model_validate_json(POLICY_PATH.read_text())
    assert 0 < policy.refuse_below <= policy.direct_from < 1
    assert "dev" in policy.chosen_on


def test_data_dir_bands_override_the_shipped_ones(tmp_path: Path) -> None:
    mine = AbstentionPolicy(refuse_below=0.2, direct_from=0.3, chosen_on="club dev set")
    save_policy(mine, tmp_path / POLICY_NAME)
    assert load_policy(tmp_path) == mine
    (tmp_path / POLICY_NAME).write_text("{not json", encoding="utf-8")
    assert load_policy(tmp_path) == load_policy()  # a broken override falls back


def test_pseudo_questions_come_from_the_passages_evenly() -> None:
    texts = [
        f"Passage {i} says that runners should lift twice every week. Short." for i in range(100)
    ]
    questions = pseudo_questions(texts, n=10)
    assert len(questions) == 10
    assert questions[0].startswith("Passage 0 says")
    assert questions[-1].startswith("Passage 90 says")
    assert pseudo_questions([]) == []


def test_off_topic_bank_is_big_and_about_nothing_runners_ask() -> None:
    bank = off_topic_questions()
    assert len(bank) >= 40
    assert not any(word in q for q in bank for word in ("run", "lift", "strength", "squat"))


def test_calibrate_index_takes_medians_of_both_groups() -> None:
    def evidence(question: str) -> Evidence:
        value = 0.6 if question.startswith("Passage") else 0.1
        return Evidence(
            top_dense=value,
            coverage=1.0,
            lexical=10 * value,
            sentence=value + 0.2,
            answered=value + 0.3,
        )

    def evidence_of(questions):
        return [evidence(q) for q in questions]

    cal = calibrate_index("gen-1", ["Passage one tells runners to lift twice a week."], evidence_of)
    assert (cal.dense_in, cal.dense_off) == (0.6, 0.1)
    assert (cal.lexical_in, cal.lexical_off) == (6.0, 1.0)
    assert (cal.sentence_in, cal.sentence_off) == pytest.approx((0.8, 0.3))
    assert (cal.answered_in, cal.answered_off) == pytest.approx((0.9, 0.4))
    assert cal.generation == "gen-1" and cal.questions_in == 1 and cal.questions_off >= 40


def test_calibration_cache_is_keyed_by_generation(tmp_path: Path) -> None:
    save_calibration(tmp_path, Calibration(generation="abc", dense_in=0.7))
    assert load_calibration(tmp_path, "abc").dense_in == 0.7
    assert load_calibration(tmp_path, "other") is None
    (tmp_path / CALIBRATION_NAME).write_text("garbage", encoding="utf-8")
    assert load_calibration(tmp_path, "abc") is None


def test_each_index_is_calibrated_from_itself_and_cached(
    knowledge: Path, data_dir: Path, embedder
) -> None:
    retriever = open_retriever(knowledge, data_dir, embedder)
    cal = retriever.calibration()
    assert cal.questions_in > 0 and cal.questions_off >= 40
    assert cal.dense_in > cal.dense_off
    cached = json.loads((data_dir / CALIBRATION_NAME).read_text(encoding="utf-8"))
    assert cached["generation"] == cal.generation

    # A covered question is answered, chatter is refused, on this small folder's own scale.
    assert retriever.search("how long should the recovery be between hill repeats").support in (
        "direct",
        "partial",
    )
    assert retriever.search("what's a good recipe for lasagne").abstained

    # A new index generation is calibrated again.
    (knowledge / "rest-days.md").unlink()
    again = open_retriever(knowledge, data_dir, embedder)
    assert again.calibration().generation != cal.generation


def test_status_shows_the_calibration_in_force(knowledge: Path, data_dir: Path, embedder) -> None:
    from retrieval.inventory import index_status
    from retrieval.manifest import load_manifest
    from retrieval.search.abstention import CALIBRATION_NAME

    def status() -> str:
        found = index_status(load_manifest(data_dir), knowledge, "embedded", data_dir=data_dir)
        assert found.abstention
        return found.abstention

    # Building the index is a write path: it calibrates the new index before any question.
    retriever = open_retriever(knowledge, data_dir, embedder)
    assert status().startswith("calibrated on this index (generation ")
    # Without its calibration (deleted, a read-only data dir), status says so; a question
    # then measures it.
    (data_dir / CALIBRATION_NAME).unlink()
    assert status().startswith("not measured yet")
    HybridRetriever(retriever.store, data_dir, embedder).search("how do I run hill repeats")
    after = index_status(load_manifest(data_dir), knowledge, "embedded", data_dir=data_dir)
    assert after.abstention.startswith("calibrated on this index (generation ")
    assert "): dense " in after.abstention
    assert "refuse below" in after.abstention and "dev" in after.abstention


# -- calibration belongs to the write path, not to a member's question -----------------------
class CountingCalibrator:
    """The real calibrator, counted: which generations were measured, in order."""

    def __init__(self) -> None:
        self.generations: list[str] = []

    def __call__(self, generation, passages, evidence_of) -> Calibration:
        self.generations.append(generation)
        return calibrate_index(generation, passages, evidence_of)


def _edit(knowledge: Path) -> None:
    article = knowledge / "rest-days.md"
    article.write_text(
        article.read_text(encoding="utf-8")
        + "\n\n## Sleep\n\nSleep eight hours after a hard session so the legs recover.\n",
        encoding="utf-8",
    )


def _live_generation(data_dir: Path) -> str:
    from retrieval.manifest import load_manifest
    from retrieval.search.abstention import generation_key

    manifest = load_manifest(data_dir)
    assert manifest is not None
    return generation_key(manifest.model_dump_json())


def test_after_a_reindex_the_next_question_does_not_calibrate(
    knowledge: Path, data_dir: Path, embedder
) -> None:
    from bot.app import CoachApp
    from bot.settings import Settings

    app = CoachApp(Settings(knowledge_dir=knowledge, data_dir=data_dir), embedder=embedder)
    counted = CountingCalibrator()
    app.retriever.calibrator = counted
    # Building the index was a write path: it calibrated, so the first question measures nothing.
    assert load_calibration(data_dir, _live_generation(data_dir)) is not None
    app.search("how long should the recovery be between hill repeats")
    assert counted.generations == []

    _edit(knowledge)
    report = app.reindex()  # what the watcher, `/kb` and `coach index` run
    assert report.switched
    new = _live_generation(data_dir)
    assert counted.generations == [new]
    assert load_calibration(data_dir, new) is not None  # saved by the write path

    result = app.search("how long should the recovery be between hill repeats")
    assert counted.generations == [new]  # the question measured nothing
    assert result.support in ("direct", "partial")
    assert app.retriever.calibration().generation == new
    assert app.status().abstention.startswith(f"calibrated on this index (generation {new})")


def test_questions_use_the_previous_calibration_until_the_new_one_is_saved(
    knowledge: Path, data_dir: Path, embedder
) -> None:
    from retrieval.inventory import index_status
    from retrieval.live_index import refresh_index
    from retrieval.manifest import load_manifest

    counted = CountingCalibrator()
    retriever = open_retriever(knowledge, data_dir, embedder)
    retriever.calibrator = counted
    old = retriever.calibration().generation
    assert old == _live_generation(data_dir) and counted.generations == []  # built calibrated

    # Another process publishes a generation and has not re-calibrated yet.
    _edit(knowledge)
    assert refresh_index(knowledge, data_dir, retriever.store, embedder).switched
    assert retriever.search("what's a good recipe for lasagne").abstained
    assert counted.generations == []  # no question waited: the old scale is in force
    assert retriever.calibration().generation == old
    status = index_status(load_manifest(data_dir), knowledge, "embedded", data_dir=data_dir)
    assert status.abstention.startswith(f"calibrated on an earlier index generation ({old};")

    new = retriever.calibrate().generation  # the write path's step
    assert new != old and counted.generations == [new]
    assert load_calibration(data_dir).generation == new
    retriever.search("how do I run hill repeats")
    assert counted.generations == [new]


def test_coach_index_calibrates_without_a_served_index(
    knowledge: Path, data_dir: Path, embedder
) -> None:
    from bot.app import CoachApp
    from bot.settings import Settings

    open_retriever(knowledge, data_dir, embedder).search("how do I run hill repeats")
    old = _live_generation(data_dir)
    assert load_calibration(data_dir, old) is not None

    _edit(knowledge)
    app = CoachApp(Settings(knowledge_dir=knowledge, data_dir=data_dir), embedder=embedder)
    assert app.reindex().switched  # `coach index`: this process serves nothing
    new = _live_generation(data_dir)
    assert new != old and load_calibration(data_dir, new) is not None
