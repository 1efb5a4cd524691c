"""Shared by the retrieval benchmarks: offline setup, percentiles, result lines, child runs."""

from __future__ import annotations

import json
import logging
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KNOWLEDGE = REPO / "knowledge"
RESULT_PREFIX = "RESULT "
# An article a benchmark's "coach" adds, rewrites and deletes while the bot serves (soak,
# memory growth): two headed sections, its name and version in every passage.
DRILL = (
    "# The {name} drill\n\n## How to do the {name} drill\n\nThe {name} drill is a strength "
    "exercise for runners: stand on one leg, lower slowly into a quarter squat for three "
    "seconds, then drive up onto the toes. Do three sets of eight on each leg after an easy "
    "run, version {version}.\n\n## When the {name} drill helps\n\nCoaches use the {name} drill "
    "in base training to build ankle and knee control before hill sessions begin, version "
    "{version}.\n"
)

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}
# Settings a developer may have exported that would change what a child `coach` measures.
_CLEARED = ("COACH_LLM", "COACH_CHROMA_URL", "DISCORD_TOKEN", "COACH_LLM_BASE_URL")


def setup() -> None:
    """Offline, quiet, importable from the repo root: call first in every benchmark's main()."""
    for name, value in OFFLINE_ENV.items():
        os.environ.setdefault(name, value)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("chromadb", "sentence_transformers", "bm25s", "httpx", "retrieval"):
        logging.getLogger(noisy).setLevel(logging.ERROR)


def note(message: str) -> None:
    """Progress for the person watching; stderr so stdout stays the report."""
    print(f"  .. {message}", file=sys.stderr, flush=True)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100), the convention hyperfine and most dashboards use."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def summarise(values: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": round(statistics.median(values), 3),
        "p95": round(percentile(values, 95), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
    }


def target(name: str, value: float, op: str, limit: float, unit: str = "") -> dict:
    """One stated target and whether this run met it (`op` is '<=' or '>=')."""
    met = value <= limit if op == "<=" else value >= limit
    return {"name": name, "value": round(value, 4), "target": f"{op} {limit}{unit}", "met": met}


def print_targets(targets: Sequence[Mapping]) -> None:
    for t in targets:
        verdict = "met" if t["met"] else "MISSED"
        print(f"  target {t['name']}: {t['value']} (want {t['target']}) -> {verdict}")


def set_torch_threads(threads: int | None) -> None:
    """Pin torch's intra-op threads (None keeps torch's default: one per core)."""
    if threads:
        import torch

        torch.set_num_threads(threads)


def machine() -> dict:
    """What the figures were measured on: they mean little without the load next to them."""
    info: dict = {"cpus": os.cpu_count(), "loadavg_1m": round(os.getloadavg()[0], 2)}
    torch = sys.modules.get("torch")
    if torch is not None:
        info["torch_threads"] = torch.get_num_threads()
    return info


def emit_result(
    bench: str, metrics: Mapping, targets: Sequence[Mapping] = (), headline: str = ""
) -> None:
    """The one machine-readable line run_all collects; `headline` is its one-line summary."""
    payload = {
        "bench": bench,
        "metrics": metrics,
        "targets": list(targets),
        "headline": headline,
        "machine": machine(),
    }
    print(RESULT_PREFIX + json.dumps(payload, sort_keys=True), flush=True)


def child_env(**extra: str) -> dict[str, str]:
    """Environment for a child `coach`: offline, extractive answers, no Discord, no server."""
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    env.update(OFFLINE_ENV)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def coach_command() -> list[str]:
    """The installed `coach` script next to this interpreter, else `python -m bot.cli`."""
    script = Path(sys.executable).with_name("coach")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def run_child(
    args: Sequence[str], env: Mapping[str, str], cwd: Path, *, timeout: float = 900
) -> tuple[float, int, str]:
    """Run one child; returns (wall seconds, peak RSS in MB of that child, stdout).

    Reaps the child with wait4 for its own rusage: getrusage(RUSAGE_CHILDREN) is the maximum
    over every child so far, so a second measurement could report the first one's peak.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as errors:
        started = time.perf_counter()
        proc = subprocess.Popen(list(args), env=dict(env), cwd=cwd, stdout=out, stderr=errors)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                proc.returncode = -9
                raise TimeoutError(f"{' '.join(args)} took over {timeout:.0f} s")
            time.sleep(0.005)
        seconds = time.perf_counter() - started
        # Popen must not try to reap the child again.
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        errors.seek(0)
        stdout, stderr = out.read(), errors.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {proc.returncode}:\n{stderr.strip()[-2000:]}")
    return seconds, usage.ru_maxrss // 1024, stdout  # Linux reports ru_maxrss in KiB
