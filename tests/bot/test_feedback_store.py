from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from answering.models import Answer, Citation, Turn
from bot.feedback_store import FeedbackStore

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _answer(question: str, *, abstained: bool = False) -> Answer:
    citations = (
        []
        if abstained
        else [
            Citation(n=1, chunk_id="c-1", source="a.md", title="A", heading="H", quote="q"),
            Citation(n=2, chunk_id="c-2", source="b.md", title="B", heading="H", quote="q"),
        ]
    )
    return Answer(
        question=question, answer=f"answer to {question}", citations=citations, abstained=abstained
    )


@pytest.fixture
def store(tmp_path: Path) -> FeedbackStore:
    return FeedbackStore(tmp_path / "bot.sqlite3")


def test_answers_keep_question_text_and_cited_chunks(store: FeedbackStore) -> None:
    answer_id = store.record_answer(_answer("squats?"), user_id=7, channel_id=70, now=NOW)
    store.set_message(answer_id, 700)
    record = store.answer(answer_id)
    assert record is not None
    assert (record.question, record.answer, record.chunk_ids) == (
        "squats?",
        "answer to squats?",
        ["c-1", "c-2"],
    )
    assert (record.user_id, record.channel_id, record.message_id) == (7, 70, 700)
    assert store.answer("0" * 16) is None


def test_votes_survive_reopening_and_revoting_replaces(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "bot.sqlite3")
    answer_id = store.record_answer(_answer("squats?"))
    store.record_vote(answer_id, 1, -1)
    store.set_reason(answer_id, 1, "  no sets  ")
    store.record_vote(answer_id, 2, 1)
    store.close()
    reopened = FeedbackStore(tmp_path / "bot.sqlite3")
    down = reopened.feedback(answer_id, 1)
    assert down is not None and (down.vote, down.reason) == (-1, "no sets")
    # Changing one's mind clears a reason that explained the old vote.
    assert reopened.record_vote(answer_id, 1, 1).reason is None
    votes = [reopened.feedback(answer_id, user) for user in (1, 2)]
    assert [f.vote for f in votes if f is not None] == [1, 1]


def test_voting_on_an_unknown_answer_fails(store: FeedbackStore) -> None:
    with pytest.raises(KeyError):
        store.record_vote("f" * 16, 1, 1)


def test_thread_turns_start_with_the_seed_answer(store: FeedbackStore) -> None:
    seed = store.record_answer(_answer("first?"), channel_id=10, now=NOW)
    store.mark_thread(555, seed)
    for i, q in enumerate(["second?", "third?"], start=1):
        store.record_answer(_answer(q), channel_id=555, now=NOW + timedelta(minutes=i))
    store.record_answer(_answer("elsewhere?"), channel_id=10, now=NOW + timedelta(minutes=9))
    assert store.is_bot_thread(555) and not store.is_bot_thread(10)
    assert store.turns(555) == [
        Turn(question=q, answer=f"answer to {q}") for q in ("first?", "second?", "third?")
    ]
    assert [t.question for t in store.turns(555, limit=2)] == ["second?", "third?"]


def test_plans_round_trip(store: FeedbackStore) -> None:
    plan_id = store.save_plan('{"weeks": 8}', user_id=3)
    record = store.plan(plan_id)
    assert record is not None and (record.user_id, record.plan_json) == (3, '{"weeks": 8}')
    assert store.plan("0" * 16) is None


def test_gap_questions_are_abstained_or_downvoted_and_recent(store: FeedbackStore) -> None:
    store.record_answer(_answer("fine?"), now=NOW)
    store.record_answer(_answer("yoga?", abstained=True), now=NOW)
    store.record_answer(_answer("ancient?", abstained=True), now=NOW - timedelta(days=60))
    disliked = store.record_answer(_answer("tempo?"), now=NOW)
    store.record_vote(disliked, 1, -1)
    store.set_reason(disliked, 1, "wrong article")
    store.record_vote(disliked, 2, -1)
    gaps = store.gap_questions(since=NOW - timedelta(days=30))
    by_question = {g.question: g for g in gaps}
    assert set(by_question) == {"yoga?", "tempo?"}
    assert by_question["tempo?"].downvotes == 2
    assert by_question["tempo?"].reasons == ["wrong article"]
    assert by_question["yoga?"].abstained
