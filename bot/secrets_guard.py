"""Secrets never printed: one redactor, built from the settings, for logs and error lines.

Installed as early as the settings are known (the CLI callback, `load_settings`, `CoachApp`),
it rewrites every log record (message and traceback) and every CLI error line, replacing
DISCORD_TOKEN, COACH_LLM_API_KEY (and OPENAI_API_KEY, which the OpenAI client reads itself).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from pydantic import SecretStr

from answering import redaction
from answering.redaction import Redactor

# Read straight from the environment too: a setting that failed validation still has a value.
SECRET_ENV = ("DISCORD_TOKEN", "COACH_LLM_API_KEY", "OPENAI_API_KEY")

_current = Redactor()


def protect(settings: object | None = None, extra: Iterable[str | SecretStr | None] = ()) -> None:
    """Redact the settings' secret values (and the secret environment variables) from now on."""
    global _current
    values: list[str | SecretStr | None] = [os.environ.get(name) for name in SECRET_ENV]
    values.extend(extra)
    if settings is not None:
        fields = getattr(type(settings), "model_fields", {})
        values.extend(
            value
            for name in fields
            if isinstance(value := getattr(settings, name, None), SecretStr)
        )
    _current = Redactor(values)
    redaction.install(_current)


def redact(text: str) -> str:
    """`text` without any secret value `protect` knows about."""
    return _current.redact(text)
