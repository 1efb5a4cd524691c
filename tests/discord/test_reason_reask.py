"""A 👎 reason lost while the bot was down is asked for again, once, through the fake Discord.

"Time passes" between runs by moving the bots' clock on (and, where Discord would have,
expiring the interaction token in the fake), never by sleeping or reading the real clock.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.discord_bot.client import CoachBot
from bot.discord_bot.reask import ReaskDesk
from bot.discord_bot.views import GONE, NO_DOWNVOTE
from bot.settings import Settings
from tests.discord.conftest import FakeApp, fake_discord, running_bot
from tests.discord.test_bot import _ask, _custom_ids
from tests.discord.test_bot import _vote_down as vote_down
from tests.fakes.discord_server import FakeDiscord

EPHEMERAL = 64
QUESTION = "How often should I lift?"
START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


class Clock:
    """The bots' clock: a fixed moment a test moves on ("the bot was down three minutes")."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def _desk(bot: CoachBot) -> ReaskDesk:
    cog = bot.get_cog("FeedbackCog")
    assert cog is not None
    return cog.reasks  # type: ignore[attr-defined,no-any-return]


async def _swept(bot: CoachBot) -> ReaskDesk:
    desk = _desk(bot)
    await asyncio.wait_for(desk.swept.wait(), 10)
    return desk


async def _vote_down(fake: FakeDiscord) -> tuple[str, dict[str, Any]]:
    """Ask, press 👎 and see the reason form open; returns the answer id and the press."""
    answer_id, press, modal = await vote_down(fake, QUESTION)
    assert modal.json["type"] == 9  # the form opened
    return answer_id, press


def _dm_posts(fake: FakeDiscord) -> list[Any]:
    dms = {cid for cid, c in fake.channels.items() if c["type"] == 1}
    return [c for c in fake.calls_to("POST", r"/channels/(\d+)/messages") if _cid(c) in dms]


def _cid(call: Any) -> int:
    return int(call.path.split("/")[2])


def _with_reask_button(message: dict[str, Any], answer_id: str) -> dict[str, Any]:
    """A bot message carrying a re-ask's button (as a DM the bot sent would)."""
    button = {
        "type": 2,
        "style": 1,
        "label": "Add a reason",
        "custom_id": f"coach:reason:{answer_id}",
    }
    return {**message, "components": [{"type": 1, "components": [button]}]}


def _webhook_posts(fake: FakeDiscord, press: dict[str, Any]) -> list[Any]:
    return fake.calls_to("POST", f"/webhooks/{fake.app_id}/{press['token']}")


async def test_reason_lost_in_a_restart_is_reasked_once_and_lands(
    settings: Settings, fake_app: FakeApp
) -> None:
    clock = Clock()
    async with fake_discord() as fake:
        settings.review_channel_id = fake.review_channel_id
        review_path = f"/channels/{fake.review_channel_id}/messages"
        async with running_bot(fake_app, fake, clock=clock) as bot:
            answer_id, press = await _vote_down(fake)
            posted = await fake.wait_for(lambda c: c.method == "POST" and c.path == review_path)
            # Nothing is re-asked while the bot that showed the form is still up.
            await _desk(bot).sweep(clock.now + timedelta(minutes=5))
            assert _webhook_posts(fake, press) == []
        # The member's submit failed while the bot was down; three minutes go by.
        clock.now += timedelta(minutes=3)
        async with running_bot(fake_app, fake, clock=clock) as bot:
            (reask,) = await fake.followups(press)
            await _swept(bot)
        assert reask.status == 200
        assert reask.json["flags"] & EPHEMERAL
        assert reask.json["allowed_mentions"] == {"parse": []}
        assert QUESTION in reask.json["content"]
        assert _custom_ids(reask.response, fake) == [f"coach:reason:{answer_id}"]
        # A second restart asks nobody again.
        async with running_bot(fake_app, fake, clock=clock) as bot:
            await _swept(bot)
            assert len(_webhook_posts(fake, press)) == 1
            assert _dm_posts(fake) == []
            # The member presses the re-ask's button, gets the same form, and sends it.
            button = fake.component(reask.response, f"coach:reason:{answer_id}")
            await fake.interact(button)
            modal = await fake.callback(button)
            assert (modal.json["type"], modal.json["data"]["custom_id"]) == (
                9,
                f"coach:fbr:{answer_id}",
            )
            submit = fake.modal_submit(
                f"coach:fbr:{answer_id}", {"reason": "No sets or reps"}, message=reask.response
            )
            await fake.interact(submit)
            thanks = await fake.callback(submit)
            # The re-ask itself becomes the thank-you, its button gone.
            assert thanks.json["type"] == 7
            assert "noted" in thanks.json["data"]["content"]
            assert thanks.json["data"]["components"] == []
            feedback = bot.store.feedback(answer_id, fake.member.id)
            assert feedback is not None and (feedback.vote, feedback.reason) == (
                -1,
                "No sets or reps",
            )
            prompt = bot.store.reason_prompt(answer_id, fake.member.id)
            assert prompt is not None and (prompt.state, prompt.token) == ("answered", None)
            edit_path = f"{review_path}/{posted.response['id']}"
            edited = await fake.wait_for(lambda c: c.method == "PATCH" and c.path == edit_path)
            fields = {f["name"]: f["value"] for f in edited.json["embeds"][0]["fields"]}
            assert fields["Reason"] == "No sets or reps"
            await bot.review.drain()
        assert len(fake.calls_to("POST", review_path)) == 1


