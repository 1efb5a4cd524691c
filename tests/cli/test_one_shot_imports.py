"""A one-shot `coach ask` loads only what an extractive answer needs, and skips the
interpreter's teardown once its answer is out (issue 13: start time).

Asserted on the modules the process imported, not on time: a test can't time reliably on a
shared machine, and `python -m benchmarks.bench_cli` measures the start in seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

QUESTION = "How many times a week should runners lift weights?"
# Surfaces, the LLM, the planner, plotting, the indexing model and file parsing (nothing changed
# since `coach index`): none answers a question.
NOT_NEEDED = (
    "discord",
    "matplotlib",
    "langchain",
    "langchain_core",
    "openai",
    "torch",
    "sentence_transformers",
    "transformers",
    "planner.api",
    "icalendar",
    "scipy.sparse",
    "markdown_it",
    "retrieval.ingest.loaders",
    "trafilatura",
    "pypdf",
)
ENTRY = """
import json, sys
from bot.cli import app
try:
    app([*sys.argv[1:]], standalone_mode=False)
finally:
    print("MODULES " + json.dumps(sorted(m for m in sys.modules if m in {names!r})))
"""


def _warm_data_dir(bundled_index: Path, embedder, tmp_path: Path) -> Path:
    """A copy of the session's index plus the ONNX query encoder, as `coach index` leaves it."""
    data = tmp_path / "data"
    shutil.copytree(bundled_index, data)
    assert embedder.prepare_query_encoder()
    export = Path(embedder._cache_dir or embedder._tmp.name)
    shutil.copytree(export, data / "models", dirs_exist_ok=True)
    return data


def test_coach_ask_imports_no_surface_llm_planner_or_pytorch(
    bundled_index: Path, embedder, tmp_path: Path
) -> None:
    data = _warm_data_dir(bundled_index, embedder, tmp_path)
    env = {**os.environ, "COACH_DATA_DIR": str(data), "COACH_LLM": "extractive"}
    done = subprocess.run(
        [sys.executable, "-c", ENTRY.format(names=set(NOT_NEEDED)), "ask", QUESTION, "--json"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answer_line, modules_line = done.stdout.strip().splitlines()[-2:]
    answer = json.loads(answer_line)
    assert answer["mode"] == "extractive" and answer["citations"]
    assert json.loads(modules_line.removeprefix("MODULES ")) == []


# A real run of the program (Typer's standalone mode), with a teardown marker: atexit runs
# only when the interpreter tears down.
PROGRAM = """
import atexit, sys
atexit.register(lambda: print("TEARDOWN", file=sys.stderr, flush=True))
from bot.cli import app
app()
"""


def test_a_finished_ask_exits_without_teardown_and_a_status_with_it(
    bundled_index: Path, embedder, tmp_path: Path
) -> None:
    data = _warm_data_dir(bundled_index, embedder, tmp_path)
    env = {**os.environ, "COACH_DATA_DIR": str(data), "COACH_LLM": "extractive"}
    env["PYTHONPATH"] = str(REPO)

    def program(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", PROGRAM, *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    asked = program("ask", QUESTION, "--json")
    assert asked.returncode == 0, asked.stderr[-2000:]
    assert json.loads(asked.stdout)["citations"]  # the whole answer got out
    assert "TEARDOWN" not in asked.stderr
    status = program("status", "--json")  # not a one-shot read: exits the usual way
    assert status.returncode == 0 and json.loads(status.stdout)["files"]
    assert "TEARDOWN" in status.stderr
    refused = program("ask", "hi", "--json")  # an error keeps its exit code and message
    assert refused.returncode != 0 and "Ask a question" in refused.stderr


def test_an_ask_that_reindexed_an_edit_tears_down_as_usual(
    bundled_index: Path, embedder, tmp_path: Path
) -> None:
    """A question re-indexes an edited article first: that run wrote the index, and Chroma
    flushes its vector files at teardown, so it must not take the fast exit."""
    data = _warm_data_dir(bundled_index, embedder, tmp_path)
    knowledge = tmp_path / "knowledge"
    shutil.copytree(REPO / "knowledge", knowledge)
    env = {**os.environ, "COACH_DATA_DIR": str(data), "COACH_KNOWLEDGE_DIR": str(knowledge)}
    env |= {"COACH_LLM": "extractive", "PYTHONPATH": str(REPO)}

    def ask() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", PROGRAM, "ask", QUESTION, "--json"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    ask()  # whatever this first run had to (re)build, it is done now
    unchanged = ask()
    assert unchanged.returncode == 0 and "TEARDOWN" not in unchanged.stderr
    edited = next(knowledge.glob("*.md"))
    edited.write_text(edited.read_text(encoding="utf-8") + "\n\nOne more line.\n", "utf-8")
    reindexed = ask()
    assert reindexed.returncode == 0, reindexed.stderr[-2000:]
    assert json.loads(reindexed.stdout)["citations"]
    assert "TEARDOWN" in reindexed.stderr
