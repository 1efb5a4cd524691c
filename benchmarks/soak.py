"""A season in minutes: the bot under a steady load while a coach edits the guides (issue 13).

The real CoachBot (discord.py) and CoachApp (extractive answers, real model, real Chroma, the
folder watcher on) against the loopback fake of Discord. For `--minutes` (default 10):
2 questions a second from rotating members, a burst of 50 at once every `--burst-every` s,
and every 20 s the "coach" adds an article, rewrites one and deletes one. Each article has a
made-up drill name, and half the questions ask about recent drills (some already deleted),
so a stale passage would be cited if one were served.

Reports answers delivered/asked (must be all), ack (defer) p95, final answer p95, RSS at start
and end (growth must stay within 10 %), the event loop's worst stall, and stale citations:
answers citing a passage the live index had dropped before the question was asked (must be 0;
"dropped" is taken from the manifest's write time, the moment of the atomic switch).

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.soak [--minutes 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks._common import (
    DRILL,
    KNOWLEDGE,
    REPO,
    emit_result,
    note,
    percentile,
    setup,
    target,
)

RATE_PER_S = 2.0
BURST = 50
EDIT_EVERY_S = 20.0
RSS_GROWTH_LIMIT = 0.10
GENERAL = (
    "How often should runners do strength training?",
    "Which calf exercises help my shins?",
    "Should I lift before or after an easy run?",
    "What is a good warm-up before lifting?",
    "Do I need a deload week?",
    "How do I strengthen my hips for running?",
)


@dataclass
class Ask:
    question: str
    sent_wall: float
    sent: float
    ack_s: float | None = None
    final_s: float | None = None
    answer_id: str | None = None


@dataclass
class Live:
    """The index's live passages over time: (manifest write time, chunk ids)."""

    history: list[tuple[float, frozenset[str]]] = field(default_factory=list)

    def at(self, wall: float) -> frozenset[str]:
        current = self.history[0][1]
        for when, ids in self.history:
            if when <= wall:
                current = ids
        return current

    def seen_by(self, wall: float) -> set[str]:
        """Every passage some generation published before `wall`."""
        return {cid for when, ids in self.history if when <= wall for cid in ids} | set(
            self.history[0][1]
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--burst-every", type=float, default=120.0, help="seconds between bursts")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    setup()
    logging.getLogger("bot").setLevel(logging.ERROR)
    logging.getLogger("discord").setLevel(logging.ERROR)
    sys.path.insert(0, str(REPO))
    report = asyncio.run(run(args.minutes * 60, args.burst_every, args.seed))
    render(report)
    m = report["metrics"]
    emit_result(
        "soak",
        m,
        report["targets"],
        headline=f"{m['delivered']}/{m['asked']} delivered, stale {m['stale_citations']}",
    )
    return 0 if all(t["met"] for t in report["targets"]) else 1


async def run(seconds: float, burst_every: float, seed: int) -> dict:
    from bot.app import CoachApp
    from bot.feedback_store import FeedbackStore
    from bot.settings import Settings
    from bot.watcher import watch_knowledge
    from retrieval.embedding import SentenceTransformerEmbedder
    from tests.discord.conftest import fake_discord, running_bot
    from tests.discord.load import LagMeter

    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        knowledge, data = Path(tmp) / "knowledge", Path(tmp) / "data"
        shutil.copytree(KNOWLEDGE, knowledge)
        settings = Settings(knowledge_dir=knowledge, data_dir=data, cooldown_s=0, max_concurrency=4)
        embedder = SentenceTransformerEmbedder(cache_dir=data / "models")
        app = CoachApp(settings, embedder=embedder)
        app.serving, app.role = True, "bot"
        note("building the index and warming up")
        _ = app.retriever, app.answerer
        embedder.prepare_query_encoder()
        app.ask(GENERAL[0])
        live = Live()
        _record_manifest(data, live)
        store = FeedbackStore(data / "bot.sqlite3")
        asks: list[Ask] = []
        edits: list[str] = []
        rss_start = _rss_mb()
        rss_timeline = [rss_start]  # once a minute: growth vs. a saw-tooth of client recycling
        stop = asyncio.Event()
        async with fake_discord() as fake, running_bot(app, fake, store=store):
            users = [fake.add_user(f"runner-{i}") for i in range(200)]
            watcher = asyncio.create_task(
                watch_knowledge(app, debounce_ms=500, stop_event=stop, folder_poll_s=1.0)
            )
            drills: list[str] = []
            pending: set[asyncio.Task] = set()

            async def ask(question: str) -> None:
                payload = fake.slash(
                    "ask", {"question": question}, user=users[len(asks) % len(users)]
                )
                entry = Ask(question, time.time(), time.perf_counter())
                asks.append(entry)
                await fake.interact(payload)
                with contextlib.suppress(TimeoutError):
                    callback = await fake.callback(payload, timeout=60)
                    entry.ack_s = callback.at - entry.sent
                with contextlib.suppress(TimeoutError):
                    (followup,) = await fake.followups(payload, timeout=180)
                    entry.final_s = followup.at - entry.sent
                    ids = [c["custom_id"] for c in fake.buttons(followup.json)]
                    entry.answer_id = next(
                        (i.rsplit(":", 1)[1] for i in ids if i.startswith("coach:fb:")), None
                    )

            def question() -> str:
                if drills and rng.random() < 0.5:
                    name = rng.choice(drills[-6:])  # recent drills, some deleted by now
                    return f"How do I do the {name} drill after an easy run?"
                return rng.choice(GENERAL)

            def launch(q: str) -> None:
                task = asyncio.create_task(ask(q))
                pending.add(task)
                task.add_done_callback(pending.discard)

            async def load() -> None:
                next_burst = time.perf_counter() + burst_every / 2
                while not stop.is_set():
                    launch(question())
                    if time.perf_counter() >= next_burst:
                        for _ in range(BURST):
                            launch(question())
                        next_burst += burst_every
                    await asyncio.sleep(1 / RATE_PER_S)

            async def coach() -> None:
                version = 0
                while not stop.is_set():
                    await asyncio.sleep(EDIT_EVERY_S)
                    version += 1
                    name = f"quintrel{version}"
                    (knowledge / f"drill-{version}.md").write_text(
                        DRILL.format(name=name, version=version), encoding="utf-8"
                    )
                    drills.append(name)
                    edits.append(f"added drill-{version}.md")
                    if version >= 2:
                        old = version - 1
                        path = knowledge / f"drill-{old}.md"
                        if path.exists():
                            path.write_text(
                                DRILL.format(name=f"quintrel{old}", version=f"{old}b"), "utf-8"
                            )
                            edits.append(f"rewrote drill-{old}.md")
                    if version >= 4:
                        gone = knowledge / f"drill-{version - 3}.md"
                        gone.unlink(missing_ok=True)
                        edits.append(f"deleted {gone.name}")

            async def manifests() -> None:
                while not stop.is_set():
                    _record_manifest(data, live)
                    await asyncio.sleep(0.02)

            with LagMeter() as lag:
                tasks = [asyncio.create_task(t()) for t in (load, coach, manifests)]
                progress_at = time.perf_counter()
                deadline = time.perf_counter() + seconds
                while time.perf_counter() < deadline:
                    await asyncio.sleep(1)
                    if time.perf_counter() - progress_at > 60:
                        progress_at = time.perf_counter()
                        done = sum(a.final_s is not None for a in asks)
                        rss_timeline.append(_rss_mb())
                        note(
                            f"{len(asks)} asked, {done} answered, {len(edits)} edits, "
                            f"RSS {rss_timeline[-1]} MB"
                        )
                stop.set()
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                if pending:
                    await asyncio.wait(pending, timeout=240)
            worst_lag_ms = lag.worst_s * 1000
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            _record_manifest(data, live)
            rss_end = _rss_mb()
            stale, cited = _stale(asks, store, live)
        store.close()

    acked = [a.ack_s * 1000 for a in asks if a.ack_s is not None]
    final = [a.final_s * 1000 for a in asks if a.final_s is not None]
    rss_growth = round(rss_end / rss_start - 1, 3)
    metrics = {
        "minutes": round(seconds / 60, 2),
        "asked": len(asks),
        "acked": len(acked),
        "delivered": len(final),
        "ack_ms": {"p50": _r(statistics.median(acked)), "p95": _r(percentile(acked, 95))},
        "final_ms": {"p50": _r(statistics.median(final)), "p95": _r(percentile(final, 95))},
        "rss_mb": {"start": rss_start, "end": rss_end},
        "rss_growth": rss_growth,
        "rss_mb_per_minute": [*rss_timeline, rss_end],
        "loop_lag_max_ms": _r(worst_lag_ms),
        "edits": len(edits),
        "index_generations": len(live.history),
        "answers_with_citations": cited,
        "stale_citations": stale,
    }
    targets = [
        target("answers delivered", len(final), ">=", len(asks)),
        target("RSS growth", rss_growth, "<=", RSS_GROWTH_LIMIT),
        target("stale citations", stale, "<=", 0),
    ]
    return {"metrics": metrics, "targets": targets}


def _record_manifest(data: Path, live: Live) -> None:
    path = data / "index-manifest.json"
    try:
        when = path.stat().st_mtime_ns / 1e9
        if live.history and live.history[-1][0] == when:
            return
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    ids = frozenset(cid for e in manifest["files"].values() for cid in e["chunk_ids"])
    live.history.append((when, ids))


def _stale(asks: list[Ask], store, live: Live) -> tuple[int, int]:
    """Answers citing a passage that had left the live index before they were asked."""
    stale = cited = 0
    for entry in asks:
        if entry.answer_id is None:
            continue
        record = store.answer(entry.answer_id)
        if record is None or not record.chunk_ids:
            continue
        cited += 1
        # Published before the question, and no longer live when it was asked: removed.
        # (A passage published after the question was asked is simply new, not stale.)
        live_then, seen = live.at(entry.sent_wall), live.seen_by(entry.sent_wall)
        if any(cid in seen and cid not in live_then for cid in record.chunk_ids):
            stale += 1
    return stale, cited


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def _r(value: float) -> float:
    return round(value, 1)


def render(report: dict) -> None:
    m = report["metrics"]
    print(f"Soak: {m['minutes']} min, {m['edits']} edits, {m['index_generations']} generations")
    print(f"  delivered {m['delivered']}/{m['asked']} (acked {m['acked']})")
    print(f"  ack   p50 {m['ack_ms']['p50']} ms  p95 {m['ack_ms']['p95']} ms")
    print(f"  final p50 {m['final_ms']['p50']} ms  p95 {m['final_ms']['p95']} ms")
    print(
        f"  RSS {m['rss_mb']['start']} -> {m['rss_mb']['end']} MB ({m['rss_growth']:+.1%}); "
        f"event-loop lag max {m['loop_lag_max_ms']} ms"
    )
    print(f"  RSS once a minute (MB): {m['rss_mb_per_minute']}")
    print(
        f"  stale citations {m['stale_citations']} of {m['answers_with_citations']} cited answers"
    )
    for t in report["targets"]:
        print(
            f"  [{'ok' if t['met'] else 'FAIL'}] {t['name']}: {t['value']} (target {t['target']})"
        )


if __name__ == "__main__":
    raise SystemExit(main())
