"""The training log through the real bot and FakeDiscord: 📝 Log it -> form -> stored -> the
next session's change with its rule; `/log` show, export, delete and share; `/progress`; `/why`;
the coaches' weekly summary (opted-in members only)."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from PIL import Image

from bot.app import CoachApp
from bot.discord_bot.client import CoachBot
from bot.feedback_store import FeedbackStore
from bot.settings import Settings
from bot.training_log_store import TrainingLogStore
from planner.models import Plan
from tests.discord.conftest import fake_discord, running_bot
from tests.fakes.discord_server import FakeDiscord, FakeUser

EPHEMERAL = 64
MODAL = 9


def _flags(call: Any) -> int:
    return ((call.json.get("data") or call.json).get("flags") or 0) if call.json else 0


def _at(day: date) -> datetime:
    return datetime.combine(day, time(19), UTC)


# The bot's clock when a test makes its plan: a Monday, so week 1 is whole whatever day the
# suite runs (a plan made on a Tuesday starts with that week's Thursday session, number 2).
def MONDAY_EVENING() -> datetime:
    return _at(date(2026, 12, 7))


def _embed_text(call: Any) -> str:
    parts = []
    for embed in call.json.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']}\n{f['value']}" for f in embed.get("fields", [])]
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(parts)


async def _make_plan(fake: FakeDiscord, bot: CoachBot, user: FakeUser) -> tuple[dict, str, Plan]:
    """`/plan` as `user`: the posted message, its plan key and the plan."""
    payload = fake.slash("plan", {"free_days": "mon,thu", "runs": "tue:easy, sat:long",
                                  "equipment": "gym", "weeks": 6}, user=user)  # fmt: skip
    await fake.interact(payload)
    (followup,) = await fake.followups(payload, timeout=60)
    message = followup.response
    logs = [
        c["custom_id"] for c in fake.buttons(message) if c["custom_id"].startswith("coach:log:")
    ]
    assert logs and all(i.endswith(f":0:{n}") for n, i in enumerate(logs, 1)), logs
    key = logs[0].split(":")[2]
    record = bot.store.plan(key)
    assert record is not None and record.user_id == user.id
    return message, key, Plan.model_validate_json(record.plan_json)


def _main_lifts(plan: Plan, week: int, session: int, effort: str) -> str:
    (found,) = [s for w, s in plan.sessions() if (w.number, s.number) == (week, session)]
    mains = [x for b in found.blocks if b.kind == "main" for x in b.exercises]
    return "; ".join(f"{x.name} 40kg 3x6 {effort}" for x in mains)


def _date_of(plan: Plan, week: int, session: int) -> date:
    return next(s.date for w, s in plan.sessions() if (w.number, s.number) == (week, session))


async def _submit(
    fake: FakeDiscord, message: dict, custom_id: str, fields: dict[str, str], user: FakeUser
) -> Any:
    submit = fake.modal_submit(custom_id, fields, user=user, message=message)
    await fake.interact(submit)
    (reply,) = await fake.followups(submit, timeout=30)
    return reply


async def test_log_it_opens_the_form_stores_the_entry_and_names_the_rule(
    real_app: CoachApp, bot_store: FeedbackStore, tmp_path
) -> None:
    log_store = TrainingLogStore(tmp_path / "log.sqlite3")
    async with (
        fake_discord() as fake,
        running_bot(
            real_app, fake, store=bot_store, log_store=log_store, clock=MONDAY_EVENING
        ) as bot,
    ):
        message, key, plan = await _make_plan(fake, bot, fake.member)
        first = _date_of(plan, 1, 1)
        bot.clock = lambda: _at(first)
        press = fake.component(message, f"coach:log:{key}:0:1")
        await fake.interact(press)
        modal = await fake.callback(press)
        assert modal.json["type"] == MODAL
        form = modal.json["data"]
        assert form["custom_id"] == f"coach:logm:{key}:1:1"
        inputs = {c["custom_id"]: c for row in form["components"] for c in row["components"]}
        assert list(inputs) == ["status", "lifts", "niggles", "next_run", "note"]
        assert inputs["status"]["value"] == "done"
        assert "3x" in inputs["lifts"]["value"] and "@" in inputs["lifts"]["value"]

        # Someone else can't log the member's plan.
        other = fake.add_user("other")
        stranger = fake.component(message, f"coach:log:{key}:0:1", user=other)
        await fake.interact(stranger)
        refused = await fake.callback(stranger)
        assert refused.json["type"] == 4 and _flags(refused) & EPHEMERAL
        assert "Only the person who made this plan" in refused.json["data"]["content"]

        lifts = _main_lifts(plan, 1, 1, "@9.5")
        reply = await _submit(fake, message, form["custom_id"], {
            "status": "done", "lifts": lifts, "niggles": "knee 2", "next_run": "harder",
            "note": "legs heavy"}, fake.member)  # fmt: skip
        assert reply.json["flags"] & EPHEMERAL
        text = _embed_text(reply)
        assert text.startswith("Logged: Week 1 · ")
        assert "40kg 3x6 @9.5" in text and "niggles knee 2" in text
        assert "rule `adapt-back-off`" in text, text  # the change the entry makes names its rule
        entries = log_store.log(str(fake.member.id)).entries
        assert [(e.week, e.session, e.status) for e in entries] == [(1, 1, "done")]
        assert entries[0].exercises[0].rpe == 9.5 and entries[0].niggles[0].area == "knee"

        # A bad line gets a private error quoting it, and the form to try again.
        bad = await _submit(fake, message, form["custom_id"], {
            "status": "done", "lifts": "squat 40"}, fake.member)  # fmt: skip
        assert bad.json["flags"] & EPHEMERAL
        assert "I couldn't read “40”" in _embed_text(bad) and "lifts: squat 40" in _embed_text(bad)
        assert [c["custom_id"] for c in fake.buttons(bad.response)] == [f"coach:log:{key}:1:1"]
        assert len(log_store.log(str(fake.member.id)).entries) == 1

        why = fake.slash("why")
        await fake.interact(why)
        (changes,) = await fake.followups(why)
        assert changes.json["flags"] & EPHEMERAL
        assert "Week 2" in _embed_text(changes) and "rule `adapt-back-off`" in _embed_text(changes)

        # The plan's own buttons show its owner the plan as the log adapts it.
        full = fake.component(message, f"coach:plan:full:{key}")
        await fake.interact(full)
        (pages, *_) = await fake.followups(full)
        assert "Changes from your training log" in _embed_text(pages)
        peek = fake.component(message, f"coach:plan:full:{key}", user=other)
        await fake.interact(peek)
        (others, *_) = await fake.followups(peek)
        assert "Changes from your training log" not in _embed_text(others)  # not their log
        calendar = fake.component(message, f"coach:plan:ics:{key}")
        await fake.interact(calendar)
        (ics,) = await fake.followups(calendar)
        ((_, ics_bytes),) = ics.files
        assert b"From your training log:" in ics_bytes.replace(b"\r\n ", b"")

    # After a restart the same button still opens the form, now filled with what was logged.
    async with fake_discord() as fake2:
        fake2.messages[int(message["id"])] = message
        reopened = (
            FeedbackStore(tmp_path / "bot.sqlite3"),
            TrainingLogStore(tmp_path / "log.sqlite3"),
        )
        async with running_bot(
            real_app, fake2, store=reopened[0], log_store=reopened[1], clock=MONDAY_EVENING
        ) as bot:
            bot.clock = lambda: _at(first)
            assert fake2.member.id == fake.member.id  # the same person on the new connection
            press = fake2.component(message, f"coach:log:{key}:0:1")
            await fake2.interact(press)
            modal = await fake2.callback(press)
            assert modal.json["type"] == MODAL, modal.json
            rows = modal.json["data"]["components"]
            inputs = {c["custom_id"]: c.get("value") for row in rows for c in row["components"]}
            assert "40kg 3x6 @9.5" in inputs["lifts"] and inputs["niggles"] == "knee 2"
            assert inputs["next_run"] == "harder" and inputs["note"] == "legs heavy"


async def test_log_commands_are_private_to_each_member(
    real_app: CoachApp, bot_store: FeedbackStore, tmp_path
) -> None:
    log_store = TrainingLogStore(tmp_path / "log.sqlite3")
    async with (
        fake_discord() as fake,
        running_bot(
            real_app, fake, store=bot_store, log_store=log_store, clock=MONDAY_EVENING
        ) as bot,
    ):
        other = fake.add_user("other")
        early = fake.slash("log", {"lifts": "squat 40kg 3x8 @7"}, sub="session", user=other)
        await fake.interact(early)
        (no_plan,) = await fake.followups(early)
        assert no_plan.json["flags"] & EPHEMERAL and "no plan to log against" in _embed_text(
            no_plan
        )
        _, _, plan = await _make_plan(fake, bot, fake.member)
        await _make_plan(fake, bot, other)
        bot.clock = lambda: _at(_date_of(plan, 2, 1))
        # `/log session` without the button: the session due (week 2, session 1) by default.
        for user, effort in ((fake.member, "@7"), (other, "@8")):
            payload = fake.slash("log", {"lifts": _main_lifts(plan, 2, 1, effort)},
                                 sub="session", user=user)  # fmt: skip
            await fake.interact(payload)
            (reply,) = await fake.followups(payload, timeout=30)
            assert reply.json["flags"] & EPHEMERAL
            assert _embed_text(reply).startswith("Logged: Week 2 · "), _embed_text(reply)

        # The session option offers the member's own sessions, the one due first.
        typing = fake.slash("log", {"session": ""}, sub="session")
        typing["type"] = 4  # APPLICATION_COMMAND_AUTOCOMPLETE
        typing["data"]["options"][0]["options"][0]["focused"] = True
        await fake.interact(typing)
        offered = await fake.callback(typing)
        choices = offered.json["data"]["choices"]
        assert choices[0]["value"] == "1:2" and choices[0]["name"].startswith("Week 1 · Thu")
        assert any(c["value"] == "2:1" and c["name"].endswith("✓") for c in choices)

        export = fake.slash("log", sub="export")
        await fake.interact(export)
        (exported,) = await fake.followups(export)
        assert exported.json["flags"] & EPHEMERAL
        ((name, data),) = exported.files
        dumped = json.loads(data)
        assert name == "training-log.json" and dumped["member"] == str(fake.member.id)
        assert [e["member"] for e in dumped["entries"]] == [str(fake.member.id)]
        assert dumped["entries"][0]["exercises"][0]["rpe"] == 7.0

        show = fake.slash("log", sub="show", user=other)
        await fake.interact(show)
        (shown,) = await fake.followups(show)
        assert shown.json["flags"] & EPHEMERAL and "@8" in _embed_text(shown)
        assert "@7" not in _embed_text(shown)

        # Delete asks first; the confirm button deletes only the log of whoever it was for.
        delete = fake.slash("log", sub="delete")
        await fake.interact(delete)
        (prompt,) = await fake.followups(delete)
        assert prompt.json["flags"] & EPHEMERAL and "all 1 entries" in _embed_text(prompt)
        (button,) = fake.buttons(prompt.response)
        assert button["custom_id"] == f"coach:logdel:{fake.member.id}"
        stolen = fake.component(prompt.response, button["custom_id"], user=other)
        await fake.interact(stolen)
        refused = await fake.callback(stolen)
        assert refused.json["type"] == 4 and _flags(refused) & EPHEMERAL
        assert "someone else's log" in refused.json["data"]["embeds"][0]["description"]
        assert log_store.count(str(fake.member.id)) == 1
        confirm = fake.component(prompt.response, button["custom_id"])
        await fake.interact(confirm)
        (done,) = await fake.followups(confirm)
        assert done.json["flags"] & EPHEMERAL and "Deleted your training log (1" in _embed_text(
            done
        )
        assert log_store.count(str(fake.member.id)) == 0
        assert log_store.count(str(other.id)) == 1


async def test_progress_is_a_private_picture_with_a_summary(
    real_app: CoachApp, bot_store: FeedbackStore, tmp_path
) -> None:
    log_store = TrainingLogStore(tmp_path / "log.sqlite3")
    async with (
        fake_discord() as fake,
        running_bot(
            real_app, fake, store=bot_store, log_store=log_store, clock=MONDAY_EVENING
        ) as bot,
    ):
        _, _, plan = await _make_plan(fake, bot, fake.member)
        for week, effort in ((1, "@6"), (2, "@7")):
            bot.clock = lambda week=week: _at(_date_of(plan, week, 1))
            payload = fake.slash("log", {"session": f"{week}:1",
                                         "lifts": _main_lifts(plan, week, 1, effort)},
                                 sub="session")  # fmt: skip
            await fake.interact(payload)
            await fake.followups(payload, timeout=30)
        progress = fake.slash("progress")
        await fake.interact(progress)
        (reply,) = await fake.followups(progress, timeout=30)
        assert reply.json["flags"] & EPHEMERAL
        ((name, data),) = reply.files
        assert name == "progress.png" and data.startswith(b"\x89PNG")
        assert Image.open(io.BytesIO(data)).size[0] > 0
        assert reply.json["embeds"][-1]["image"]["url"] == "attachment://progress.png"
        assert "2 done" in _embed_text(reply)


async def test_the_coaches_summary_lists_only_members_who_opted_in(
    real_app: CoachApp, bot_store: FeedbackStore, tmp_path
) -> None:
    log_store = TrainingLogStore(tmp_path / "log.sqlite3")
    async with fake_discord() as fake:
        settings: Settings = real_app.settings
        settings.coaches_channel_id = fake.review_channel_id
        async with running_bot(
            real_app, fake, store=bot_store, log_store=log_store, clock=MONDAY_EVENING
        ) as bot:
            sharer, private = fake.add_user("sharer"), fake.add_user("private")
            _, _, plan = await _make_plan(fake, bot, sharer)
            await _make_plan(fake, bot, private)
            day = _date_of(plan, 1, 1)
            bot.clock = lambda: _at(day)
            for user in (sharer, private):
                options = {"lifts": _main_lifts(plan, 1, 1, "@7"), "niggles": "achilles 4"}
                payload = fake.slash("log", options, sub="session", user=user)
                await fake.interact(payload)
                await fake.followups(payload, timeout=30)
            share = fake.slash("log", {"setting": "on"}, sub="share", user=sharer)
            await fake.interact(share)
            (shared,) = await fake.followups(share)
            assert shared.json["flags"] & EPHEMERAL and "now includes you" in _embed_text(shared)

            cog: Any = bot.get_cog("LogCog")  # the extension's own module: not our LogCog class
            assert cog is not None
            await cog.post_summary(_at(day))
            path = f"/channels/{fake.review_channel_id}/messages"
            posted = await fake.wait_for(lambda c: c.method == "POST" and c.path == path)
            text = _embed_text(posted)
            assert f"<@{sharer.id}>" in text and "achilles 4/10" in text
            assert str(private.id) not in text
            assert posted.json["allowed_mentions"] == {"parse": []}  # named, never pinged
            # The schedule: due once the weekly slot has passed since the last post.
            assert await cog.post_summary_if_due(_at(day)) is False
            assert await cog.post_summary_if_due(_at(day + timedelta(days=7))) is True
            await fake.wait_for_count(lambda c: c.method == "POST" and c.path == path, 2)
