"""`/kb add url:` against a server that trickles its headers: the coach hears it was too slow."""

from __future__ import annotations

import time
from pathlib import Path

from bot.settings import Settings
from tests.discord.conftest import FakeApp, fake_discord, running_bot
from tests.fakes.slow_servers import headers_trickled, serve_raw

EPHEMERAL = 64


async def test_a_trickling_site_gets_a_too_slow_reply_within_the_limit(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        knowledge_dir=tmp_path / "knowledge",
        cooldown_s=0,
        kb_allow_hosts=["localhost"],
        kb_fetch_timeout_s=1,
    )
    with serve_raw(headers_trickled(0.05)) as (port, paths):
        async with fake_discord() as fake, running_bot(FakeApp(settings), fake):
            payload = fake.slash(
                "kb", {"url": f"http://localhost:{port}/slow"}, sub="add", user=fake.coach
            )
            started = time.monotonic()
            await fake.interact(payload)
            (reply,) = await fake.followups(payload, timeout=10)
            elapsed = time.monotonic() - started
    body = reply.json.get("data") or reply.json
    text = (body.get("content") or "") + " ".join(
        (e.get("description") or "") for e in body.get("embeds") or []
    )
    assert paths == ["/slow"]
    assert "too slow" in text and "1 s" in text, text
    assert body["flags"] & EPHEMERAL
    assert elapsed < 2.0, f"the reply came after {elapsed:.1f} s"
