"""The chat model factory: COACH_LLM choices, clear errors, timeouts, retries and token cap."""

from __future__ import annotations

import pytest
from langchain_openai import ChatOpenAI

from answering.chat_model import LLMChoice, make_chat_model, parse_llm
from answering.errors import ConfigError
from answering.llm_deadline import DeadlineTransport
from bot.settings import Settings
from retrieval.errors import CoachError


@pytest.mark.parametrize(
    ("spec", "choice"),
    [
        ("extractive", LLMChoice("extractive")),
        ("", LLMChoice("extractive")),
        ("openai:gpt-4o-mini", LLMChoice("openai", "gpt-4o-mini")),
        ("OpenAI:gpt-4o-mini", LLMChoice("openai", "gpt-4o-mini")),
        ("ollama:llama3.2:3b", LLMChoice("ollama", "llama3.2:3b")),
        ("openai-compatible:qwen2.5", LLMChoice("openai-compatible", "qwen2.5")),
    ],
)
def test_parse_llm(spec: str, choice: LLMChoice) -> None:
    assert parse_llm(spec) == choice


@pytest.mark.parametrize("spec", ["anthropic:claude", "gpt-4o", "mistral:large"])
def test_unknown_provider_lists_the_choices(spec: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_llm(spec)
    message = str(error.value)
    assert spec in message
    for choice in ("extractive", "openai:<model>", "ollama:<model>", "openai-compatible:<model>"):
        assert choice in message
    assert isinstance(error.value, CoachError)


def test_provider_without_model_says_how_to_write_it() -> None:
    with pytest.raises(ConfigError, match="openai:<model>"):
        parse_llm("openai")


def test_extractive_builds_no_model() -> None:
    assert make_chat_model(Settings(llm="extractive").answer_config()) is None


def test_openai_compatible_server_gets_timeout_retries_and_token_cap() -> None:
    settings = Settings(
        llm="openai:fake-model", llm_base_url="http://127.0.0.1:9/v1", llm_api_key="k",
        llm_timeout_s=7, llm_max_retries=3, llm_max_tokens=321,
    )  # fmt: skip
    model = make_chat_model(settings.answer_config())
    assert isinstance(model, ChatOpenAI)
    assert model.model_name == "fake-model"
    assert model.request_timeout == 7
    # One attempt per call: the answer layer retries, within the answer's wall-clock cap.
    assert model.max_retries == 0
    assert isinstance(model.http_client._transport, DeadlineTransport)
    assert model.max_tokens == 321
    assert model.openai_api_base == "http://127.0.0.1:9/v1"
    assert model.openai_api_key.get_secret_value() == "k"


def test_compatible_server_without_key_gets_a_placeholder() -> None:
    settings = Settings(llm="openai-compatible:m", llm_base_url="http://127.0.0.1:9/v1")
    model = make_chat_model(settings.answer_config())
    assert isinstance(model, ChatOpenAI)
    assert model.openai_api_key.get_secret_value() == "not-needed"


def test_openai_compatible_needs_a_base_url() -> None:
    with pytest.raises(ConfigError, match="COACH_LLM_BASE_URL"):
        make_chat_model(Settings(llm="openai-compatible:m").answer_config())


def test_openai_without_any_key_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="COACH_LLM_API_KEY"):
        make_chat_model(Settings(llm="openai:gpt-4o-mini").answer_config())


def test_ollama_model_is_built_lazily_through_the_deadline_transport() -> None:
    settings = Settings(llm="ollama:llama3.2", llm_base_url="http://127.0.0.1:9", llm_max_retries=2)
    model = make_chat_model(settings.answer_config())
    assert type(model).__name__ == "ChatOllama"
    assert model.model == "llama3.2"
    assert model.num_predict == settings.llm_max_tokens
    assert isinstance(model.sync_client_kwargs["transport"], DeadlineTransport)
    assert isinstance(model._client._client._transport, DeadlineTransport)
