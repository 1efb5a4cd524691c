"""`/kb` end to end: the real bot and the real CoachApp over FakeDiscord, on a copy of the index."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from answering.models import Answer
from bot.app import CoachApp
from bot.feedback_store import FeedbackStore
from bot.settings import Settings
from bot.watcher import watch_knowledge
from tests.conftest import WritableKb
from tests.discord.conftest import fake_discord, running_bot
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.web_pages import Page, serve_pages
from tests.library.conftest import ARTICLE

EPHEMERAL = 64
DIGEST_AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday, the default digest slot
DELOAD = "progression-deloads-and-testing.md"


@pytest.fixture
def kb_settings(writable_kb: WritableKb) -> Settings:
    return Settings(
        knowledge_dir=writable_kb.knowledge,
        data_dir=writable_kb.data_dir,
        cooldown_s=0,
        kb_allow_hosts=["localhost"],
    )


def _app(settings: Settings, embedder: object, fake: FakeDiscord) -> CoachApp:
    settings.review_channel_id = fake.review_channel_id
    return CoachApp(settings, embedder=embedder)  # type: ignore[arg-type]


def _button(fake: FakeDiscord, message: dict[str, Any], kind: str) -> str:
    return next(c["custom_id"] for c in fake.buttons(message) if f":{kind}:" in c["custom_id"])


def _text(call: Any) -> str:
    """Everything a message says: content, embed titles, descriptions and fields."""
    body = call.json or {}
    if "data" in body and isinstance(body["data"], dict):
        body = body["data"]
    parts = [body.get("content") or ""]
    for embed in body.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']}\n{f['value']}" for f in embed.get("fields", [])]
        parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(parts)


async def _slash_followup(fake: FakeDiscord, payload: dict[str, Any], timeout: float = 60) -> Any:
    await fake.interact(payload)
    (followup,) = await fake.followups(payload, timeout=timeout)
    return followup


async def _add(fake: FakeDiscord, filename: str, data: bytes, **where: Any) -> tuple[Any, Any]:
    """A coach's `/kb add` with an attachment, then Add on the preview: (preview, result)."""
    upload = fake.upload(filename, data, "text/markdown")
    payload = fake.slash("kb", {"file": upload}, sub="add", user=fake.coach, **where)
    preview = await _slash_followup(fake, payload)
    assert preview.json["flags"] & EPHEMERAL
    press = fake.component(
        preview.response, _button(fake, preview.response, "add"), user=fake.coach
    )
    result = await _slash_followup(fake, press, timeout=120)
    assert result.json["flags"] & EPHEMERAL
    return preview, result


async def test_coach_adds_an_article_members_get_it_cited_and_undo_restores(
    kb_settings: Settings, embedder: object, bot_store: FeedbackStore
) -> None:
    async with fake_discord() as fake:
        app = _app(kb_settings, embedder, fake)
        async with running_bot(app, fake, store=bot_store) as bot:
            preview, result = await _add(fake, "hill-sprints.md", ARTICLE)
            shown = _text(preview)
            assert "Preview: hill-sprints.md" in shown and "Hill Sprints for Strength" in shown
            assert "How many hill sprints to do" in shown and "1 × share bar" in shown
            assert "2 passage(s) to index" in shown
            done = _text(result)
            assert "Added `hill-sprints.md`: **2 passage(s) live**" in done
            assert "/sources" in done

            ask = fake.slash("ask", {"question": "How many hill sprints should I do?"})
            answer = await _slash_followup(fake, ask)
            sources = next(f for f in answer.json["embeds"][0]["fields"] if f["name"] == "Sources")
            assert "hill-sprints.md" in sources["value"]

            history = await _slash_followup(fake, fake.slash("kb", sub="history", user=fake.coach))
            assert "#1 add `hill-sprints.md` by @coach" in _text(history)

            undo = fake.slash("kb", {"change": 1}, sub="undo", user=fake.coach)
            undone = await _slash_followup(fake, undo, timeout=120)
            assert "Undid #1" in _text(undone)
            assert not (kb_settings.knowledge_dir / "hill-sprints.md").exists()
            assert all(c.source != "hill-sprints.md" for c in app.retriever.chunks())
            await bot.wait_idle(5)


