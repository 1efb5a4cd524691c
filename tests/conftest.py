"""Shared fixtures: the real embedding model once per session, and isolated data dirs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import HealthCheck, settings

# Nothing may reach a model hub; set before any test imports sentence-transformers.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ["ANONYMIZED_TELEMETRY"] = "False"

# The suite is not a lottery: the default Hypothesis profile is derandomized (the same examples
# every run, in every area) and keeps no example database; known failures are pinned with
# @example in the tests. `HYPOTHESIS_PROFILE=deep` runs many more random examples for a search.
_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}
settings.register_profile("ci", derandomize=True, database=None, max_examples=120, **_COMMON)
settings.register_profile("deep", max_examples=2000, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = REPO / "knowledge"


# A test that needs the real embedding model (so also any index), the session's index of the
# bundled knowledge or the shipped judge model, starts a Chroma server or builds the wheel is
# `slow`, whoever writes it: `make test-fast` leaves these out. Other slow tests (long property
# searches, the cross-encoder's torch import) carry the mark themselves.
SLOW_FIXTURES = frozenset({"embedder", "bundled_index", "guides_retriever", "judge"})
SLOW_MARKS = frozenset({"server", "packaging"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        marks = {mark.name for mark in item.iter_markers()}
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())) or SLOW_MARKS & marks:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own data dir and runs outside the repo (no stray .env)."""
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "coach-data"))
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(KNOWLEDGE_DIR))
    for name in (
        "COACH_CHROMA_URL",
        "COACH_LLM",
        "COACH_LLM_BASE_URL",
        "COACH_LLM_API_KEY",
        "DISCORD_TOKEN",
        "COACH_GUILD_ID",
        "COACH_REVIEW_CHANNEL_ID",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def embedder():
    """The real bundled MiniLM model, loaded once for the whole session."""
    from retrieval.embedding import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def bundled_index(embedder, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding the index of the bundled knowledge/, built once per session.

    Shared by every area's tests: treat it as read-only (tests that change knowledge or
    the index build their own).
    """
    from retrieval.live_index import open_retriever

    data_dir = tmp_path_factory.mktemp("bundled-index")
    open_retriever(KNOWLEDGE_DIR, data_dir, embedder)
    return data_dir


class WritableKb(NamedTuple):
    knowledge: Path
    data_dir: Path


@pytest.fixture
def writable_kb(bundled_index: Path, tmp_path: Path) -> WritableKb:
    """The test's own copy of the bundled knowledge folder and of its index, free to change."""
    knowledge = shutil.copytree(KNOWLEDGE_DIR, tmp_path / "knowledge")
    return WritableKb(knowledge, shutil.copytree(bundled_index, tmp_path / "data"))


def use_session_model(patch: pytest.MonkeyPatch, embedder) -> None:
    """Apps the test builds (CLI runs, `coach` commands) get the session's model, not a new one."""
    patch.setattr("retrieval.embedding.SentenceTransformerEmbedder", lambda *a, **k: embedder)


@pytest.fixture
def session_model(monkeypatch: pytest.MonkeyPatch, embedder) -> None:
    """`use_session_model` for one test (use it by name, or with `usefixtures`)."""
    use_session_model(monkeypatch, embedder)


@pytest.fixture(scope="session")
def guides_retriever(bundled_index: Path, embedder):
    """The real hybrid retriever over the bundled knowledge/ (session-wide, read-only)."""
    from retrieval.live_index import open_retriever

    return open_retriever(KNOWLEDGE_DIR, bundled_index, embedder, update=False)


def _real_make_judge():
    """The factory itself, taken before any test patches it (see `_share_the_judge`)."""
    from retrieval.judge import make_judge

    return make_judge


_REAL_MAKE_JUDGE = _real_make_judge()


class _SessionJudge:
    """The shipped judge model, loaded on first use and then shared by the whole session."""

    def __init__(self) -> None:
        self._judge = None

    def get(self):
        if self._judge is None:
            self._judge = _REAL_MAKE_JUDGE("bundled")
        return self._judge


_SESSION_JUDGE = _SessionJudge()


@pytest.fixture(scope="session")
def judge():
    """The real shipped judge model (retrieval/data/judge), loaded once for the session."""
    return _SESSION_JUDGE.get()


@pytest.fixture(autouse=True)
def _share_the_judge(monkeypatch: pytest.MonkeyPatch) -> None:
    """Apps built by tests (COACH_JUDGE=bundled, the default) get the session's judge instead
    of loading the model again; `off` and folders go through the real factory."""
    import retrieval.judge

    def make_judge(choice: str, *, cache_dir=None):
        # The shared judge keeps passages in memory only: tests must not share files.
        if choice.strip().lower() in ("", "bundled"):
            return _SESSION_JUDGE.get()
        return _REAL_MAKE_JUDGE(choice, cache_dir=cache_dir)

    monkeypatch.setattr(retrieval.judge, "make_judge", make_judge)
