"""Real disk faults for `coach` (needs root for `mount`): a full disk and a read-only data dir.

Each trial mounts a small tmpfs as COACH_DATA_DIR and checks that every command ends in one
`error:` line (no traceback) that says what to do, and that the previous index keeps serving
where it can:

- tiny disk: `coach index` into a 256 KB tmpfs;
- full disk: an index built, then the disk filled, then an article added and `coach index`;
- read-only: an index built, the mount remounted read-only, an article added, `coach index`,
  then `coach search` (answers, or one line when embedded Chroma cannot open the store).

    sudo HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.fault_trials
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from benchmarks._common import KNOWLEDGE, child_env, coach_command, emit_result, note, target

ARTICLE = (
    "# Cadence drills\n\n## Quick feet\n\nA cadence drill asks for short, quick steps for twenty "
    "seconds at an easy effort, then twenty seconds of normal running, five times over.\n"
)


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def coach(env: dict, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*coach_command(), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=900
    )


def one_line(done: subprocess.CompletedProcess, *needles: str) -> tuple[bool, str]:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    ok = (
        done.returncode != 0
        and len(errors) == 1
        and "Traceback" not in done.stderr + done.stdout
        and all(n.lower() in errors[0].lower() for n in needles)
    )
    return ok, " ".join(" ".join(errors or lines[-1:]).split())[:300]


def main() -> int:
    results: list[tuple[str, bool, str]] = []
    with tempfile.TemporaryDirectory(prefix="faults-") as tmp:
        root = Path(tmp)
        knowledge = root / "knowledge"
        shutil.copytree(KNOWLEDGE, knowledge)
        try:
            with tmpfs(root / "tiny", "256k") as data:
                env = child_env(COACH_KNOWLEDGE_DIR=str(knowledge), COACH_DATA_DIR=str(data))
                ok, said = one_line(coach(env, root, "index"), "space")
                results.append(("index into a 256 KB disk", ok, said))
        except subprocess.CalledProcessError:
            print("mount failed: run as root (sudo) to try real disk faults")
            return 2

        with tmpfs(root / "full", "256m") as data:
            env = child_env(COACH_KNOWLEDGE_DIR=str(knowledge), COACH_DATA_DIR=str(data))
            built = coach(env, root, "index")
            note(f"built: exit {built.returncode}")
            filler = data / "filler.bin"
            with filler.open("wb") as fh, contextlib.suppress(OSError):
                while True:
                    fh.write(b"\0" * (1 << 20))
            (knowledge / "cadence.md").write_text(ARTICLE, encoding="utf-8")
            ok, said = one_line(coach(env, root, "index"), "space")
            results.append(("index on a full disk", ok, said))
            # Embedded Chroma writes as it opens, so a new process may not even open the store;
            # then it must say so in one line. (A running bot keeps answering from memory.)
            search = coach(env, root, "search", "how often should I lift")
            if search.returncode == 0:
                results.append(("search on a full disk", True, "answered"))
            else:
                ok, said = one_line(search, "space")
                results.append(("search on a full disk (one line)", ok, said))
            (knowledge / "cadence.md").unlink()

        with tmpfs(root / "ro", "256m") as data:
            env = child_env(COACH_KNOWLEDGE_DIR=str(knowledge), COACH_DATA_DIR=str(data))
            built = coach(env, root, "index")
            note(f"built: exit {built.returncode}")
            subprocess.run(["mount", "-o", "remount,ro", str(data)], check=True)
            (knowledge / "cadence.md").write_text(ARTICLE, encoding="utf-8")
            ok, said = one_line(coach(env, root, "index"), "read-only")
            results.append(("index on a read-only data dir", ok, said))
            search = coach(env, root, "search", "how often should I lift")
            if search.returncode == 0:
                results.append(("search on a read-only data dir", True, "answered"))
            else:
                ok, said = one_line(search)
                results.append(("search on a read-only data dir (one line)", ok, said))

    for name, ok, said in results:
        print(f"  [{'ok' if ok else 'FAIL'}] {name}: {said}")
    passed = sum(ok for _, ok, _ in results)
    emit_result(
        "fault_trials",
        {"passed": passed, "trials": len(results), "said": {n: s for n, _, s in results}},
        [target("one-line faults", passed, ">=", len(results))],
        headline=f"{passed}/{len(results)}",
    )
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
