"""RSS growth of one serving process over index generations (`bench_memory --generations N`).

The soak's shape in a minute: a coach adds, rewrites and deletes a drill article, the app
re-indexes the way the bot's folder watcher does (`CoachApp.reindex` in a worker thread) and
members ask in other worker threads. RSS is read after each generation; with `trace`,
tracemalloc snapshots show which Python allocations grew (what they don't explain is native).
"""

from __future__ import annotations

import gc
import os
import shutil
import statistics
import tempfile
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks._common import DRILL, KNOWLEDGE, emit_result, machine, note

QUESTIONS = (
    "How often should runners do strength training?",
    "Which calf exercises help my shins?",
    "Should I lift before or after an easy run?",
    "Do I need a deload week?",
)
WARMUP = 5  # generations before the slope is measured: caches and arenas fill first


def _switched_off(*args: object, **kwargs: object) -> bool:
    """Stands in for bot/memory.py's arena cap and trimming: does nothing, as before them."""
    return False


def run_generations(generations: int, *, trace: bool = False, fix: bool = True) -> int:
    """`fix=False` measures the app without bot/memory.py's arena cap and trimming (before)."""
    import bot.app
    from bot.app import CoachApp
    from bot.settings import Settings
    from retrieval.embedding import SentenceTransformerEmbedder

    if not fix:
        bot.app.limit_malloc_arenas = bot.app.release_free_memory = _switched_off
    with tempfile.TemporaryDirectory(prefix="bench-growth-") as tmp:
        knowledge, data = Path(tmp) / "knowledge", Path(tmp) / "data"
        shutil.copytree(KNOWLEDGE, knowledge)
        settings = Settings(knowledge_dir=knowledge, data_dir=data)
        embedder = SentenceTransformerEmbedder(cache_dir=data / "models")
        app = CoachApp(settings, embedder=embedder)
        app.serving, app.role = True, "bot"
        note("building the index and warming up")
        _ = app.retriever, app.answerer
        embedder.prepare_query_encoder()
        # Bot-like threads: the watcher's re-index and the members' questions run in workers.
        pool = ThreadPoolExecutor(max_workers=6)
        list(pool.map(app.ask, QUESTIONS))
        if trace:
            tracemalloc.start(25)
        rss: list[float] = [rss_mb()]
        first_snapshot = snapshot = tracemalloc.take_snapshot() if trace else None
        print(f"gen {0:>3}  rss {rss[0]:8.1f} MB")
        started = time.perf_counter()
        for version in range(1, generations + 1):
            _edit(knowledge, version)
            report = pool.submit(app.reindex).result()
            asked = [f"How do I do the quintrel{version} drill?", *QUESTIONS]
            list(pool.map(app.ask, asked))
            gc.collect()
            rss.append(rss_mb())
            line = f"gen {version:>3}  rss {rss[-1]:8.1f} MB  ({rss[-1] - rss[-2]:+6.1f})"
            line += f"  switched {report.switched}  embedded {report.embedded}"
            if trace:
                line += f"  py {tracemalloc.get_traced_memory()[0] / 2**20:7.1f} MB"
            print(line, flush=True)
            if trace and version % 10 == 0:
                now = tracemalloc.take_snapshot()
                _print_top(now, snapshot, f"generations {version - 9}-{version}")
                snapshot = now
        seconds = time.perf_counter() - started
        if trace and first_snapshot is not None:
            _print_top(tracemalloc.take_snapshot(), first_snapshot, "whole run", limit=15)
        pool.shutdown()
    base = rss[min(WARMUP, len(rss) - 1)]
    steps = len(rss) - 1 - min(WARMUP, len(rss) - 1)
    slope = (rss[-1] - base) / steps if steps else 0.0
    deltas = [b - a for a, b in zip(rss[WARMUP:], rss[WARMUP + 1 :], strict=False)]
    settled = rss[min(WARMUP, len(rss) - 1) :]
    metrics = {
        "generations": generations,
        "memory_fix": fix,
        "rss_mb": {
            "start": rss[0],
            "after_warmup": base,
            "end": rss[-1],
            "min_after_warmup": min(settled),
            "max_after_warmup": max(settled),
        },
        "mb_per_generation": round(slope, 2),
        "median_step_mb": round(statistics.median(deltas), 2) if deltas else 0.0,
        "malloc_arena_max_env": os.environ.get("MALLOC_ARENA_MAX", "unset"),
        "seconds": round(seconds, 1),
    }
    print(
        f"RSS {rss[0]:.1f} -> {rss[-1]:.1f} MB over {generations} generations "
        f"(memory fix {'on' if fix else 'off'}); {slope:+.2f} MB per generation after "
        f"{WARMUP} warm-up generations, range {min(settled):.1f}-{max(settled):.1f} MB"
    )
    print(f"  machine: {machine()}")
    emit_result("memory_growth", metrics, headline=f"{slope:+.2f} MB/generation (fix {fix})")
    return 0


def _edit(knowledge: Path, version: int) -> None:
    """What the soak's coach does every 20 s: add one drill, rewrite one, delete one."""
    (knowledge / f"drill-{version}.md").write_text(
        DRILL.format(name=f"quintrel{version}", version=version), encoding="utf-8"
    )
    if version >= 2:
        old = knowledge / f"drill-{version - 1}.md"
        if old.exists():
            old.write_text(DRILL.format(name=f"quintrel{version - 1}", version=f"{version}b"))
    if version >= 4:
        (knowledge / f"drill-{version - 3}.md").unlink(missing_ok=True)


def _print_top(now, before, title: str, limit: int = 8) -> None:
    print(f"  -- Python allocations grown most, {title}:")
    for stat in now.compare_to(before, "traceback")[:limit]:
        newest = list(stat.traceback)[::-1]
        ours = [f for f in newest[1:] if "/lib/python" not in f.filename][:2]
        where = " <- ".join(f"{Path(f.filename).name}:{f.lineno}" for f in [newest[0], *ours])
        print(f"     {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks  {where}")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")
