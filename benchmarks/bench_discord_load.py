"""50 concurrent /ask through the loopback fake of Discord, with a slow fake LLM.

The real discord.py client and the real CoachApp (LLM mode, ChatOpenAI against a fake
OpenAI-compatible server that waits `--delay-ms` per call). Reports how fast every
interaction is deferred (must be < 1 s: Discord allows 3 s), whether every answer arrives,
and the event loop's worst stall while all this runs (target < 100 ms), next to the stall of
the same loop left idle in the same run (the baseline). The fake Discord server shares the
bot's event loop, so the lag includes its work too: the figure is an upper bound.

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.bench_discord_load [--count 50] [--delay-ms 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import CoachApp
    from bot.feedback_store import FeedbackStore
    from tests.discord.load import LoadResult

REPO = Path(__file__).resolve().parent.parent
DEFER_TARGET_MS = 1000.0
LAG_TARGET_MS = 100.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50, help="concurrent /ask interactions")
    parser.add_argument("--delay-ms", type=float, default=300.0, help="fake LLM delay per call")
    parser.add_argument("--concurrency", type=int, default=4, help="COACH_MAX_CONCURRENCY")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    report = run(count=args.count, delay_ms=args.delay_ms, concurrency=args.concurrency)
    print(json.dumps(report, indent=2) if args.json else render(report))
    return 0 if report["ok"] else 1


def run(count: int = 50, delay_ms: float = 300.0, concurrency: int = 4) -> dict:
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        os.environ.setdefault(name, "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    logging.basicConfig(level=logging.WARNING)
    sys.path.insert(0, str(REPO))

    from bot.app import CoachApp
    from bot.feedback_store import FeedbackStore
    from bot.settings import Settings
    from retrieval.embedding import SentenceTransformerEmbedder
    from tests.answering.helpers import cite_first_sentences
    from tests.fakes.openai_server import FakeOpenAIServer

    knowledge = REPO / "knowledge"
    embedder = SentenceTransformerEmbedder()
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeOpenAIServer(reply=cite_first_sentences, delay_s=delay_ms / 1000) as llm,
    ):
        settings = Settings(
            data_dir=Path(tmp) / "data", knowledge_dir=knowledge, llm="openai:fake-model",
            llm_base_url=llm.base_url, llm_api_key="x", max_concurrency=concurrency,
            cooldown_s=5,
        )  # fmt: skip
        app = CoachApp(settings, embedder=embedder)
        _ = app.retriever, app.answerer  # build the index and warm up, as `coach bot` does
        app.ask(QUESTION_WARMUP)
        store = FeedbackStore(Path(tmp) / "bot.sqlite3")
        result, idle_lag_ms = asyncio.run(_measure(app, store, count))
        llm_calls = len(llm.requests)

    defer = sorted(result.defer_ms)
    report = {
        "count": count,
        "llm_delay_ms": delay_ms,
        "max_concurrency": concurrency,
        "deferred": result.deferred,
        "delivered": result.delivered,
        "llm_calls": llm_calls,
        "seconds": round(result.seconds, 2),
        "defer_ms": {
            "p50": round(statistics.median(defer), 1),
            "p95": round(result.percentile(0.95), 1),
            "max": round(defer[-1], 1),
        },
        "loop_lag_ms": {"load_max": round(result.lag_max_ms, 1), "idle_max": round(idle_lag_ms, 1)},
        "errors": result.errors,
    }
    report["ok"] = (
        result.deferred == count
        and result.delivered == count
        and defer[-1] < DEFER_TARGET_MS
        and result.lag_max_ms < LAG_TARGET_MS
    )
    return report


QUESTION_WARMUP = "How often should runners do strength training?"


async def _measure(app: CoachApp, store: FeedbackStore, count: int) -> tuple[LoadResult, float]:
    from tests.discord.conftest import fake_discord
    from tests.discord.load import LagMeter, run_load

    with LagMeter() as idle:
        await asyncio.sleep(2.0)
    async with fake_discord() as fake:
        started = time.perf_counter()
        result = await run_load(app, fake, store, count=count)
        result.seconds = min(result.seconds, time.perf_counter() - started)
    return result, idle.worst_s * 1000


def render(report: dict) -> str:
    d, lag = report["defer_ms"], report["loop_lag_ms"]
    lines = [
        f"{report['count']} concurrent /ask, fake LLM {report['llm_delay_ms']:.0f} ms/call, "
        f"max {report['max_concurrency']} at once",
        f"  deferred   {report['deferred']}/{report['count']}   "
        f"p50 {d['p50']:.0f} ms  p95 {d['p95']:.0f} ms  max {d['max']:.0f} ms  "
        f"(target max < {DEFER_TARGET_MS:.0f} ms)",
        f"  delivered  {report['delivered']}/{report['count']} in {report['seconds']:.1f} s "
        f"({report['llm_calls']} LLM calls)",
        f"  loop lag   max {lag['load_max']:.1f} ms under load, {lag['idle_max']:.1f} ms idle "
        f"(target < {LAG_TARGET_MS:.0f} ms)",
        f"  {'OK' if report['ok'] else 'FAILED'}",
    ]
    if report["errors"]:
        lines.append(f"  errors: {report['errors'][:3]}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
