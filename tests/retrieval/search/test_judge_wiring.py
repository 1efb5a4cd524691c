"""The judge in retrieval and in the app, with a fake judge: COACH_JUDGE, rerank, abstention,
status. (The shipped model's own checks are in tests/retrieval/test_judge.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.settings import Settings
from retrieval.search.abstention import AbstentionPolicy, load_policy
from retrieval.search.hybrid import HybridRetriever, SearchConfig
from tests.fakes.judge import FakeJudge

QUESTION = "how should I warm up before a strength session"
# The judge reorders and decides (whatever the shipped, dev-chosen weights are): the wiring.
LEADING = SearchConfig(judge_weight=1.0, judge_depth=10)


def judged(
    retriever: HybridRetriever, judge: FakeJudge | None, share: float = 1.0
) -> HybridRetriever:
    """A second reader of the session's index, with this judge (None: COACH_JUDGE=off)."""
    policy = load_policy().model_copy(
        update={"judge_share": share, "judge_refuse_below": 0.3, "judge_direct_from": 0.6}
    )
    return HybridRetriever(
        retriever.store, retriever.data_dir, retriever.embedder, judge=judge, config=LEADING,
        policy=policy,
    )  # fmt: skip


# -- COACH_JUDGE -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"), [("bundled", "bundled"), (" Off ", "off"), ("", "bundled")]
)
def test_judge_setting_takes_bundled_or_off(value: str, expected: str) -> None:
    assert Settings(judge=value).judge == expected


