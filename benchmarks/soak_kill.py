"""Kill -9 at random points of indexing: the previous index serves every time, the next
`coach index` repairs, nothing is lost from the feedback database (issue 13).

Each trial edits, adds and deletes articles in a copy of knowledge/, starts `coach index` as a
real process, kills it with SIGKILL after a random delay (spread over a full index run, so
some kills land in embedding, some in writing, some after the switch), then checks from a
fresh process that the served index is one whole generation (the manifest's chunk ids, each
once, nothing else) and answers a search; then runs `coach index` to completion and checks
the served passages are exactly the folder's. The feedback database (bot.sqlite3, written
between trials) must keep every row and pass `PRAGMA integrity_check`.

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.soak_kill [--trials 20] [--seed 13]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._common import KNOWLEDGE, child_env, coach_command, emit_result, note, target

CHECK = r"""
import json, sys
from pathlib import Path
from retrieval.embedding import SentenceTransformerEmbedder
from retrieval.manifest import load_manifest
from retrieval.live_index import open_retriever

data, knowledge = Path(sys.argv[1]), Path(sys.argv[2])
manifest = load_manifest(data)
listed = [cid for e in manifest.files.values() for cid in e.chunk_ids]
retriever = open_retriever(knowledge, data, SentenceTransformerEmbedder(cache_dir=data / "models"),
                           update=False)
served = [c.chunk_id for c in retriever.chunks()]
hits = retriever.search("how often should I do strength training", 3).hits
print(json.dumps({"collection": manifest.collection, "listed": sorted(listed),
                  "served": sorted(served), "hits": len(hits)}))
"""

EXPECTED = r"""
import json, sys
from pathlib import Path
from retrieval.ingest.pipeline import chunk_document, load_document, scan_knowledge
knowledge = Path(sys.argv[1])
ids = set()
paths, _ = scan_knowledge(knowledge)
for path in paths:
    chunks, _ = chunk_document(load_document(path, knowledge))
    ids.update(c.chunk_id for c in chunks)
print(json.dumps(sorted(ids)))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    report = run(args.trials, args.seed)
    m = report["metrics"]
    print(
        f"kill -9 trials: {m['trials']}; previous/whole generation served {m['served_whole']}/"
        f"{m['trials']}; repaired by next index {m['repaired']}/{m['trials']}; feedback rows "
        f"kept {m['feedback_kept']}/{m['trials']} (integrity ok {m['integrity_ok']}); kills "
        f"before switch {m['killed_before_switch']}, after {m['killed_after_switch']}"
    )
    for failure in m["failures"]:
        print(f"  FAILED: {failure}")
    emit_result("soak_kill", m, report["targets"], headline=f"{m['served_whole']}/{m['trials']}")
    return 0 if not m["failures"] else 1


