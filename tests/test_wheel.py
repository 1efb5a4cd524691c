"""`pip install .` without `-e`, run from any folder: the prompts and data ship in the wheel.

The wheel is built from a copy of the sources (no network, no build isolation) and installed
with --no-deps into a fresh venv that borrows the dependencies of the running one, so the test
takes seconds. Only the installed package is on that venv's path: not the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

from tests.answering.helpers import cite_first_sentences
from tests.conftest import KNOWLEDGE_DIR, REPO
from tests.fakes.openai_server import FakeOpenAIServer

pytestmark = pytest.mark.packaging


def _copy_sources(dest: Path) -> Path:
    """pyproject, README and the packages the wheel ships, without caches or build output."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {p.rstrip("*.") for p in config["tool"]["setuptools"]["packages"]["find"]["include"]}
    dest.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, dest / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in sorted(packages):
        shutil.copytree(REPO / package, dest / package, ignore=ignore)
    return dest


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, f"{args[:3]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv holding the built wheel; its dependencies come from the running venv."""
    root = tmp_path_factory.mktemp("wheel")
    src = _copy_sources(root / "src")
    _run(sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation",
         "--no-index", "-q", "-w", root / "dist", cwd=src)  # fmt: skip
    (wheel,) = (root / "dist").glob("club_coach-*.whl")
    venv = root / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=root)
    python = venv / "bin" / "python"
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=root)
    # A plain path line: the running venv's packages, but not its editable hook to the checkout.
    Path(site.strip(), "club_coach_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
         "-q", wheel, cwd=root)  # fmt: skip
    return venv


def test_the_installed_package_is_the_one_imported(installed: Path, tmp_path: Path) -> None:
    where = _run(
        installed / "bin" / "python",
        "-c",
        "import answering, prompts; print(answering.__file__); print(prompts.__file__)",
        cwd=tmp_path,
    )
    for line in where.split():
        assert Path(line).is_relative_to(installed), where


def test_coach_ask_in_llm_mode_from_an_unrelated_folder(
    installed: Path, bundled_index: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(bundled_index, data_dir)
    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    with FakeOpenAIServer(reply=cite_first_sentences) as llm:
        env = {
            **{k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
            "COACH_DATA_DIR": str(data_dir),
            "COACH_KNOWLEDGE_DIR": str(KNOWLEDGE_DIR),
            "COACH_LLM": "openai:fake-model",
            "COACH_LLM_BASE_URL": llm.base_url,
            "COACH_LLM_API_KEY": "test-key",
        }
        out = _run(installed / "bin" / "coach", "ask", "--json",
                   "Should I foam roll before or after a run?", cwd=elsewhere, env=env)  # fmt: skip
        answer = json.loads(out)
        assert answer["mode"] == "llm", answer
        assert answer["citations"]
        # The system prompt the model saw is the shipped prompts/system.md.
        first_line = (REPO / "prompts" / "system.md").read_text(encoding="utf-8").splitlines()[0]
        assert llm.calls >= 1
        assert first_line in llm.requests[-1].text_of("system")
