"""Fixtures for the answer layer: the real index over knowledge/, a loopback fake LLM."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from answering.pipeline import CoachAnswerer, make_answerer
from bot.settings import Settings
from tests.answering.helpers import cite_first_sentences
from tests.fakes.openai_server import FakeOpenAIServer


@pytest.fixture
def fake_llm() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(reply=cite_first_sentences) as server:
        yield server


# The project's own cap (COACH_LLM_TIMEOUT_S): a healthy loopback reply never misses it, however
# busy the machine. Tests about the cap set a short one of their own.
ROOMY_CAP_S = 30.0


def llm_settings_for(server: FakeOpenAIServer, **overrides: object) -> Settings:
    """COACH_LLM pointed at `server` through the real OpenAI client, with the roomy cap."""
    values: dict[str, object] = {
        "llm": "openai:fake-model", "llm_base_url": server.base_url, "llm_api_key": "test-key",
        "llm_timeout_s": ROOMY_CAP_S, "llm_max_retries": 2, "llm_max_tokens": 300,
    }  # fmt: skip
    return Settings(**{**values, **overrides})


@pytest.fixture
def llm_settings(fake_llm: FakeOpenAIServer) -> Settings:
    return llm_settings_for(fake_llm)


@pytest.fixture
def llm_answerer(llm_settings: Settings, guides_retriever, embedder) -> CoachAnswerer:
    """The answerer exactly as the app builds it, talking to the fake through ChatOpenAI."""
    answerer = make_answerer(llm_settings.answer_config(), guides_retriever, embedder)
    assert isinstance(answerer, CoachAnswerer)
    return answerer