def test_judge_setting_takes_a_model_folder(tmp_path: Path) -> None:
    assert Settings(judge=str(tmp_path)).judge == str(tmp_path)


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_bad_judge_setting_stops_startup_with_one_line(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "model"
    if kind == "file":
        path.write_text("not a model")
    with pytest.raises(ValidationError, match="COACH_JUDGE takes `bundled`, `off`"):
        Settings(judge=str(path))
    result = CliRunner().invoke(cli, ["status"], env={"COACH_JUDGE": str(path)})
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert "Bad setting" in message and "COACH_JUDGE takes" in message
    assert "Traceback" not in result.output


# -- rerank and abstention ----------------------------------------------------------------------
def test_judge_puts_the_passage_that_answers_first(guides_retriever) -> None:
    plain = judged(guides_retriever, None).search(QUESTION, 8)
    target = plain.hits[3]
    judge = FakeJudge(answers=[target.text[:60]])
    result = judged(guides_retriever, judge).search(QUESTION, 5)
    assert plain.hits[0].chunk_id != target.chunk_id
    assert result.hits[0].chunk_id == target.chunk_id
    # One batched call per question, on at most the configured depth of passages.
    assert len(judge.relevance_calls) == 1
    assert 1 < judge.relevance_calls[0][1] <= LEADING.judge_depth


def test_judge_passages_carry_title_and_heading(guides_retriever) -> None:
    hit = judged(guides_retriever, None).search(QUESTION, 1).hits[0]
    # The fake matches its phrase against the passage as the judge reads it.
    judge = FakeJudge(answers=[f"{hit.title} › {hit.heading}\n\n{hit.text[:30]}"])
    result, evidence = judged(guides_retriever, judge).search_with_evidence(QUESTION, 1)
    assert result.hits[0].chunk_id == hit.chunk_id
    assert evidence.judge_answers == pytest.approx(0.95)


def test_judge_saying_not_covered_refuses(guides_retriever) -> None:
    assert judged(guides_retriever, None).search(QUESTION).support == "direct"
    result = judged(guides_retriever, FakeJudge(not_covered=["warm up"])).search(QUESTION)
    assert result.abstained and result.support == "none"


def test_judge_saying_answers_answers_directly(guides_retriever) -> None:
    # Abstention follows the judge both ways: what the rules hedge or refuse, a judge that
    # reads a passage answering it answers (every passage holds a space).
    question = "how many energy gels should I take during a marathon"
    assert judged(guides_retriever, None).search(question).support != "direct"
    result = judged(guides_retriever, FakeJudge(answers=[" "])).search(question)
    assert result.support == "direct"


def test_the_judges_bands_decide_when_it_judged() -> None:
    policy = AbstentionPolicy(judge_share=1.0, judge_refuse_below=0.3, judge_direct_from=0.6)
    from retrieval.search.abstention import Evidence

    base = {"top_dense": 0.9, "coverage": 1.0, "lexical": 9.0, "sentence": 0.9}
    assert policy.support(Evidence(**base, judge_answers=0.05, judge_touches=0.1)) == "none"
    assert policy.support(Evidence(**base, judge_answers=0.3, judge_touches=0.4)) == "partial"
    assert policy.support(Evidence(**base, judge_answers=0.9, judge_touches=0.05)) == "direct"


def test_shipped_policy_names_the_dev_sets_its_judge_blend_was_chosen_on() -> None:
    policy = load_policy()
    assert 0.0 <= policy.judge_share <= 1.0
    assert "tune_judge" in policy.chosen_on and "dev" in policy.chosen_on


def test_a_judge_without_a_say_is_never_asked(guides_retriever) -> None:
    """Weight 0 and share 0 (the rules win both jobs): no call, today's result."""
    judge = FakeJudge(not_covered=["warm up"])
    reader = HybridRetriever(
        guides_retriever.store, guides_retriever.data_dir, guides_retriever.embedder,
        judge=judge, config=SearchConfig(judge_weight=0.0),
        policy=load_policy().model_copy(update={"judge_share": 0.0}),
    )  # fmt: skip
    assert (
        reader.search(QUESTION).support == judged(guides_retriever, None).search(QUESTION).support
    )
    assert judge.relevance_calls == []


def test_calibration_never_asks_the_judge(guides_retriever) -> None:
    judge = FakeJudge()
    reader = judged(guides_retriever, judge)
    reader._calibration_evidence(["how often should I lift", "best marathon gels"])
    assert judge.relevance_calls == []


def test_judge_off_is_todays_search(guides_retriever) -> None:
    """Off, no judge is asked and the result is the same as a retriever built without one."""
    today = HybridRetriever(
        guides_retriever.store, guides_retriever.data_dir, guides_retriever.embedder
    )
    off = HybridRetriever(
        guides_retriever.store, guides_retriever.data_dir, guides_retriever.embedder, judge=None
    )
    for question in (QUESTION, "foam roll before or after a run", "best shoes for a marathon"):
        a, b = today.search_with_evidence(question), off.search_with_evidence(question)
        assert [h.chunk_id for h in a[0].hits] == [h.chunk_id for h in b[0].hits]
        assert a[0].support == b[0].support and b[1].judge_answers is None
        assert "judge" not in b[0].timings_ms


# -- the app and status -------------------------------------------------------------------------
def test_status_and_answers_name_the_judge(bundled_index: Path, embedder, monkeypatch) -> None:
    from bot.app import CoachApp

    monkeypatch.setenv("COACH_DATA_DIR", str(bundled_index))
    judge = FakeJudge()
    app = CoachApp(Settings(), embedder=embedder, judge=judge)
    assert app.status().judge == judge.name
    answer = app.ask(QUESTION)
    assert answer.judge == judge.name and not answer.abstained
    assert judge.relevance_calls  # the app's retriever and answerer use the judge it was given

    off = CoachApp(Settings(judge="off"), embedder=embedder)
    assert off.status().judge == "off"
    assert off.ask(QUESTION).judge == "off"


def test_status_json_names_the_judge(bundled_index: Path, monkeypatch) -> None:
    import json

    result = CliRunner().invoke(
        cli, ["status", "--json"], env={"COACH_DATA_DIR": str(bundled_index), "COACH_JUDGE": "off"}
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["judge"] == "off"
