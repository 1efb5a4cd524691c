"""The chat model factory: COACH_LLM -> a LangChain chat model, or None for extractive answers."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .config import AnswerConfig
from .errors import ConfigError
from .llm_deadline import DeadlineTransport

if TYPE_CHECKING:
    from langchain_core.runnables import Runnable

log = logging.getLogger(__name__)

CHOICES = (
    "extractive (default: no LLM, answers quote the guides)",
    "openai:<model> (OpenAI; COACH_LLM_API_KEY or OPENAI_API_KEY)",
    "openai-compatible:<model> (any OpenAI-compatible server at COACH_LLM_BASE_URL)",
    "ollama:<model> (a local Ollama server; COACH_LLM_BASE_URL if not localhost:11434)",
)
# Local OpenAI-compatible servers (vLLM, llama.cpp, LM Studio) ignore the key, the client wants one.
PLACEHOLDER_KEY = "not-needed"


@dataclass(frozen=True)
class LLMChoice:
    provider: str  # "extractive" | "openai" | "openai-compatible" | "ollama"
    model: str | None = None

    @property
    def is_llm(self) -> bool:
        return self.provider != "extractive"


def parse_llm(spec: str) -> LLMChoice:
    """Read COACH_LLM; an unknown provider is a ConfigError listing the choices."""
    spec = spec.strip()
    if spec.lower() in ("", "extractive", "none", "off"):
        return LLMChoice("extractive")
    provider, sep, model = spec.partition(":")
    provider = provider.strip().lower()
    if provider not in ("openai", "openai-compatible", "ollama"):
        raise ConfigError(f"Unknown COACH_LLM '{spec}'. Choose one of: " + "; ".join(CHOICES))
    if not sep or not model.strip():
        raise ConfigError(
            f"COACH_LLM '{spec}' names no model: write it as {provider}:<model>, "
            f"for example {provider}:{'llama3.2' if provider == 'ollama' else 'gpt-4o-mini'}."
        )
    return LLMChoice(provider, model.strip())


def make_chat_model(settings: AnswerConfig) -> Runnable | None:
    """The configured chat model (timeout, token cap); None if extractive.

    The model makes one attempt per call: retries, their waits and the answer's wall-clock cap
    are the answer layer's (`deadline.with_retries`, `call_with_deadline`), and every request
    goes through `DeadlineTransport`, so no retry, `Retry-After` or trickling reply outlasts it.
    """
    choice = parse_llm(settings.llm)
    if not choice.is_llm:
        return None
    if choice.provider == "openai-compatible" and not settings.llm_base_url:
        raise ConfigError(
            "COACH_LLM=openai-compatible:<model> needs COACH_LLM_BASE_URL "
            "(e.g. http://localhost:8000/v1)."
        )
    try:
        if choice.provider == "ollama":
            return _ollama(choice, settings)
        return _openai(choice, settings)
    except ConfigError:
        raise
    except Exception as exc:  # the provider library's own complaint, made readable
        raise ConfigError(f"Cannot set up the LLM '{settings.llm}': {exc}") from exc


def _openai(choice: LLMChoice, settings: AnswerConfig) -> Runnable:
    import httpx
    from langchain.chat_models import init_chat_model

    kwargs: dict[str, Any] = {
        "timeout": settings.llm_timeout_s,
        # The client's own retries would sleep as long as Retry-After says: ours don't.
        "max_retries": 0,
        "max_tokens": settings.llm_max_tokens,
        "http_client": httpx.Client(transport=DeadlineTransport(), timeout=settings.llm_timeout_s),
    }
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    if settings.llm_base_url:
        kwargs["base_url"] = settings.llm_base_url
        # Compatible servers speak chat completions, rarely the Responses API.
        kwargs["use_responses_api"] = False
        key = key or PLACEHOLDER_KEY
    if key:
        kwargs["api_key"] = key
    log.info("LLM: openai model %s at %s", choice.model, settings.llm_base_url or "api.openai.com")
    try:
        return init_chat_model(choice.model, model_provider="openai", **kwargs)
    except Exception as exc:
        if "api_key" in str(exc).lower() or "API key" in str(exc):
            raise ConfigError(
                f"COACH_LLM={settings.llm} needs an API key: set COACH_LLM_API_KEY."
            ) from exc
        raise


def _ollama(choice: LLMChoice, settings: AnswerConfig) -> Runnable:
    from langchain.chat_models import init_chat_model

    kwargs: dict[str, Any] = {
        "num_predict": settings.llm_max_tokens,
        "client_kwargs": {"timeout": settings.llm_timeout_s},
        # Only the sync client is used (answers run in worker threads); it gets the cap.
        "sync_client_kwargs": {"transport": DeadlineTransport()},
    }
    if settings.llm_base_url:
        kwargs["base_url"] = settings.llm_base_url
    log.info("LLM: ollama model %s at %s", choice.model, settings.llm_base_url or "localhost")
    return init_chat_model(choice.model, model_provider="ollama", **kwargs)