def run(trials: int, seed: int) -> dict:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="soak-kill-") as tmp:
        root = Path(tmp)
        knowledge, data = root / "knowledge", root / "data"
        shutil.copytree(KNOWLEDGE, knowledge)
        env = child_env(COACH_KNOWLEDGE_DIR=str(knowledge), COACH_DATA_DIR=str(data))
        started = time.perf_counter()
        _coach(["index"], env, root)
        full_s = time.perf_counter() - started
        note(f"first index in {full_s:.1f} s")
        feedback = data / "bot.sqlite3"
        _feedback_init(feedback)
        # How long each kind of run takes here, so the kills land inside runs, not after them.
        took = {}
        for kind, extra in (("change", []), ("rebuild", ["--rebuild"])):
            _mutate(knowledge, rng, 0)
            started = time.perf_counter()
            _coach(["index", *extra], env, root)
            took[kind] = time.perf_counter() - started
        note(f"an index run takes {took['change']:.1f} s, a rebuild {took['rebuild']:.1f} s")

        served_whole = repaired = kept = integrity = before = after = 0
        failures: list[str] = []
        for trial in range(1, trials + 1):
            _feedback_add(feedback, trial)
            rows = _feedback_count(feedback)
            old = json.loads((data / "index-manifest.json").read_text())["collection"]
            _mutate(knowledge, rng, trial)
            # Anywhere in the run: start-up, model load, embedding, writing, the switch.
            rebuild = trial % 4 == 0
            delay = rng.uniform(0.3, 0.95 * took["rebuild" if rebuild else "change"])
            process = subprocess.Popen(
                [*coach_command(), "index", *(["--rebuild"] if rebuild else [])],
                env=env,
                cwd=root,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            launched = time.perf_counter()
            while time.perf_counter() - launched < delay and process.poll() is None:
                time.sleep(0.02)
            finished = process.poll() is not None
            if finished:
                # Ran shorter than guessed: aim the next kills of this kind inside that time.
                kind = "rebuild" if rebuild else "change"
                took[kind] = min(took[kind], time.perf_counter() - launched)
            else:
                process.send_signal(signal.SIGKILL)
            process.wait()

            check = _check(data, knowledge, root, env)
            whole = (
                check is not None
                and check["served"] == check["listed"]
                and len(set(check["served"])) == len(check["served"])
                and check["hits"] > 0
            )
            served_whole += whole
            if check is not None:
                switched = check["collection"] != old
                before += not switched and not finished
                after += switched and not finished
            if not whole:
                failures.append(f"trial {trial}: served index not whole after kill: {check}")

            _coach(["index"], env, root)
            expected = json.loads(_python(EXPECTED, [str(knowledge)], env, root))
            check = _check(data, knowledge, root, env)
            ok = check is not None and check["served"] == expected
            repaired += ok
            if not ok:
                failures.append(f"trial {trial}: next index did not repair the index")
            now_rows = _feedback_count(feedback)
            kept += now_rows == rows
            integrity += _feedback_ok(feedback)
            if now_rows != rows:
                failures.append(f"trial {trial}: feedback rows {rows} -> {now_rows}")
            note(
                f"trial {trial}/{trials}: killed after {delay:.1f} s"
                f"{' (had finished)' if finished else ''}{' rebuild' if rebuild else ''}; "
                f"whole={whole} repaired={ok}"
            )

    metrics = {
        "trials": trials,
        "served_whole": served_whole,
        "repaired": repaired,
        "feedback_kept": kept,
        "integrity_ok": integrity,
        "killed_before_switch": before,
        "killed_after_switch": after,
        "first_index_s": round(full_s, 1),
        "run_s": {k: round(v, 1) for k, v in took.items()},
        "failures": failures,
    }
    targets = [
        target("previous index serves after kill", served_whole, ">=", trials),
        target("next index repairs", repaired, ">=", trials),
        target("feedback rows kept", kept, ">=", trials),
    ]
    return {"metrics": metrics, "targets": targets}


def _mutate(knowledge: Path, rng: random.Random, trial: int) -> None:
    """Edit one article, add one, and every other trial delete one."""
    articles = sorted(p for p in knowledge.rglob("*.md") if p.is_file())
    edited = rng.choice(articles)
    with edited.open("a", encoding="utf-8") as fh:
        fh.write(f"\n\n## Note {trial}\n\nA coach added this note in trial {trial}: easy days "
                 "stay easy, and strength work comes after the run, not before it.\n")  # fmt: skip
    (knowledge / f"added-{trial}.md").write_text(
        f"# Added article {trial}\n\n## Why it is here\n\nTrial {trial} of the kill test adds "
        "this article so each run has new passages to embed and store. It talks about easy "
        "running, rest and strength sessions in plain words.\n",
        encoding="utf-8",
    )
    if trial % 2 == 0:
        added = sorted(knowledge.glob("added-*.md"))
        if len(added) > 1:
            rng.choice(added[:-1]).unlink()


def _check(data: Path, knowledge: Path, root: Path, env: dict) -> dict | None:
    try:
        return json.loads(_python(CHECK, [str(data), str(knowledge)], env, root))
    except (RuntimeError, json.JSONDecodeError) as exc:
        note(f"check failed: {str(exc)[-300:]}")
        return None


def _python(code: str, args: list[str], env: dict, cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, cwd=cwd, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return done.stdout.strip().splitlines()[-1]


def _coach(args: list[str], env: dict, cwd: Path) -> None:
    done = subprocess.run(
        [*coach_command(), *args], env=env, cwd=cwd, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"coach {' '.join(args)} failed: {done.stderr[-1000:]}")


def _feedback_init(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE IF NOT EXISTS trial_votes (trial INTEGER, note TEXT)")


def _feedback_add(path: Path, trial: int) -> None:
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO trial_votes VALUES (?, ?)", (trial, f"👎 reason {trial}"))


def _feedback_count(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM trial_votes").fetchone()[0]


def _feedback_ok(path: Path) -> bool:
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    raise SystemExit(main())
