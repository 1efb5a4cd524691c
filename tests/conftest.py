"""Shared fixtures: the real embedding model once per session, and isolated data dirs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Nothing may reach a model hub; set before any test imports sentence-transformers.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ["ANONYMIZED_TELEMETRY"] = "False"

REPO = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = REPO / "knowledge"


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
