"""What the answer layer needs to know: the LLM choice and its limits (built by the app)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, SecretStr

# The longest question any surface accepts (CLI, console, Discord): one question, not an essay.
MAX_QUESTION_CHARS = 500


class AnswerConfig(BaseModel):
    """The answer layer's own settings; the app builds it from its `Settings`."""

    model_config = ConfigDict(frozen=True)

    llm: str = "extractive"
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = 30.0
    llm_max_retries: int = 2
    llm_max_tokens: int = 500
    # The longest answer the surface can show; the app passes its limit in (None: no cap).
    max_answer_chars: int | None = None
