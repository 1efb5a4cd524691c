"""Training log at club scale: 500 members x one year of logs in one SQLite store.

Targets (issue 20, 2 cores): `/progress` (read the member's log from the store, progress data,
PNG) in <= 1 s, and re-adapting a member's current plan to their year of logs in <= 200 ms.
Baseline, measured in the same run on the same members: building the current plan from
scratch (`build_plan`), the cost the planner already pays for every `/plan`.

Each member has a season of four 13-week plans (bench_planner's varied runners, fixed by a
seed) and about 100 logged sessions: efforts around the target, some skipped, the odd niggle,
note and baseline test. The store is filled first (timed too: entries per second); the timed
parts then run for a sample of members (`--sample`), the PNG being the slow part.

    .venv/bin/python -m benchmarks.bench_training_log [--members 500] [--sample 40] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks._common import emit_result, note, print_targets, setup, summarise, target

if TYPE_CHECKING:
    from planner.models import Plan

REPO = Path(__file__).resolve().parent.parent
KNOWLEDGE = REPO / "knowledge"
PROGRESS_TARGET_MS = 1000.0
ADAPT_TARGET_MS = 200.0
PLANS_PER_YEAR, WEEKS = 4, 13
SHAPES = 24  # distinct runner shapes; members share them, each with their own ids and log


def season(shape: dict, book) -> list[Plan]:
    """Four back-to-back 13-week plans for one runner shape (empty if it can't be planned)."""
    from planner.build import build_plan
    from planner.errors import PlanError
    from planner.models import PlanRequest

    plans: list[Plan] = []
    fields = {**shape, "weeks": WEEKS, "phase": "base", "race_date": None}
    for i in range(PLANS_PER_YEAR):
        start = shape["today"] + timedelta(weeks=WEEKS * i)
        try:
            plans.append(build_plan(PlanRequest.parse(**{**fields, "start": start}), book))
        except PlanError:
            return []
    return plans


def member_plans(template: list, member: str) -> list:
    """The shape's season as this member's own plans (owner and plan ids are the member's)."""
    from planner.build import plan_identity

    own = []
    for plan in template:
        request = plan.request.model_copy(update={"owner": member})
        own.append(plan.model_copy(update={"request": request, "plan_id": plan_identity(request)}))
    return own


def year_of_logs(plans: list, member: str, rnd: random.Random) -> list:
    """About a session's worth of log per planned session over the year, up to the last week."""
    from planner.training_log import SessionLog

    entries = []
    for plan in plans:
        for week, session in plan.sessions():
            if plan is plans[-1] and week.number > WEEKS - 4:
                break  # "today" falls in the last plan: its last weeks are still to come
            skipped = rnd.random() < 0.1
            lifts = [x for b in session.blocks if b.kind == "main" for x in b.exercises]
            exercises = [] if skipped else [
                {"exercise_id": x.exercise_id, "load": 20 + week.number, "unit": "kg",
                 "sets": x.sets, "reps": 6,
                 "rpe": min(10.0, max(1.0, (x.rpe or 7) + rnd.choice((-1.5, -1, 0, 0, 0.5, 1))))}
                for x in lifts
            ]  # fmt: skip
            entries.append(
                SessionLog.parse(
                    member=member, plan_id=plan.plan_id, week=week.number,
                    session=session.number, day=session.day, date=session.date,
                    status="skipped" if skipped else "done", exercises=exercises,
                    niggles=[{"area": rnd.choice(("knee", "calf", "hip")),
                              "score": rnd.randint(1, 4)}] if rnd.random() < 0.08 else [],
                    next_run=rnd.choice((None, 2, 3, 3, 4)),
                    note=rnd.choice(("", "", "", "legs heavy", "felt strong")),
                    tests=[{"test_id": t.test_id, "value": "ok"} for t in session.tests],
                )
            )  # fmt: skip
    return entries


def timed_ms(action, cpu: list[float] | None = None) -> tuple[float, object]:
    """Wall ms of one call (and its thread CPU ms appended to `cpu`, unaffected by other load)."""
    started, thread = time.perf_counter(), time.thread_time()
    result = action()
    if cpu is not None:
        cpu.append((time.thread_time() - thread) * 1000)
    return (time.perf_counter() - started) * 1000, result


def run(members: int = 500, sample: int = 40, seed: int = 11) -> dict:
    setup()
    from benchmarks.bench_planner import varied_requests
    from bot.training_log_store import open_log_store
    from planner.adapt import adapt_plan
    from planner.build import build_plan
    from planner.playbook import make_playbook
    from planner.progress import progress_data
    from planner.progress_picture import render_progress_png
    from retrieval.ingest.pipeline import chunk_document, load_document, scan_knowledge

    paths, _ = scan_knowledge(KNOWLEDGE)
    chunks = [c for p in paths for c in chunk_document(load_document(p, KNOWLEDGE))[0]]
    book = make_playbook(chunks)
    rnd = random.Random(seed)
    templates: list[list[Plan]] = []
    for shape in varied_requests(SHAPES * 3, seed):
        if len(templates) == SHAPES:
            break
        plans = season(shape, book)
        if plans:
            templates.append(plans)
    note(f"{len(templates)} runner shapes, {PLANS_PER_YEAR} plans of {WEEKS} weeks each")

    with tempfile.TemporaryDirectory() as tmp:
        store = open_log_store(Path(tmp))
        seasons: dict[str, list] = {}
        written = 0
        started = time.perf_counter()
        for i in range(members):
            member = f"member-{i:04d}"
            seasons[member] = member_plans(templates[i % len(templates)], member)
            for entry in year_of_logs(seasons[member], member, rnd):
                store.add(entry)
                written += 1
        fill_s = time.perf_counter() - started
        note(f"store filled: {written} entries in {fill_s:.1f} s")

        chosen = rnd.sample(sorted(seasons), min(sample, members))
        progress, pictures, adapts, baseline, reads = [], [], [], [], []
        progress_cpu: list[float] = []
        adapt_cpu: list[float] = []
        baseline_cpu: list[float] = []
        changes = 0
        render_progress_png(
            progress_data(seasons[chosen[0]], store.log(chosen[0]), _today(seasons[chosen[0]]))
        )  # warm-up
        for member in chosen:
            plans = seasons[member]
            today = _today(plans)
            cpu: list[float] = []
            read_ms, log = timed_ms(lambda member=member: store.log(member), cpu)
            data_ms, data = timed_ms(
                lambda plans=plans, log=log, today=today: progress_data(plans, log, today)
            )
            png_ms, _ = timed_ms(lambda data=data: render_progress_png(data), cpu)
            progress_cpu.append(sum(cpu))
            reads.append(read_ms)
            pictures.append(png_ms)
            progress.append(read_ms + data_ms + png_ms)
            current = plans[-1]
            adapt_ms, adapted = timed_ms(
                lambda current=current, log=log, today=today: adapt_plan(current, log, today, book),
                adapt_cpu,
            )
            adapts.append(adapt_ms)
            changes += len(adapted.changes)  # type: ignore[attr-defined]
            build_ms, _ = timed_ms(
                lambda current=current: build_plan(current.request, book), baseline_cpu
            )
            baseline.append(build_ms)
        entries_per_member = written / members
        store.close()
        size_mb = sum(f.stat().st_size for f in Path(tmp).iterdir()) / 1e6
    return {
        "members": members,
        "entries": written,
        "entries_per_member": round(entries_per_member, 1),
        "store_mb": round(size_mb, 1),
        "fill_entries_per_s": round(written / fill_s),
        "sample": len(chosen),
        "mean_changes": round(changes / len(chosen), 1),
        "progress_ms": summarise(progress),
        "progress_cpu_ms": summarise(progress_cpu),
        "adapt_cpu_ms": summarise(adapt_cpu),
        "baseline_build_cpu_ms": summarise(baseline_cpu),
        "store_read_ms": summarise(reads),
        "png_ms": summarise(pictures),
        "adapt_ms": summarise(adapts),
        "baseline_build_ms": summarise(baseline),
        "progress_over_baseline": round(
            statistics.median(progress) / statistics.median(baseline), 2
        ),
        "adapt_over_baseline": round(statistics.median(adapts) / statistics.median(baseline), 2),
        "load_average": round(os.getloadavg()[0], 2),
    }


def _today(plans: list):
    """A day in the last plan's tenth week: the member is most of a year in."""
    return plans[-1].weeks[WEEKS - 4].start


def render(report: dict) -> str:
    lines = [
        f"Training log: {report['members']} members, {report['entries']} entries "
        f"(~{report['entries_per_member']} each, {report['store_mb']} MB), filled at "
        f"{report['fill_entries_per_s']} entries/s; timed on {report['sample']} members "
        f"(~{report['mean_changes']} changes per adaptation); load average "
        f"{report['load_average']} on {os.cpu_count()} cores",
    ]
    for key, label in (
        ("progress_ms", "/progress (store read + data + PNG)"),
        ("progress_cpu_ms", "/progress, thread CPU"),
        ("store_read_ms", "  store read"),
        ("png_ms", "  PNG"),
        ("adapt_ms", "re-adapt the current plan to a year of logs"),
        ("adapt_cpu_ms", "re-adapt, thread CPU"),
        ("baseline_build_ms", "baseline: build_plan from scratch"),
        ("baseline_build_cpu_ms", "baseline, thread CPU"),
    ):
        stats = report[key]
        lines.append(f"  {label}: p50 {stats['p50']} ms, p95 {stats['p95']} ms")
    lines.append(
        f"  ratios to the baseline (p50): progress {report['progress_over_baseline']}x, "
        f"adapt {report['adapt_over_baseline']}x"
    )
    return "\n".join(lines)


def targets(report: dict) -> list[dict]:
    return [
        target("/progress p95", report["progress_ms"]["p95"], "<=", PROGRESS_TARGET_MS, " ms"),
        target("re-adapt p95", report["adapt_ms"]["p95"], "<=", ADAPT_TARGET_MS, " ms"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--sample", type=int, default=40, help="members timed end to end")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    report = run(args.members, args.sample, args.seed)
    checks = targets(report)
    print(json.dumps(report, indent=2) if args.json else render(report))
    print_targets(checks)
    headline = (
        f"/progress p95 {report['progress_ms']['p95']} ms, re-adapt p95 "
        f"{report['adapt_ms']['p95']} ms ({report['members']} members x a year)"
    )
    emit_result("training_log", report, checks, headline)
    return 0 if all(check["met"] for check in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