async def test_a_heading_rename_keeps_plan_working_and_warns_the_coach_and_reviewers(
    kb_settings: Settings, embedder: object, bot_store: FeedbackStore
) -> None:
    renamed = (
        (kb_settings.knowledge_dir / DELOAD)
        .read_bytes()
        .replace(b"## Taking a deload week", b"## Lighter weeks")
    )
    async with fake_discord() as fake:
        app = _app(kb_settings, embedder, fake)
        async with running_bot(app, fake, store=bot_store) as bot:
            _, result = await _add(fake, DELOAD, renamed)
            told = _text(result)
            assert "Replaced" in told and "Planner rules lost their heading (2)" in told
            assert "rule `deload`" in told and "rename the heading back" in told

            review = f"/channels/{fake.review_channel_id}/messages"
            alert = await fake.wait_for(
                lambda c: c.method == "POST" and c.path == review and "deload" in _text(c), 30
            )
            assert "Planner rules lost their heading" in _text(alert)

            plan = fake.slash("plan", {"free_days": "mon,thu", "runs": "tue:easy, sat:long"})
            made = await _slash_followup(fake, plan)
            (embed,) = made.json["embeds"]
            assert embed["title"].startswith("Strength plan")
            await bot.wait_idle(5)


HILLS_PAGE = Page(
    content_type="text/html",
    body=b"<html><head><title>Hills</title></head><body><h1>Hills</h1>"
    + (b"<p>Hill sprints build strength in the calves and hips with little impact.</p>" * 3)
    + b"</body></html>",
)


@pytest.fixture
def page_port() -> Iterator[int]:
    with serve_pages({"/hills": HILLS_PAGE}) as port:
        yield port


async def test_refusals_say_why(
    kb_settings: Settings, embedder: object, bot_store: FeedbackStore, page_port: int
) -> None:
    async with fake_discord() as fake:
        app = _app(kb_settings, embedder, fake)
        async with running_bot(app, fake, store=bot_store) as bot:
            member = fake.slash("kb", {"file": fake.upload("a.md", ARTICLE)}, sub="add")
            await fake.interact(member)
            refused = await fake.callback(member)
            assert refused.json["data"]["flags"] & EPHEMERAL
            assert "**Coach** role" in _text(refused)

            big = fake.upload("big.md", b"# Big\n\nsome text\n", size=20_000_000)
            payload = fake.slash("kb", {"file": big}, sub="add", user=fake.coach)
            await fake.interact(payload)
            assert "20.0 MB, over the 5.0 MB limit" in _text(await fake.callback(payload))

            binary = fake.upload("notes.txt", b"\x00\x01\x02\x03" * 300)
            payload = fake.slash("kb", {"file": binary}, sub="add", user=fake.coach)
            assert "binary file" in _text(await _slash_followup(fake, payload))

            for url, reason in (
                (f"http://127.0.0.1:{page_port}/hills", "private or local address"),
                ("ftp://example.org/a.md", "only http:// and https://"),
            ):
                payload = fake.slash("kb", {"url": url}, sub="add", user=fake.coach)
                assert reason in _text(await _slash_followup(fake, payload))

            copy = (kb_settings.knowledge_dir / "foam-rolling-and-stretching.md").read_bytes()
            payload = fake.slash(
                "kb", {"file": fake.upload("rolling.md", copy)}, sub="add", user=fake.coach
            )
            preview = await _slash_followup(fake, payload)
            overlap = _text(preview)
            assert "Overlaps existing articles" in overlap
            assert "`foam-rolling-and-stretching.md`: 4 of 4 passages nearly repeat it" in overlap
            stranger = fake.component(preview.response, _button(fake, preview.response, "add"))
            await fake.interact(stranger)
            assert "**Coach** role" in _text(await fake.callback(stranger))
            assert not (kb_settings.knowledge_dir / "rolling.md").exists()

            allowed = f"http://localhost:{page_port}/hills"
            payload = fake.slash("kb", {"url": allowed}, sub="add", user=fake.coach)
            preview = await _slash_followup(fake, payload)
            assert "Preview: hills.html" in _text(preview)
            assert not (kb_settings.knowledge_dir / "hills.html").exists()
            cancel = fake.component(
                preview.response, _button(fake, preview.response, "cancel"), user=fake.coach
            )
            await fake.interact(cancel)
            assert "Cancelled" in _text(await fake.callback(cancel))
            await bot.wait_idle(5)