@pytest.mark.parametrize(
    ("minutes", "webhook_tries"),
    [(20, 0), (3, 1)],
    ids=["token-too-old-to-try", "token-refused-by-discord"],
)
async def test_expired_token_reasks_by_dm(
    settings: Settings, fake_app: FakeApp, minutes: float, webhook_tries: int
) -> None:
    clock = Clock()
    async with fake_discord() as fake:
        async with running_bot(fake_app, fake, clock=clock):
            answer_id, press = await _vote_down(fake)
        clock.now += timedelta(minutes=minutes)
        fake.expire_token(press["token"])
        async with running_bot(fake_app, fake, clock=clock) as bot:
            await fake.wait_for(lambda c: c.method == "POST" and c.path == "/users/@me/channels")
            (dm,) = await fake.wait_for_count(lambda c: c in _dm_posts(fake), 1)
            await _swept(bot)
            tried = _webhook_posts(fake, press)
            assert len(tried) == webhook_tries
            assert all(c.status == 401 for c in tried)
            assert dm.status == 200
            assert dm.json["allowed_mentions"] == {"parse": []}
            assert QUESTION in dm.json["content"]
            assert f"<#{fake.channel_id}>" in dm.json["content"]  # which channel it was in
            assert _custom_ids(dm.response, fake) == [f"coach:reason:{answer_id}"]
            prompt = bot.store.reason_prompt(answer_id, fake.member.id)
            assert prompt is not None and (prompt.state, prompt.reasked_via) == ("reasked", "dm")
            # The button in the DM opens the form; the reason lands.
            button = fake.component(dm.response, f"coach:reason:{answer_id}")
            await fake.interact(button)
            assert (await fake.callback(button)).json["type"] == 9
            submit = fake.modal_submit(
                f"coach:fbr:{answer_id}", {"reason": "Wrong article"}, message=dm.response
            )
            await fake.interact(submit)
            assert (await fake.callback(submit)).json["type"] == 7
            feedback = bot.store.feedback(answer_id, fake.member.id)
            assert feedback is not None and feedback.reason == "Wrong article"


async def test_refused_dm_is_logged_once_marked_and_not_retried(
    settings: Settings, fake_app: FakeApp, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    async with fake_discord() as fake:
        async with running_bot(fake_app, fake, clock=clock):
            answer_id, press = await _vote_down(fake)
        clock.now += timedelta(minutes=30)
        fake.expire_token(press["token"])
        fake.closed_dms.add(fake.member.id)
        caplog.set_level(logging.INFO, logger="bot.discord_bot.reask")
        async with running_bot(fake_app, fake, clock=clock) as bot:
            (refused,) = await fake.wait_for_count(lambda c: c in _dm_posts(fake), 1)
            desk = await _swept(bot)
            assert refused.status == 403
            prompt = bot.store.reason_prompt(answer_id, fake.member.id)
            assert prompt is not None and prompt.state == "refused"
            assert (await desk.sweep(clock.now)).total() == 0  # the next sweep leaves it alone
        async with running_bot(fake_app, fake, clock=clock) as bot:
            await _swept(bot)
        assert len(_dm_posts(fake)) == 1
        lines = [r for r in caplog.records if "does not accept DMs" in r.getMessage()]
        assert len(lines) == 1
        assert lines[0].exc_info is None and "\n" not in lines[0].getMessage()


async def test_buttons_and_forms_for_unknown_answers_or_votes_get_one_line(
    settings: Settings, fake_app: FakeApp
) -> None:
    clock = Clock()
    async with fake_discord() as fake, running_bot(fake_app, fake, clock=clock) as bot:
        answer_id, _ = await _vote_down(fake)
        _, message = await _ask(fake, "Anything else?")
        unknown = "0123456789abcdef"
        stale = _with_reask_button(message, unknown)
        voters = _with_reask_button(message, answer_id)
        cases = [
            (fake.component(stale, f"coach:reason:{unknown}"), GONE),
            (fake.modal_submit(f"coach:fbr:{unknown}", {"reason": "x"}), GONE),
            # Someone else presses the voter's re-ask button, or sends a form for it.
            (fake.component(voters, f"coach:reason:{answer_id}", user=fake.coach), NO_DOWNVOTE),
            (
                fake.modal_submit(f"coach:fbr:{answer_id}", {"reason": "x"}, user=fake.coach),
                NO_DOWNVOTE,
            ),
        ]
        for payload, text in cases:
            await fake.interact(payload)
            reply = await fake.callback(payload)
            assert reply.json["type"] == 4
            assert reply.json["data"]["content"] == text
            assert reply.json["data"]["flags"] & EPHEMERAL
        assert bot.store.feedback(answer_id, fake.coach.id) is None
        still = bot.store.feedback(answer_id, fake.member.id)
        assert still is not None and still.reason is None


async def test_a_form_open_across_a_lost_connection_is_reasked(
    settings: Settings, fake_app: FakeApp
) -> None:
    clock = Clock()
    async with fake_discord() as fake, running_bot(fake_app, fake, clock=clock) as bot:
        answer_id, press = await _vote_down(fake)
        desk = _desk(bot)
        later = clock.now + timedelta(minutes=3)  # the form has settled by then
        assert (await desk.sweep(later)).total() == 0  # no gap yet: nothing to re-ask
        clock.now += timedelta(minutes=1)  # the connection drops a minute after the form opened
        await fake.request_reconnect()

        async def flagged() -> None:
            while True:
                prompt = bot.store.reason_prompt(answer_id, fake.member.id)
                if prompt is not None and prompt.interrupted:
                    return
                await asyncio.sleep(0.05)

        await asyncio.wait_for(flagged(), 15)
        assert dict(await desk.sweep(later)) == {"followup": 1}
        (reask,) = await fake.followups(press)
        assert _custom_ids(reask.response, fake) == [f"coach:reason:{answer_id}"]
