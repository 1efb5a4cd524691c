"""Strength-plan generation time for 16-week plans (target: p50 <= 20 ms).

Builds many varied 16-week requests (runs, free days, equipment, injuries, experience,
phase or race date, session length), fixed by a seed so runs compare, and times
`build_plan` on each. Citations are resolved once against the real knowledge folder, as
the Planner service does at start-up. Two views of the same runs:
- wall: perf_counter around build_plan (includes scheduler noise on a busy machine);
- cpu:  the building thread's CPU time, unaffected by other processes.
Baseline, measured in the same run: `Plan.model_validate_json` of the same plans, i.e. the
cost of merely materialising a plan of that size; the ratio says what planning adds.
The audit card and the renderers are timed too (not part of the target).

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.bench_planner [--requests 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from pathlib import Path

from benchmarks._common import summarise

REPO = Path(__file__).resolve().parent.parent
KNOWLEDGE = REPO / "knowledge"
RESULT_PREFIX = "RESULT "  # the machine-readable line the other benchmarks print too
TARGET_P50_MS = 20.0
WEEKS = 16
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RUNS = ("easy", "easy", "easy", "recovery", "long", "tempo", "intervals", "hills")
AVOID = ("knee", "lower-back", "achilles", "shin", "shoulder", "lunges", "hip", "wrist")


def varied_requests(count: int, seed: int) -> list[dict]:
    """Request fields for `count` different runners, all asking for 16 weeks."""
    rnd = random.Random(seed)
    found = []
    for _ in range(count):
        today = date(2026, 1, 5) + timedelta(days=rnd.randint(0, 365))
        fields: dict = {
            "runs": {d: rnd.choice(RUNS) for d in rnd.sample(DAYS, rnd.randint(2, 6))},
            "free_days": rnd.sample(DAYS, rnd.randint(2, 5)),
            "minutes": rnd.choice((40, 45, 50, 60, 75, 90)),
            "experience": rnd.choice(("new", "some", "experienced")),
            "equipment": rnd.sample(("none", "bands", "dumbbells", "gym"), rnd.randint(1, 2)),
            "avoid": rnd.sample(AVOID, rnd.choice((0, 0, 1, 2))),
            "weeks": WEEKS,
            "today": today,
        }
        if rnd.random() < 0.5:
            fields["phase"] = rnd.choice(("base", "build", "in-season", "taper"))
        else:
            fields["race_date"] = today + timedelta(days=rnd.randint(16 * 7, 30 * 7))
        found.append(fields)
    return found


def timed(action: Callable[[], object]) -> tuple[float, float, object]:
    """(wall ms, thread CPU ms, result) of one call."""
    cpu, wall = time.thread_time(), time.perf_counter()
    result = action()
    return (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000, result


def run(requests: int = 200, repeat: int = 3, seed: int = 7) -> dict:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from planner.audit import audit_plan
    from planner.build import build_plan
    from planner.errors import PlanError
    from planner.models import Plan, PlanRequest
    from planner.playbook import make_playbook
    from planner.render_ics import render_ics
    from planner.render_markdown import render_markdown
    from retrieval.ingest.pipeline import chunk_document, load_document, scan_knowledge

    paths, _ = scan_knowledge(KNOWLEDGE)
    chunks = [c for p in paths for c in chunk_document(load_document(p, KNOWLEDGE))[0]]
    started = time.perf_counter()
    book = make_playbook(chunks)
    setup_ms = (time.perf_counter() - started) * 1000

    plans, refused = [], 0
    for fields in varied_requests(requests, seed):
        request = PlanRequest.parse(**fields)
        try:
            plans.append((request, build_plan(request, book)))  # also the warm-up pass
        except PlanError:
            refused += 1
    wall, cpu, baseline, audits, markdown, ics = [], [], [], [], [], []
    for _ in range(repeat):
        for request, plan in plans:
            w, c, _ = timed(partial(build_plan, request, book))
            wall.append(w)
            cpu.append(c)
            payload = plan.model_dump_json()
            baseline.append(timed(partial(Plan.model_validate_json, payload))[0])
    for _, plan in plans:
        audits.append(timed(partial(audit_plan, plan, book))[0])
        markdown.append(timed(partial(render_markdown, plan, max_chars=4096))[0])
        ics.append(timed(partial(render_ics, plan))[0])
    sessions = statistics.mean(sum(len(w.sessions) for w in p.weeks) for _, p in plans)
    return {
        "plans": len(plans),
        "refused": refused,
        "weeks": WEEKS,
        "mean_sessions_per_plan": round(sessions, 1),
        "repeat": repeat,
        "setup_ms": round(setup_ms, 1),
        "build_wall_ms": summarise(wall),
        "build_cpu_ms": summarise(cpu),
        "baseline_validate_ms": summarise(baseline),
        "build_over_baseline": round(statistics.median(wall) / statistics.median(baseline), 2),
        "audit_ms": summarise(audits),
        "markdown_ms": summarise(markdown),
        "ics_ms": summarise(ics),
        "load_average": round(os.getloadavg()[0], 2),
    }


def render(report: dict) -> str:
    lines = [
        f"Planner: {report['plans']} plans of {report['weeks']} weeks "
        f"({report['refused']} requests refused), ~{report['mean_sessions_per_plan']} sessions "
        f"each, x{report['repeat']}; load average {report['load_average']}",
        f"  setup (load data, resolve citations): {report['setup_ms']} ms",
    ]
    for key, label in (
        ("build_wall_ms", "build_plan wall"),
        ("build_cpu_ms", "build_plan cpu"),
        ("baseline_validate_ms", "baseline: Plan.model_validate_json"),
        ("audit_ms", "audit card"),
        ("markdown_ms", "render_markdown (4096)"),
        ("ics_ms", "render_ics"),
    ):
        stats = report[key]
        lines.append(f"  {label}: p50 {stats['p50']} ms, p95 {stats['p95']} ms")
    lines.append(f"  build / baseline (p50): {report['build_over_baseline']}x")
    return "\n".join(lines)


def targets(report: dict) -> list[dict]:
    value = report["build_wall_ms"]["p50"]
    return [
        {
            "name": "build_plan p50 (16 weeks, wall)",
            "value": value,
            "target": f"<= {TARGET_P50_MS} ms",
            "met": value <= TARGET_P50_MS,
        }
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="different runners to plan for")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes over the requests")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    report = run(args.requests, args.repeat, args.seed)
    checks = targets(report)
    print(json.dumps(report, indent=2) if args.json else render(report))
    for check in checks:
        verdict = "met" if check["met"] else "MISSED"
        print(f"  target {check['name']}: {check['value']} (want {check['target']}) -> {verdict}")
    payload = {"bench": "planner", "metrics": report, "targets": checks}
    print(RESULT_PREFIX + json.dumps(payload, sort_keys=True), flush=True)
    return 0 if all(check["met"] for check in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
