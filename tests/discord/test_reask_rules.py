"""Which 👎 reason forms are re-asked, and how: the store's rules and the re-ask's wording."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from answering.models import Answer
from bot.discord_bot.reask import FOLLOWUP_LIFE, SETTLE, ReaskDesk, reask_route, reask_text
from bot.feedback_store import FeedbackStore, ReasonPrompt
from bot.settings import Settings

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
RESTART = NOW - timedelta(minutes=1)  # the bot came back a minute ago
DAY = timedelta(hours=24)


@pytest.fixture
def store(tmp_path: Path) -> FeedbackStore:
    return FeedbackStore(tmp_path / "bot.sqlite3")


def _downvote(
    store: FeedbackStore, *, minutes_ago: float, user: int = 7, question: str = "q?"
) -> str:
    answer_id = store.record_answer(
        Answer(question=question, answer="a", citations=[], abstained=False), channel_id=70
    )
    shown = NOW - timedelta(minutes=minutes_ago)
    store.record_vote(answer_id, user, -1, now=shown)
    store.open_reason_prompt(answer_id, user, token="tok", channel_id=70, guild_id=1, now=shown)
    return answer_id


def _claim(store: FeedbackStore, *, restarted_at: datetime = RESTART) -> list[str]:
    due = store.claim_reasks(
        restarted_at=restarted_at, settled_before=NOW - SETTLE, since=NOW - DAY
    )
    return [p.answer_id for p in due]


@pytest.mark.parametrize(
    ("minutes_ago", "restarted", "then", "due"),
    [
        (5, 1, None, True),  # shown before the restart, no reason: re-ask
        (5, 10, None, False),  # shown after the restart: this run saw any submit
        (5, 1, "reason", False),  # the reason arrived (the form outlived the restart)
        (5, 1, "empty form", False),  # sent the form with nothing in it: an answer too
        (5, 1, "thumbs up", False),  # changed their mind
        (25 * 60, 1, None, False),  # older than the window
    ],
)
def test_which_forms_are_due(
    store: FeedbackStore, minutes_ago: float, restarted: float, then: str | None, due: bool
) -> None:
    answer_id = _downvote(store, minutes_ago=minutes_ago)
    if then == "reason":
        store.set_reason(answer_id, 7, "no sets")
    elif then == "empty form":
        store.set_reason(answer_id, 7, "   ")
    elif then == "thumbs up":
        store.record_vote(answer_id, 7, 1)
    restarted_at = NOW - timedelta(minutes=restarted)
    assert _claim(store, restarted_at=restarted_at) == ([answer_id] if due else [])


def test_a_form_still_settling_waits_for_a_later_sweep(store: FeedbackStore) -> None:
    # Shown 1 minute before a restart 30 seconds ago: the member may still be typing.
    answer_id = _downvote(store, minutes_ago=1.5)
    assert _claim(store, restarted_at=NOW - timedelta(seconds=30)) == []
    later = store.claim_reasks(
        restarted_at=NOW - timedelta(seconds=30),
        settled_before=NOW + timedelta(minutes=1) - SETTLE,  # the next sweep, a minute on
        since=NOW - DAY,
    )
    assert [p.answer_id for p in later] == [answer_id]


def test_each_vote_is_reasked_at_most_once(store: FeedbackStore) -> None:
    answer_id = _downvote(store, minutes_ago=5)
    assert _claim(store) == [answer_id]
    assert _claim(store) == []  # claimed: another sweep (or a crash mid-send) never repeats it
    store.finish_reask(answer_id, 7, "reasked", via="dm", channel_id=9, message_id=99, now=NOW)
    # Pressing 👎 again opens the form again but earns no second re-ask.
    store.open_reason_prompt(answer_id, 7, token="tok2", now=NOW - timedelta(minutes=5))
    assert _claim(store) == []
    prompt = store.reason_prompt(answer_id, 7)
    assert prompt is not None
    assert (prompt.state, prompt.reasked_via, prompt.reask_message_id) == ("reasked", "dm", 99)
    assert prompt.question == "q?"


def test_passing_failures_are_retried_a_few_times_then_given_up(store: FeedbackStore) -> None:
    answer_id = _downvote(store, minutes_ago=5)
    for attempt in (1, 2):
        assert _claim(store) == [answer_id]
        assert store.retry_reask_later(answer_id, 7, max_attempts=3), attempt
    assert _claim(store) == [answer_id]
    assert not store.retry_reask_later(answer_id, 7, max_attempts=3)
    assert _claim(store) == []
    prompt = store.reason_prompt(answer_id, 7)
    assert prompt is not None and (prompt.state, prompt.attempts) == ("failed", 3)


def test_forms_open_across_a_lost_connection_are_due_in_the_same_run(
    store: FeedbackStore,
) -> None:
    long_ago = _downvote(store, minutes_ago=120, user=1)
    recent = _downvote(store, minutes_ago=10, user=2)
    started = NOW - timedelta(hours=5)  # this process has run for hours
    assert _claim(store, restarted_at=started) == []
    # The gateway dropped 5 minutes ago and came back: forms shown up to 15 minutes before.
    flagged = store.flag_interrupted(
        opened_after=NOW - timedelta(minutes=20), opened_before=NOW - timedelta(minutes=4)
    )
    assert flagged == 1
    assert _claim(store, restarted_at=started) == [recent]
    assert long_ago != recent


def _prompt(minutes_ago: float, *, token: str | None = "tok", question: str = "q?") -> ReasonPrompt:
    return ReasonPrompt(
        answer_id="a" * 16,
        user_id=7,
        channel_id=70,
        guild_id=1,
        token=token,
        prompted_at=NOW - timedelta(minutes=minutes_ago),
        state="reasking",
        question=question,
    )


def test_the_route_follows_the_interaction_token_life() -> None:
    life = FOLLOWUP_LIFE.total_seconds() / 60
    assert reask_route(_prompt(3), NOW) == "followup"
    assert reask_route(_prompt(life + 0.5), NOW) == "dm"
    assert reask_route(_prompt(3, token=None), NOW) == "dm"


def test_the_reask_names_the_question_without_pinging_anyone() -> None:
    prompt = _prompt(3, question="@everyone how do <@123> and <@&9> lift?")
    for route in ("followup", "dm"):
        text = reask_text(prompt, route)  # type: ignore[arg-type]
        assert "@everyone" not in text and "<@123>" not in text and "<@&9>" not in text
        assert "how do" in text and "won't ask again" in text
    assert "<#70>" in reask_text(prompt, "dm")  # a DM says which channel
    assert "<#70>" not in reask_text(prompt, "followup")  # the follow-up is in that channel


@dataclass
class _Bot:
    """The two things a ReaskDesk reads from its bot."""

    settings: Settings
    store: FeedbackStore


async def test_a_zero_window_turns_reasking_off(store: FeedbackStore, tmp_path: Path) -> None:
    answer_id = _downvote(store, minutes_ago=5)
    desk = ReaskDesk(_Bot(Settings(data_dir=tmp_path, reask_window_h=0), store), started_at=RESTART)  # type: ignore[arg-type]
    assert (await desk.sweep(NOW)).total() == 0
    assert desk.swept.is_set()
    prompt = store.reason_prompt(answer_id, 7)
    assert prompt is not None and prompt.state == "pending"
