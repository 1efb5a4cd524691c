"""Errors of the answer layer that a person can read."""

from __future__ import annotations

from retrieval.errors import CoachError


class ConfigError(CoachError):
    """The answer layer is misconfigured (unknown LLM provider, missing URL or key...)."""


class LLMOutputError(CoachError):
    """The LLM replied with something that cannot be used as an answer."""


class LLMTimeoutError(CoachError):
    """The LLM did not answer within the answer's wall-clock cap (retries and waits included)."""
