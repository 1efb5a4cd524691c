"""The load scenario shared by the load test and `benchmarks/bench_discord_load.py`."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from dataclasses import dataclass, field
from datetime import date

from bot.feedback_store import FeedbackStore
from tests.discord.conftest import running_bot
from tests.fakes.discord_server import FakeDiscord

LOAD_TODAY = date(2026, 11, 23)  # a Monday: the log load's plan starts here
time_now = time.perf_counter

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


@dataclass
class LogLoadResult:
    """`count` members each submitting the 📝 form twice at once (a retried submit)."""

    sent: int
    replies: int
    logged: int  # replies that said "Logged" (a new entry)
    updated: int  # replies that said "Updated" (the same session again)
    stored: int
    per_member: dict[str, int]
    seconds: float
    errors: list[str] = field(default_factory=list)


async def run_log_load(
    app: object,
    fake: FakeDiscord,
    store: FeedbackStore,
    log_store: object,
    *,
    count: int = 50,
    timeout_s: float = 180.0,
) -> LogLoadResult:
    """`count` members submit the training-log form for the same session at the same moment,
    each twice; every entry must be stored once, none lost or doubled."""
    from datetime import UTC, datetime, time

    from bot import replies
    from planner.models import Plan

    async with running_bot(app, fake, store=store, log_store=log_store) as bot:  # type: ignore[arg-type]
        planner = app.planner  # type: ignore[attr-defined]
        request = replies.plan_request(
            free_days="mon,thu", runs="tue:easy, sat:long", equipment="dumbbells", weeks=4,
            today=LOAD_TODAY,
        )  # fmt: skip
        plan: Plan = planner.plan(request)
        _, first = plan.sessions()[0]
        bot.clock = lambda: datetime.combine(first.date, time(19), UTC)
        mains = [x.name for b in first.blocks if b.kind == "main" for x in b.exercises]
        users = [fake.add_user(f"lifter-{i}") for i in range(count)]
        payloads = []
        for i, user in enumerate(users):
            key = store.save_plan(plan.model_dump_json(), user_id=user.id)
            lifts = "; ".join(f"{name} {10 + i % 20}kg 3x8 @7" for name in mains)
            fields = {"status": "done", "lifts": lifts, "niggles": "", "next_run": "", "note": ""}
            for _ in range(2):
                payloads.append(fake.modal_submit(f"coach:logm:{key}:1:1", fields, user=user))
        started = time_now()
        await asyncio.gather(*(fake.interact(p) for p in payloads))
        results = await asyncio.gather(
            *(fake.followups(p, timeout=timeout_s) for p in payloads), return_exceptions=True
        )
        seconds = time_now() - started
        titles = [r[0].json["embeds"][0].get("title", "") for r in results if isinstance(r, list)]
        await bot.wait_idle(10)
        per_member = {str(u.id): log_store.count(str(u.id)) for u in users}  # type: ignore[attr-defined]
        return LogLoadResult(
            sent=len(payloads),
            replies=len(titles),
            logged=sum(t.startswith("Logged:") for t in titles),
            updated=sum(t.startswith("Updated:") for t in titles),
            stored=log_store.count(),  # type: ignore[attr-defined]
            per_member=per_member,
            seconds=seconds,
            errors=[repr(r) for r in results if isinstance(r, BaseException)],
        )
