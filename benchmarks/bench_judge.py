"""What the judge costs: `/ask` in process with the judge and without it, one-shot `coach ask`,
and 50 concurrent Discord `/ask` with the judge on (issue 18's speed targets).

- in process: `CoachApp.ask` (red flags, retrieve, judge, compose; no LLM) over a fixed list
  of runner questions, the judge's app and today's (COACH_JUDGE=off) app over the same index,
  interleaved question by question, after a warm-up; p50/p95 of each and their ratio;
- one-shot: `coach ask "..." --json` as a fresh process, judge on (passage vectors kept on
  disk by earlier runs), cold (those removed first) and off, interleaved (median of `--runs`),
  after `coach index` built the index once;
- load: `benchmarks.bench_discord_load.run` (the real discord.py client against the loopback
  fake of Discord, LLM mode with a fake LLM) with COACH_JUDGE=bundled;
- support: the citation check's judge call (LLM mode only) per (claim, passage) pair, by the
  support reader against the head it replaced (the same files less the reader), interleaved.

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.bench_judge [--rounds 3] [--runs 5]
        [--skip-load]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._common import (
    KNOWLEDGE,
    child_env,
    coach_command,
    emit_result,
    machine,
    note,
    print_targets,
    run_child,
    setup,
    summarise,
    target,
)

# Questions written for this benchmark (not from any eval set): what runners ask, plus two
# the guides don't cover and one follow-up-shaped question.
QUESTIONS = [
    "How many times a week should runners lift weights?",
    "Should I foam roll before or after my run?",
    "Is it okay to lift on the same day as a hard run?",
    "what warm-up before squats?",
    "do I need leg day if I already run a lot",
    "How heavy should I lift as a distance runner?",
    "core work at the start or end of a session?",
    "Why do so many runners get injured?",
    "how long should I rest between sets",
    "Can strength training make me slower?",
    "what exercises help with knee pain prevention",
    "should I stretch before running",
    "How do I balance pushing and pulling exercises?",
    "plyometrics for marathoners?",
    "What pace should I run my first marathon at?",
    "best running shoes for flat feet",
]
P50_TARGET_MS = 300.0
P95_TARGET_MS = 600.0
ONE_SHOT_TARGET_S = 1.5
LOAD_TARGET_S = 10.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="passes over the questions")
    parser.add_argument("--runs", type=int, default=5, help="one-shot `coach ask` runs each")
    parser.add_argument("--count", type=int, default=50, help="concurrent Discord /ask")
    parser.add_argument("--skip-load", action="store_true", help="leave out the Discord run")
    parser.add_argument("--judge", default="bundled", help="COACH_JUDGE to measure (a folder)")
    args = parser.parse_args(argv)
    setup()
    inside = in_process(args.rounds, args.judge)
    shot = one_shot(args.runs, args.judge)
    report = {
        "in_process": inside,
        "one_shot": shot,
        "support": support_cost(args.rounds),
        "load": None if args.skip_load else load(args.count, args.judge),
    }
    targets = render(report)
    print(f"  machine: {machine()}")
    ours = inside["judge"]
    headline = (
        f"/ask in process with the judge p50 {ours['p50']:.0f} ms / p95 {ours['p95']:.0f} ms "
        f"({inside['p50_ratio']:.2f}x judge off); one-shot ask {shot['judge_s']:.2f} s"
    )
    emit_result("judge", report, targets, headline=headline)
    return 0


def in_process(rounds: int, choice: str = "bundled") -> dict:
    from bot.app import CoachApp
    from bot.settings import Settings
    from retrieval.embedding import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    with tempfile.TemporaryDirectory(prefix="bench-judge-") as tmp:

        def settings(judge: str) -> Settings:
            data_dir = Path(tmp) / "data"
            return Settings(
                data_dir=data_dir, knowledge_dir=KNOWLEDGE, llm="extractive", judge=judge
            )

        # "cold": an app of its own (its own judge, so its own kept passage vectors), emptied
        # before each question, as for passages no one asked about since the bot started.
        apps = {
            "judge": CoachApp(settings(choice), embedder=embedder),
            "off": CoachApp(settings("off"), embedder=embedder),
            "cold": CoachApp(settings(choice), embedder=embedder),
        }
        note("building the index and loading the judge")
        judge_name = apps["judge"].judge_name()
        for app in apps.values():
            app.ask(QUESTIONS[0])  # warm-up: index, calibration, ONNX sessions
        cold_judge = apps["cold"].judge
        passages = getattr(cold_judge, "passages", None)
        if getattr(cold_judge, "files", None) is not None:
            cold_judge.files = None  # type: ignore[union-attr]  # nor on disk (shared data dir)
        times: dict[str, list[float]] = {name: [] for name in apps}
        note(f"{rounds} rounds of {len(QUESTIONS)} questions, judge on, cold and off interleaved")
        for _ in range(rounds):
            for question in QUESTIONS:
                for name, app in apps.items():
                    if name == "cold" and passages is not None:
                        passages.clear()
                    started = time.perf_counter()
                    app.ask(question)
                    times[name].append((time.perf_counter() - started) * 1000)
    judge, off = summarise(times["judge"]), summarise(times["off"])
    return {
        "judge_name": judge_name,
        "judge": judge,
        "cold": summarise(times["cold"]),
        "off": off,
        "p50_ratio": round(judge["p50"] / off["p50"], 2),
        "p95_ratio": round(judge["p95"] / off["p95"], 2),
    }


def one_shot(runs: int, choice: str = "bundled") -> dict:
    coach = coach_command()
    with tempfile.TemporaryDirectory(prefix="bench-judge-cli-") as tmp:
        cwd = Path(tmp)
        env = child_env(COACH_DATA_DIR=str(cwd / "data"), COACH_KNOWLEDGE_DIR=str(KNOWLEDGE))
        note("building the index with `coach index`")
        run_child([*coach, "index"], {**env, "COACH_JUDGE": "off"}, cwd)
        ask = [*coach, "ask", QUESTIONS[1], "--json"]
        # "cold": the judge's passage vectors on disk (data/judge-cache) removed first, as for
        # the first question after `coach index` or over passages no one asked about yet.
        envs = {
            "judge": {**env, "COACH_JUDGE": choice},
            "cold": {**env, "COACH_JUDGE": choice},
            "off": {**env, "COACH_JUDGE": "off"},
        }
        for child in envs.values():
            run_child(ask, child, cwd)  # warm-up: page cache, .pyc files
        walls: dict[str, list[float]] = {name: [] for name in envs}
        note(f"{runs} one-shot `coach ask` runs each, judge on, cold and off interleaved")
        for _ in range(runs):
            for name, child in envs.items():
                if name == "cold":
                    shutil.rmtree(cwd / "data" / "judge-cache", ignore_errors=True)
                seconds, _, _ = run_child(ask, child, cwd)
                walls[name].append(seconds)
    medians = {name: round(statistics.median(v), 3) for name, v in walls.items()}
    return {
        "judge_s": medians["judge"],
        "cold_s": medians["cold"],
        "off_s": medians["off"],
        "ratio": round(medians["judge"] / medians["off"], 2),
        "runs_s": {name: [round(v, 3) for v in vs] for name, vs in walls.items()},
    }


# Claims an LLM might write from the bundled guides, each with the passage it cites (written
# for this benchmark); every call reads them all.
SUPPORT_PAIRS = [
    ("Lift on your hard running days so easy days stay easy [1].", "Scheduling › Hard days"),
    ("Two strength sessions a week are enough for most runners [1].", "Frequency"),
    ("Foam roll after a short dynamic warm-up [1].", "Foam rolling"),
    ("Never do strides after lifting [1].", "Strides"),
]


def support_cost(rounds: int) -> dict:
    """ms per (claim, passage) pair for `Judge.support`: the reader against the head alone."""
    import json

    from retrieval.judge import BUNDLED_DIR
    from retrieval.judge.onnx_judge import OnnxJudge
    from retrieval.models import passage_for_judge

    config = json.loads((BUNDLED_DIR / "judge.json").read_text(encoding="utf-8"))
    if "support_reader" not in config:
        return {}
    texts = sorted(KNOWLEDGE.glob("*.md"))[: len(SUPPORT_PAIRS)]
    passages = [
        passage_for_judge(path.stem, heading, path.read_text(encoding="utf-8")[:1500])
        for path, (_, heading) in zip(texts, SUPPORT_PAIRS, strict=True)
    ]
    pairs = [(claim, p) for (claim, _), p in zip(SUPPORT_PAIRS, passages, strict=True)]
    with tempfile.TemporaryDirectory(prefix="bench-support-") as tmp:
        del config["support_reader"]
        for name in ("judge.onnx", config["head"]):
            (Path(tmp) / name).symlink_to(BUNDLED_DIR / name)
        (Path(tmp) / "judge.json").write_text(json.dumps(config), encoding="utf-8")
        judges = {"reader": OnnxJudge(BUNDLED_DIR), "head": OnnxJudge(Path(tmp))}
        for judge in judges.values():
            judge.support(pairs)  # warm-up (the head keeps the passages' vectors after this)
        times: dict[str, list[float]] = {name: [] for name in judges}
        for _ in range(rounds * 5):
            for name, judge in judges.items():
                started = time.perf_counter()
                judge.support(pairs)
                times[name].append((time.perf_counter() - started) * 1000 / len(pairs))
    reader, head = summarise(times["reader"]), summarise(times["head"])
    return {"reader": reader, "head": head, "p50_ratio": round(reader["p50"] / head["p50"], 2)}


def load(count: int, choice: str = "bundled") -> dict:
    from benchmarks import bench_discord_load

    os.environ["COACH_JUDGE"] = choice
    note(f"{count} concurrent Discord /ask with the judge on (bench_discord_load)")
    report = bench_discord_load.run(count=count)
    print(bench_discord_load.render(report))
    return report


def render(report: dict) -> list[dict]:
    inner, shot, loaded = report["in_process"], report["one_shot"], report["load"]
    print(f"judge: {inner['judge_name']}")
    for name in ("judge", "cold", "off"):
        s = inner[name]
        print(
            f"  /ask in process, {name:5}: p50 {s['p50']:.0f} ms  "
            f"p95 {s['p95']:.0f} ms  (n={s['n']})"
        )
    print(f"  ratio judge/off: p50 {inner['p50_ratio']:.2f}x  p95 {inner['p95_ratio']:.2f}x")
    print(
        f"  one-shot `coach ask`: judge {shot['judge_s']:.2f} s, cold {shot['cold_s']:.2f} s, "
        f"off {shot['off_s']:.2f} s ({shot['ratio']:.2f}x)"
    )
    if support := report.get("support"):
        print(
            f"  citation check per claim: reader p50 {support['reader']['p50']:.1f} ms "
            f"p95 {support['reader']['p95']:.1f} ms, head p50 {support['head']['p50']:.1f} ms "
            f"({support['p50_ratio']:.2f}x)"
        )
    targets = [
        target("/ask p50 with the judge", inner["judge"]["p50"], "<=", P50_TARGET_MS, " ms"),
        target("/ask p95 with the judge", inner["judge"]["p95"], "<=", P95_TARGET_MS, " ms"),
        target("one-shot coach ask with the judge", shot["judge_s"], "<=", ONE_SHOT_TARGET_S, " s"),
    ]
    if loaded is not None:
        all_in = loaded["delivered"] == loaded["count"]
        seconds = loaded["seconds"] if all_in else float("inf")
        targets.append(
            target(
                f"{loaded['count']} concurrent /ask answered", seconds, "<=", LOAD_TARGET_S, " s"
            )
        )
    print_targets(targets)
    return targets


if __name__ == "__main__":
    sys.exit(main())
