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


@pytest.fixture
def llm_settings(fake_llm: FakeOpenAIServer) -> Settings:
    """COACH_LLM pointed at the fake server, with the project's roomy cap: a healthy loopback
    reply never misses it, however busy the machine (tests about the cap set their own)."""
    return Settings(
        llm="openai:fake-model",
        llm_base_url=fake_llm.base_url,
        llm_api_key="test-key",
        llm_timeout_s=30.0,
        llm_max_retries=2,
        llm_max_tokens=300,
    )


@pytest.fixture
def llm_answerer(llm_settings: Settings, guides_retriever, embedder) -> CoachAnswerer:
    """The answerer exactly as the app builds it, talking to the fake through ChatOpenAI."""
    answerer = make_answerer(llm_settings.answer_config(), guides_retriever, embedder)
    assert isinstance(answerer, CoachAnswerer)
    return answerer
