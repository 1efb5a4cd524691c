"""End to end: the real discord.py client and the real CoachApp (extractive) over FakeDiscord."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from bot.app import CoachApp
from bot.feedback_store import FeedbackStore
from bot.settings import Settings
from bot.watcher import watch_knowledge
from tests.conftest import WritableKb
from tests.discord.conftest import fake_discord, running_bot
from tests.fakes.discord_server import FakeDiscord

EPHEMERAL = 64


def _ids(fake: FakeDiscord, message: dict[str, Any]) -> dict[str, str]:
    """custom_id by its kind (`up`, `why`, `swap`...) for the buttons and selects on a message."""
    return {c["custom_id"].split(":")[2]: c["custom_id"] for c in fake.buttons(message)}


async def test_ask_then_feedback_with_the_real_app(
    real_app: CoachApp, bot_store: FeedbackStore
) -> None:
    async with fake_discord() as fake, running_bot(real_app, fake, store=bot_store) as bot:
        payload = fake.slash("ask", {"question": "How often should runners do strength training?"})
        await fake.interact(payload)
        callback = await fake.callback(payload)
        assert callback.json["type"] == 5
        (followup,) = await fake.followups(payload, timeout=60)
        embed = followup.json["embeds"][0]
        assert embed["description"]
        sources = next(f for f in embed["fields"] if f["name"] == "Sources")
        assert sources["value"].startswith("`[1]` ")
        # Every [n] the member reads resolves to a listed source. (Which article answers is
        # judged by the eval sets, not here: with the bundled judge picking the sentences this
        # question is answered from the bone-density passage alone, a known miss.)
        cited = set(re.findall(r"\[(\d+)\]", embed["description"]))
        assert cited and all(f"`[{n}]` " in sources["value"] for n in cited)

        up = _ids(fake, followup.response)["up"]
        press = fake.component(followup.response, up)
        await fake.interact(press)
        await fake.callback(press)
        await bot.wait_idle(5)
        answer_id = up.rsplit(":", 1)[1]
        record = bot_store.answer(answer_id)
        feedback = bot_store.feedback(answer_id, fake.member.id)
        assert record is not None and feedback is not None and feedback.vote == 1
        known = {c.chunk_id for c in real_app.retriever.chunks()}
        assert record.chunk_ids and set(record.chunk_ids) <= known


async def test_not_covered_suggests_what_is_covered(
    real_app: CoachApp, bot_store: FeedbackStore
) -> None:
    async with fake_discord() as fake, running_bot(real_app, fake, store=bot_store):
        payload = fake.slash("ask", {"question": "How do I bake sourdough bread?"})
        await fake.interact(payload)
        (followup,) = await fake.followups(payload, timeout=60)
        fields = {f["name"]: f["value"] for f in followup.json["embeds"][0]["fields"]}
        assert "Topics the guides do cover" in fields
        assert "Sources" not in fields


async def test_plan_with_why_calendar_and_swap(
    real_app: CoachApp, bot_store: FeedbackStore
) -> None:
    async with fake_discord() as fake, running_bot(real_app, fake, store=bot_store):
        bad = fake.slash("plan", {"free_days": "funday"})
        await fake.interact(bad)
        refused = await fake.callback(bad)
        assert refused.json["type"] == 4 and refused.json["data"]["flags"] & EPHEMERAL
        assert "funday" in refused.json["data"]["embeds"][0]["description"]

        payload = fake.slash(
            "plan",
            {
                "free_days": "mon,thu",
                "runs": "tue:easy, sat:long",
                "weeks": 6,
                "equipment": "dumbbells",
            },
        )
        await fake.interact(payload)
        assert (await fake.callback(payload)).json["type"] == 5
        (followup,) = await fake.followups(payload, timeout=60)
        plan_message = followup.response
        (embed,) = plan_message["embeds"]
        assert embed["title"].startswith("Strength plan · 6 weeks")
        assert "**Sources**" in embed["description"]
        log_buttons = [
            c["custom_id"]
            for c in fake.buttons(plan_message)
            if c["custom_id"].startswith("coach:log:")
        ]
        assert len(log_buttons) == 2  # 📝 one per lifting session of the usual week (mon, thu)
        ids = _ids(
            fake,
            {
                **plan_message,
                "components": [
                    row
                    for row in plan_message["components"]
                    if not any(
                        c.get("custom_id", "").startswith("coach:log:") for c in row["components"]
                    )
                ],
            },
        )
        assert set(ids) == {"why", "full", "ics", "swap"}

        ics = fake.component(plan_message, ids["ics"])
        await fake.interact(ics)
        (calendar,) = await fake.followups(ics, timeout=30)
        assert calendar.json["flags"] & EPHEMERAL
        ((filename, data),) = calendar.files
        assert filename.endswith(".ics") and data.startswith(b"BEGIN:VCALENDAR")

        why = fake.component(plan_message, ids["why"])
        await fake.interact(why)
        (reasons,) = await fake.followups(why, timeout=30)
        assert reasons.json["embeds"][0]["title"] == "Why this plan"

        swap_select = next(c for c in fake.buttons(plan_message) if c["type"] == 3)
        first = swap_select["options"][0]["value"]
        swap = fake.component(plan_message, ids["swap"], values=[first])
        await fake.interact(swap)
        assert (await fake.callback(swap)).json["type"] == 6  # update the plan in place
        edited = await fake.wait_for(
            lambda c: (
                c.method == "PATCH" and c.path.endswith(f"{swap['token']}/messages/@original")
            ),
            timeout=30,
        )
        assert f"Swapped: {first} →" in edited.json["embeds"][0]["description"]

        stranger = fake.component(plan_message, ids["swap"], values=[first], user=fake.coach)
        await fake.interact(stranger)
        refused = await fake.callback(stranger)
        assert "Only the person who made this plan" in refused.json["data"]["content"]


async def test_live_knowledge_reindexes_and_reports_broken_files(
    writable_kb: WritableKb, embedder: object
) -> None:
    knowledge, data_dir = writable_kb
    settings = Settings(knowledge_dir=knowledge, data_dir=data_dir, cooldown_s=0)
    app = CoachApp(settings, embedder=embedder)  # type: ignore[arg-type]
    stop, ready = asyncio.Event(), asyncio.Event()
    async with fake_discord() as fake, running_bot(app, fake) as bot:
        watcher = asyncio.create_task(
            watch_knowledge(app, debounce_ms=300, stop_event=stop, ready=ready)
        )
        await asyncio.wait_for(ready.wait(), 30)
        (knowledge / "broken.pdf").write_bytes(b"%PDF-1.7 this is not really a pdf")
        (knowledge / "ice-baths.md").write_text(
            "---\ntitle: Ice Baths After Strength Sessions\n---\n\n# Ice baths\n\n"
            "The club's coaches say: skip the ice bath after a strength session, because "
            "cold water right after lifting blunts the strength gains you were after.\n"
        )
        for _ in range(120):
            if any(s.source == "broken.pdf" for s in app.status().skipped):
                break
            await asyncio.sleep(0.5)

        status = fake.slash("kb", sub="status", user=fake.coach)
        await fake.interact(status)
        (shown,) = await fake.followups(status, timeout=30)
        fields = {f["name"]: f["value"] for f in shown.json["embeds"][0]["fields"]}
        skipped = next(v for k, v in fields.items() if k.startswith("Skipped ("))
        assert "`broken.pdf`" in skipped

        ask = fake.slash("ask", {"question": "Should I take an ice bath after lifting?"})
        await fake.interact(ask)
        (answer,) = await fake.followups(ask, timeout=60)
        sources = next(f for f in answer.json["embeds"][0]["fields"] if f["name"] == "Sources")
        assert "ice-baths.md" in sources["value"]
        stop.set()
        await asyncio.wait_for(watcher, 10)
        await bot.wait_idle(5)
