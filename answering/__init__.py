"""Where an answer gets made: grounded, cited answers from the guides, with or without an LLM.

`models` (Answer, Citation, Turn) and `protocols` (Answerer) are the contract; `extractive` is the
default composer; `pipeline` (CoachAnswerer) adds red flags, follow-ups, the LLM, citation checks
(`grounding`) and fallbacks; templates come from the `prompts` package. It reads an AnswerConfig,
never the app's Settings, knows no surface's limits, and imports only `retrieval`.
"""

from __future__ import annotations

from .errors import ConfigError, LLMOutputError
from .pipeline import CoachAnswerer, make_answerer

__all__ = ["CoachAnswerer", "ConfigError", "LLMOutputError", "make_answerer"]