async def test_the_weekly_digest_opens_a_thread_where_an_added_article_closes_the_gap(
    kb_settings: Settings, embedder: object, bot_store: FeedbackStore
) -> None:
    question = "how many hill sprints should a runner do?"
    bot_store.record_answer(
        Answer(question=question, answer="The guides don't cover that.", citations=[],
               abstained=True),
        now=DIGEST_AT - timedelta(days=2),
    )  # fmt: skip
    async with fake_discord() as fake:
        app = _app(kb_settings, embedder, fake)
        async with running_bot(app, fake, store=bot_store) as bot:
            bot.clock = lambda: DIGEST_AT  # the Add below asks what last week was
            cog = bot.get_cog("KbCog")
            await cog.post_digest(DIGEST_AT)  # type: ignore[union-attr]
            review = f"/channels/{fake.review_channel_id}/messages"
            header, topic = await fake.wait_for_count(
                lambda c: c.method == "POST" and c.path == review, 2
            )
            assert "Weekly knowledge gaps" in _text(header)
            assert question in _text(topic) and "1 unanswered" in _text(topic)

            member = fake.component(topic.response, _button(fake, topic.response, "gap"))
            await fake.interact(member)
            assert "Coach" in _text(await fake.callback(member))

            press = fake.component(
                topic.response, _button(fake, topic.response, "gap"), user=fake.coach
            )
            await fake.interact(press)
            await fake.followups(press, timeout=30)
            thread_id = int(topic.response["id"])  # a thread grown from a message shares its id
            intro = await fake.wait_for(
                lambda c: c.method == "POST" and c.path == f"/channels/{thread_id}/messages"
            )
            assert "/kb add" in _text(intro) and question in _text(intro)

            _, result = await _add(fake, "hill-sprints.md", ARTICLE, channel_id=thread_id)
            assert question in _text(result)
            note = await fake.wait_for(
                lambda c: c.path == f"/channels/{thread_id}/messages" and "now get" in _text(c),
                60,
            )
            assert question in _text(note)
            await bot.wait_idle(5)


async def test_an_edit_on_disk_is_caught_by_the_watcher_and_reported_to_reviewers(
    kb_settings: Settings, embedder: object, bot_store: FeedbackStore
) -> None:
    article = kb_settings.knowledge_dir / DELOAD
    stop = asyncio.Event()
    async with fake_discord() as fake:
        app = _app(kb_settings, embedder, fake)
        async with running_bot(app, fake, store=bot_store) as bot:
            cache = kb_settings.data_dir / "planner-passages.json"
            for _ in range(100):  # the bot remembers every rule's passage once it is ready
                if cache.exists():
                    break
                await asyncio.sleep(0.1)
            ready = asyncio.Event()
            watcher = asyncio.create_task(
                watch_knowledge(app, debounce_ms=300, stop_event=stop, ready=ready)
            )
            await asyncio.wait_for(ready.wait(), 30)
            text = article.read_bytes().replace(b"## Taking a deload week", b"## Lighter weeks")
            article.write_bytes(text)
            review = f"/channels/{fake.review_channel_id}/messages"
            alert = await fake.wait_for(
                lambda c: c.method == "POST" and c.path == review and "deload" in _text(c), 60
            )
            assert "Lighter weeks" in _text(alert)  # the closest heading, to point the rule at

            plan = fake.slash("plan", {"free_days": "mon,thu", "runs": "tue:easy"})
            assert (
                (await _slash_followup(fake, plan))
                .json["embeds"][0]["title"]
                .startswith("Strength plan")
            )
            stop.set()
            await asyncio.wait_for(watcher, 10)
            await bot.wait_idle(5)
