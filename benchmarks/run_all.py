"""Run every benchmarks/bench_*.py as its own process and summarise what each reported.

Benchmarks run one after another (never in parallel: they would measure each other). Output
streams through as it comes; a benchmark that fails or times out is reported and the rest
still run. Each benchmark's `RESULT {json}` line, when it prints one, feeds the summary.

    make bench
    .venv/bin/python -m benchmarks.run_all [--only query cli] [--skip index] [--timeout 3600]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time

from benchmarks._common import REPO, RESULT_PREFIX, child_env


def discover() -> list[str]:
    return sorted(p.stem for p in (REPO / "benchmarks").glob("bench_*.py"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", default=[], help="names, with or without bench_")
    parser.add_argument("--skip", nargs="+", default=[], help="names to leave out")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per benchmark")
    args = parser.parse_args(argv)
    names = _select(discover(), args.only, args.skip)
    if not names:
        print("no benchmarks selected", file=sys.stderr)
        return 2
    outcomes = [run_one(name, args.timeout) for name in names]
    print(summary(outcomes))
    return 0 if all(o["status"] == "ok" for o in outcomes) else 1


def _select(names: list[str], only: list[str], skip: list[str]) -> list[str]:
    def full(name: str) -> str:
        return name if name.startswith("bench_") else f"bench_{name}"

    wanted = {full(n) for n in only}
    unwanted = {full(n) for n in skip}
    return [n for n in names if (not wanted or n in wanted) and n not in unwanted]


def run_one(name: str, timeout: float) -> dict:
    """Run `python -m benchmarks.<name>`, echoing its output; collect its RESULT line."""
    print(f"\n=== {name} ===", flush=True)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", f"benchmarks.{name}"],
        cwd=REPO,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    assert proc.stdout is not None  # stdout=PIPE above
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    results, tail = [], []
    try:
        for line in proc.stdout:
            if line.startswith(RESULT_PREFIX):
                try:
                    results.append(json.loads(line[len(RESULT_PREFIX) :]))
                except ValueError:
                    tail.append("unreadable RESULT line")
                continue  # the summary shows it; the raw JSON would drown the human report
            print(line, end="", flush=True)
            tail = [*tail[-4:], line.rstrip()]
        code = proc.wait()
    finally:
        timer.cancel()
    seconds = time.perf_counter() - started
    timed_out = code != 0 and seconds >= timeout
    status = "ok" if code == 0 else ("timed out" if timed_out else f"exit {code}")
    return {"name": name, "status": status, "seconds": seconds, "results": results, "tail": tail}


def summary(outcomes: list[dict]) -> str:
    lines = ["", "=== summary ==="]
    for outcome in outcomes:
        lines.append(f"{outcome['name']}: {outcome['status']} in {outcome['seconds']:.0f} s")
        if not outcome["results"]:
            last = next((t for t in reversed(outcome["tail"]) if t.strip()), "")
            lines.append(f"  (no RESULT line) last output: {last}")
        for result in outcome["results"]:
            if result.get("headline"):
                lines.append(f"  {result['headline']}")
            for t in result.get("targets", []):
                verdict = "met" if t.get("met") else "MISSED"
                lines.append(f"  {t['name']}: {t['value']} (want {t['target']}) {verdict}")
            if not result.get("targets") and not result.get("headline"):
                lines.append(f"  {_headline(result.get('metrics', result))}")
    missed = sum(
        not t.get("met") for o in outcomes for r in o["results"] for t in r.get("targets", [])
    )
    failed = [o["name"] for o in outcomes if o["status"] != "ok"]
    lines.append(
        f"{len(outcomes)} benchmarks, {len(failed)} not ok"
        + (f" ({', '.join(failed)})" if failed else "")
        + f", {missed} targets missed"
    )
    return "\n".join(lines)


def _headline(metrics: dict) -> str:
    """A short line for a benchmark without targets: its top-level numbers."""
    flat = {k: v for k, v in metrics.items() if isinstance(v, int | float | str)}
    text = json.dumps(flat)
    return text if len(text) <= 200 else text[:197] + "..."


if __name__ == "__main__":
    raise SystemExit(main())
