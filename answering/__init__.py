"""The answer layer: grounded, cited answers from the guides, with or without an LLM."""

from __future__ import annotations

from .errors import ConfigError, LLMOutputError
from .pipeline import CoachAnswerer, make_answerer

__all__ = ["CoachAnswerer", "ConfigError", "LLMOutputError", "make_answerer"]
