"""The load scenario shared by the load test and `benchmarks/bench_discord_load.py`."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from dataclasses import dataclass, field

from bot.store import FeedbackStore
from tests.discord.conftest import running_bot
from tests.fakes.discord_server import FakeDiscord

QUESTIONS = (
    "How often should runners do strength training?",
    "Which calf exercises help my shins?",
    "Should I lift before or after an easy run?",
    "How heavy should my squats be?",
    "What is a good warm-up before lifting?",
    "Do I need a deload week?",
    "How do I strengthen my hips for running?",
    "Is core work worth it for marathoners?",
    "Should I keep lifting during race week?",
    "Does foam rolling prevent injuries?",
)


@dataclass
class LoadResult:
    sent: int
    deferred: int
    delivered: int
    defer_ms: list[float]
    seconds: float
    lag_max_ms: float
    errors: list[str] = field(default_factory=list)

    def percentile(self, q: float) -> float:
        values = sorted(self.defer_ms)
        return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")

    def summary(self) -> str:
        return (
            f"{self.sent} /ask: {self.deferred} deferred, {self.delivered} delivered in "
            f"{self.seconds:.2f}s; defer latency p50 {statistics.median(self.defer_ms):.0f} ms, "
            f"p95 {self.percentile(0.95):.0f} ms, max {max(self.defer_ms):.0f} ms; "
            f"event-loop lag max {self.lag_max_ms:.1f} ms"
        )


class LagMeter:
    """How late a 10 ms sleep wakes up: the event loop's worst stall while it runs."""

    def __init__(self, period_s: float = 0.01) -> None:
        self.period_s = period_s
        self.worst_s = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await asyncio.sleep(self.period_s)
            self.worst_s = max(self.worst_s, loop.time() - started - self.period_s)

    def __enter__(self) -> LagMeter:
        self._task = asyncio.create_task(self._tick())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()


async def run_load(
    app: object,
    fake: FakeDiscord,
    store: FeedbackStore,
    *,
    count: int = 50,
    timeout_s: float = 180.0,
) -> LoadResult:
    """`count` people run /ask at the same moment; measure defers, deliveries and loop lag."""
    async with running_bot(app, fake, store=store):
        users = [fake.add_user(f"runner-{i}") for i in range(count)]
        payloads = [
            fake.slash("ask", {"question": QUESTIONS[i % len(QUESTIONS)]}, user=user)
            for i, user in enumerate(users)
        ]
        started = time.perf_counter()
        with LagMeter() as lag:
            await asyncio.gather(*(fake.interact(p) for p in payloads))
            results = await asyncio.gather(
                *(fake.followups(p, timeout=timeout_s) for p in payloads), return_exceptions=True
            )
        seconds = time.perf_counter() - started
        callbacks = []
        for payload in payloads:
            with contextlib.suppress(TimeoutError):
                callbacks.append((payload, await fake.callback(payload, timeout=1)))
        delivered = [r for r in results if isinstance(r, list) and r[0].json.get("embeds")]
        return LoadResult(
            sent=count,
            deferred=sum(cb.json["type"] == 5 for _, cb in callbacks),
            delivered=len(delivered),
            defer_ms=[(cb.at - fake.sent_at[p["token"]]) * 1000 for p, cb in callbacks],
            seconds=seconds,
            lag_max_ms=lag.worst_s * 1000,
            errors=[repr(r) for r in results if isinstance(r, BaseException)],
        )
