"""The real discord.py bot against FakeDiscord, with a fake app: every user-visible flow."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.discord_bot.errors import INTERNAL_ERROR
from bot.settings import Settings
from retrieval.errors import IndexUnavailableError
from tests.discord.conftest import FakeApp, fake_discord, running_bot
from tests.fakes.discord_server import FakeDiscord

EPHEMERAL = 64


def _flags(call: Any) -> int:
    return ((call.json.get("data") or call.json).get("flags") or 0) if call.json else 0


def _custom_ids(message: dict[str, Any], fake: FakeDiscord) -> list[str]:
    return [c["custom_id"] for c in fake.buttons(message)]


async def _ask(fake: FakeDiscord, question: str, **kwargs: Any) -> tuple[dict, dict]:
    """Run /ask; returns the interaction payload and the answer message the bot sent."""
    payload = fake.slash("ask", {"question": question}, **kwargs)
    await fake.interact(payload)
    (followup,) = await fake.followups(payload)
    return payload, followup.response


async def _vote_down(fake: FakeDiscord, question: str) -> tuple[str, dict[str, Any], Any]:
    """Ask, press 👎 and let the bot answer the press: (answer id, the press, its callback)."""
    _, message = await _ask(fake, question)
    down = _custom_ids(message, fake)[1]
    press = fake.component(message, down)
    await fake.interact(press)
    return down.rsplit(":", 1)[1], press, await fake.callback(press)


async def test_ask_defers_then_follows_up_with_a_cited_embed_and_buttons(
    fake_app: FakeApp,
) -> None:
    async with fake_discord() as fake, running_bot(fake_app, fake) as bot:
        payload, message = await _ask(fake, "How often should I lift?")
        callback = await fake.callback(payload)
        assert callback.json["type"] == 5  # deferred: "Club Coach is thinking…"
        assert _flags(callback) & EPHEMERAL == 0
        (embed,) = message["embeds"]
        assert embed["title"] == "How often should I lift?"
        assert embed["description"] == fake_app.answer_text
        sources = next(f for f in embed["fields"] if f["name"] == "Sources")
        assert sources["value"] == "`[1]` Strength frequency › How often › strength-frequency.md"
        ids = _custom_ids(message, fake)
        answer_id = ids[0].rsplit(":", 1)[1]
        assert ids == [
            f"coach:fb:up:{answer_id}",
            f"coach:fb:down:{answer_id}",
            f"coach:thread:{answer_id}",
        ]
        assert message["allowed_mentions"] == {"parse": []}
        await bot.wait_idle(5)
        record = bot.store.answer(answer_id)
        assert record is not None and record.chunk_ids == ["freq-001"]
        assert record.message_id == int(message["id"])


async def test_not_covered_answer_suggests_covered_topics(fake_app: FakeApp) -> None:
    async with fake_discord() as fake, running_bot(fake_app, fake):
        _, message = await _ask(fake, "What about quantum running?")
        fields = {f["name"]: f["value"] for f in message["embeds"][0]["fields"]}
        assert "• Calf raises" in fields["Topics the guides do cover"]


async def test_thumbs_up_is_stored_and_acknowledged_privately(fake_app: FakeApp) -> None:
    async with fake_discord() as fake, running_bot(fake_app, fake) as bot:
        _, message = await _ask(fake, "How often should I lift?")
        up = _custom_ids(message, fake)[0]
        press = fake.component(message, up)
        await fake.interact(press)
        callback = await fake.callback(press)
        assert callback.json["type"] == 4 and _flags(callback) & EPHEMERAL
        answer_id = up.rsplit(":", 1)[1]
        feedback = bot.store.feedback(answer_id, fake.member.id)
        assert feedback is not None and feedback.vote == 1


async def test_thumbs_down_asks_why_and_tells_the_review_channel(
    settings: Settings, fake_app: FakeApp
) -> None:
    async with fake_discord() as fake:
        settings.review_channel_id = fake.review_channel_id
        async with running_bot(fake_app, fake) as bot:
            answer_id, _, modal = await _vote_down(fake, "How often should I lift?")
            assert modal.json["type"] == 9
            assert modal.json["data"]["custom_id"] == f"coach:fbr:{answer_id}"
            review_path = f"/channels/{fake.review_channel_id}/messages"
            posted = await fake.wait_for(lambda c: c.method == "POST" and c.path == review_path)
            fields = {f["name"]: f["value"] for f in posted.json["embeds"][0]["fields"]}
            assert fields["Question"] == "How often should I lift?"
            assert fields["Cited chunks"] == "`freq-001`"
            assert fields["Reason"] == "(no reason given yet)"

            submit = fake.modal_submit(f"coach:fbr:{answer_id}", {"reason": "No sets or reps"})
            await fake.interact(submit)
            thanks = await fake.callback(submit)
            assert thanks.json["type"] == 4 and _flags(thanks) & EPHEMERAL
            edit_path = f"{review_path}/{posted.response['id']}"
            edited = await fake.wait_for(lambda c: c.method == "PATCH" and c.path == edit_path)
            reason = next(f for f in edited.json["embeds"][0]["fields"] if f["name"] == "Reason")
            assert reason["value"] == "No sets or reps"
            feedback = bot.store.feedback(answer_id, fake.member.id)
            assert feedback is not None and (feedback.vote, feedback.reason) == (
                -1,
                "No sets or reps",
            )


async def test_buttons_keep_working_after_a_restart(fake_app: FakeApp) -> None:
    async with fake_discord() as fake:
        async with running_bot(fake_app, fake):
            _, message = await _ask(fake, "How often should I lift?")
        async with running_bot(fake_app, fake) as restarted:
            up = _custom_ids(message, fake)[0]
            press = fake.component(message, up)
            await fake.interact(press)
            await fake.callback(press)
            feedback = restarted.store.feedback(up.rsplit(":", 1)[1], fake.member.id)
            assert feedback is not None and feedback.vote == 1


async def test_a_thread_started_from_an_answer_keeps_the_conversation(fake_app: FakeApp) -> None:
    async with fake_discord() as fake, running_bot(fake_app, fake):
        _, message = await _ask(fake, "How often should I lift?")
        thread_button = _custom_ids(message, fake)[2]
        press = fake.component(message, thread_button)
        await fake.interact(press)
        path = f"/channels/{fake.channel_id}/messages/{message['id']}/threads"
        started = await fake.wait_for(lambda c: c.method == "POST" and c.path == path)
        assert started.json["name"] == "How often should I lift?"
        thread_id = int(started.response["id"])
        intro = await fake.wait_for(
            lambda c: c.method == "POST" and c.path == f"/channels/{thread_id}/messages"
        )
        assert "/ask" in intro.json["content"]
        # The 🧵 button goes away once the thread exists.
        edit = await fake.wait_for(lambda c: c.method == "PATCH" and "@original" in c.path)
        assert len(edit.json["components"][0]["components"]) == 2

        _, follow_up = await _ask(fake, "And in race week?", channel_id=thread_id)
        question, history = fake_app.questions[-1]
        assert question == "And in race week?"
        assert [t.question for t in history] == ["How often should I lift?"]
        assert history[0].answer == fake_app.answer_text
        assert not any("thread" in i for i in _custom_ids(follow_up, fake))


async def test_mentions_are_answered_without_pinging_anyone(fake_app: FakeApp) -> None:
    async with fake_discord() as fake, running_bot(fake_app, fake):
        message = fake.user_message(f"<@{fake.bot.id}> @everyone how often should I lift?")
        await fake.interact(message)
        path = f"/channels/{fake.channel_id}/messages"
        reply = await fake.wait_for(lambda c: c.method == "POST" and c.path == path)
        assert fake_app.questions[-1][0] == "@everyone how often should I lift?"
        assert str(reply.json["message_reference"]["message_id"]) == message["id"]
        assert reply.json["allowed_mentions"]["parse"] == []
        title = reply.json["embeds"][0]["title"]
        assert "@everyone" not in title and "how often" in title


async def test_direct_messages_are_answered(fake_app: FakeApp) -> None:
    async with fake_discord() as fake, running_bot(fake_app, fake):
        dm = fake.dm_channel(fake.member)
        message = fake.user_message(
            "squats or lunges?", channel_id=int(dm["id"]), mention_bot=False
        )
        await fake.interact(message)
        reply = await fake.wait_for(
            lambda c: c.method == "POST" and c.path == f"/channels/{dm['id']}/messages"
        )
        assert reply.json["embeds"][0]["title"] == "squats or lunges?"
        # No thread button in a DM: threads need a server channel.
        assert len(reply.json["components"][0]["components"]) == 2


async def test_channel_messages_not_addressed_to_the_bot_are_ignored(fake_app: FakeApp) -> None:
    async with fake_discord() as fake, running_bot(fake_app, fake):
        await fake.interact(fake.user_message("@everyone long run sunday", mention_bot=False))
        await _ask(fake, "How often should I lift?")  # something to wait on
        assert [q for q, _ in fake_app.questions] == ["How often should I lift?"]
        assert not fake.calls_to("POST", rf"/channels/{fake.channel_id}/messages")


async def test_cooldown_gives_a_friendly_private_wait_message(
    settings: Settings, fake_app: FakeApp
) -> None:
    settings.cooldown_s = 60
    async with fake_discord() as fake, running_bot(fake_app, fake):
        await _ask(fake, "How often should I lift?")
        again = fake.slash("ask", {"question": "And squats?"})
        await fake.interact(again)
        callback = await fake.callback(again)
        assert callback.json["type"] == 4 and _flags(callback) & EPHEMERAL
        text = callback.json["data"]["content"]
        assert text.startswith("Easy there! You can ask again in") and "60 s" in text
        assert len(fake_app.questions) == 1


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            IndexUnavailableError("No index yet: run `coach index`."),
            "No index yet: run `coach index`.",
        ),
        (RuntimeError("secret stack detail"), INTERNAL_ERROR),
    ],
    ids=["domain-error", "unexpected-error"],
)
async def test_errors_are_short_private_and_unexpected_ones_logged(
    fake_app: FakeApp, caplog: pytest.LogCaptureFixture, error: Exception, expected: str
) -> None:
    def fail(question: str, history: object = ()) -> None:
        raise error

    fake_app.ask = fail  # type: ignore[method-assign]
    async with fake_discord() as fake, running_bot(fake_app, fake):
        payload = fake.slash("ask", {"question": "How often should I lift?"})
        with caplog.at_level(logging.ERROR):
            await fake.interact(payload)
            (followup,) = await fake.followups(payload)
        assert followup.json["flags"] & EPHEMERAL
        assert followup.json["embeds"][0]["description"] == expected
        # The public "thinking…" placeholder is removed so the error stays private.
        deleted = fake.calls_to("DELETE", rf"/webhooks/\d+/{payload['token']}/messages/@original")
        assert len(deleted) == 1
        logged = [r for r in caplog.records if r.exc_info]
        assert bool(logged) == isinstance(error, RuntimeError)
        if logged:
            assert "secret stack detail" in str(logged[0].exc_info[1])


async def test_kb_commands_are_for_coaches_only(fake_app: FakeApp) -> None:
    async with fake_discord() as fake, running_bot(fake_app, fake):
        denied = fake.slash("kb", sub="status", user=fake.member)
        await fake.interact(denied)
        callback = await fake.callback(denied)
        assert callback.json["type"] == 4 and _flags(callback) & EPHEMERAL
        assert "**Coach** role" in callback.json["data"]["embeds"][0]["description"]

        allowed = fake.slash("kb", sub="status", user=fake.coach)
        await fake.interact(allowed)
        (status,) = await fake.followups(allowed)
        fields = {f["name"]: f["value"] for f in status.json["embeds"][0]["fields"]}
        assert "2 files · 9 passages" in fields["Index"]
        assert "`broken.pdf`: not a readable PDF" in fields["Skipped (1)"]
        assert status.json["flags"] & EPHEMERAL


async def test_kb_reload_and_gaps(fake_app: FakeApp) -> None:
    async with fake_discord() as fake, running_bot(fake_app, fake):
        await _ask(fake, "What about quantum running?")
        reload = fake.slash("kb", sub="reload", user=fake.coach)
        await fake.interact(reload)
        (reloaded,) = await fake.followups(reload)
        assert fake_app.reindexed == 1
        assert "Added: `new.md`" in reloaded.json["embeds"][0]["description"]

        gaps = fake.slash("kb", sub="gaps", user=fake.coach)
        await fake.interact(gaps)
        (listed,) = await fake.followups(gaps)
        (field,) = listed.json["embeds"][0]["fields"]
        assert "quantum" in field["name"] and "1 unanswered" in field["name"]


async def test_sources_and_help(fake_app: FakeApp) -> None:
    async with fake_discord() as fake, running_bot(fake_app, fake):
        sources = fake.slash("sources", {"topic": "calves"})
        await fake.interact(sources)
        (listed,) = await fake.followups(sources)
        body = listed.json["embeds"][0]["description"]
        assert "`calves.md`" in body and "strength-frequency" not in body

        help_ = fake.slash("help")
        await fake.interact(help_)
        callback = await fake.callback(help_)
        assert _flags(callback) & EPHEMERAL
        assert callback.json["data"]["embeds"][0]["title"] == "Club Coach"


@pytest.mark.parametrize("guild", [True, False], ids=["guild-sync", "global-sync"])
async def test_commands_sync_with_described_options(
    settings: Settings, fake_app: FakeApp, guild: bool
) -> None:
    async with fake_discord() as fake:
        settings.guild_id = fake.guild_id if guild else None
        async with running_bot(fake_app, fake):
            scope = f"/guilds/{fake.guild_id}" if guild else ""
            (sync,) = fake.calls_to("PUT", rf"/applications/{fake.app_id}{scope}/commands")
        names = {c["name"] for c in sync.json}
        assert {"ask", "sources", "help", "kb"} <= names
        for command in sync.json:
            for option in command.get("options", []):
                assert option["description"], (command["name"], option["name"])
                for sub in option.get("options", []):
                    assert sub["description"], (command["name"], sub["name"])


async def test_coach_commands_refuse_dms_even_for_coaches(fake_app: FakeApp) -> None:
    async with fake_discord() as fake, running_bot(fake_app, fake):
        dm = fake.dm_channel(fake.coach)
        payload = fake.slash("kb", sub="status", user=fake.coach, channel_id=int(dm["id"]))
        await fake.interact(payload)
        callback = await fake.callback(payload)
        assert callback.json["data"]["flags"] & EPHEMERAL
        assert "in the club's server" in callback.json["data"]["embeds"][0]["description"]


async def test_mentions_inside_a_bot_thread_carry_the_conversation(fake_app: FakeApp) -> None:
    async with fake_discord() as fake, running_bot(fake_app, fake) as bot:
        _, message = await _ask(fake, "How often should I lift?")
        press = fake.component(message, _custom_ids(message, fake)[2])
        await fake.interact(press)
        path = f"/channels/{fake.channel_id}/messages/{message['id']}/threads"
        started = await fake.wait_for(lambda c: c.method == "POST" and c.path == path)
        await bot.wait_idle(5)
        thread_id = int(started.response["id"])
        await fake.interact(
            fake.user_message(f"<@{fake.bot.id}> and in race week?", channel_id=thread_id)
        )
        await fake.wait_for(
            lambda c: (
                c.method == "POST"
                and c.path == f"/channels/{thread_id}/messages"
                and bool(c.json.get("embeds"))
            )
        )
        question, history = fake_app.questions[-1]
        assert question == "and in race week?"
        assert [t.question for t in history] == ["How often should I lift?"]


@pytest.mark.parametrize(
    ("command", "options", "focused", "expected"),
    [
        ("sources", {"topic": "cal"}, "topic", ["calves"]),
        ("plan", {"free_days": "mon, th"}, "free_days", ["mon, thu"]),
        ("plan", {"free_days": "mon", "avoid": "knee, lun"}, "avoid", ["knee, lunges"]),
        (
            "plan",
            {"free_days": "mon", "runs": "tue:easy, thu:int"},
            "runs",
            ["tue:easy, thu:intervals"],
        ),
    ],
)
async def test_options_autocomplete(
    fake_app: FakeApp, command: str, options: dict, focused: str, expected: list[str]
) -> None:
    async with fake_discord() as fake, running_bot(fake_app, fake):
        payload = fake.autocomplete(command, options, focused)
        await fake.interact(payload)
        callback = await fake.callback(payload)
        assert callback.json["type"] == 8
        assert [c["value"] for c in callback.json["data"]["choices"]] == expected
