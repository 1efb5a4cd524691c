"""Secrets never printed: redact configured secret values from messages and log records.

A provider that echoes the API key in a 401 ("Incorrect API key provided: sk-...") would
otherwise put it in the log and, through an error reply, in front of a member. `Redactor`
replaces every configured secret value (the tail an echo may shorten it to, and its base64
and percent-encoded forms) with a marker; `RedactingFilter` applies it to every log record,
exception text included.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

from pydantic import SecretStr

MARKER = "[redacted]"
# Shorter values are not secrets worth matching (and would redact ordinary words).
MIN_SECRET_CHARS = 6
# Providers often echo a key shortened to its last characters ("sk-...abcd1234").
TAIL_CHARS = 8


class Redactor:
    """Replaces known secret values in text; an empty redactor changes nothing."""

    def __init__(self, secrets: Iterable[str | SecretStr | None] = ()) -> None:
        values: set[str] = set()
        for secret in secrets:
            value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
            if value and len(value.strip()) >= MIN_SECRET_CHARS:
                value = value.strip()
                values.add(value)
                if len(value) >= 2 * TAIL_CHARS:
                    values.add(value[-TAIL_CHARS:])
                values.update(encoded_forms(value))
        # Longest first, so a whole key is replaced before its tail is looked for.
        ordered = sorted(values, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    @classmethod
    def from_config(cls, config: Any) -> Redactor:
        """Every SecretStr field of a settings/config object."""
        fields = getattr(type(config), "model_fields", {})
        return cls(v for name in fields if isinstance(v := getattr(config, name, None), SecretStr))

    def __bool__(self) -> bool:
        return self._pattern is not None

    def redact(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(MARKER, text)


def encoded_forms(value: str) -> set[str]:
    """The value as a provider may echo it: percent-encoded, or base64 (standard or URL-safe)
    at any of the three alignments it can take inside a longer encoded blob."""
    raw = value.encode("utf-8")
    forms = {
        quote(value, safe=""),
        quote(value),
        quote_plus(value),
        "".join(f"%{byte:02X}" for byte in raw),
        "".join(f"%{byte:02x}" for byte in raw),
    }
    for skip in range(3):
        encoded = base64.b64encode(b"\0" * skip + raw).decode("ascii")
        # Only the characters made of the value's own bits: not those it shares with a
        # neighbouring byte or the padding.
        core = encoded[-(-8 * skip // 6) : 8 * (skip + len(raw)) // 6]
        forms.add(core)
        forms.add(core.replace("+", "-").replace("/", "_"))
    return {form for form in forms if len(form) >= MIN_SECRET_CHARS}


class RedactingFilter(logging.Filter):
    """A logging filter that rewrites each record's message and exception text, redacted."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.redactor:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: log what we have rather than nothing
            message = str(record.msg)
        record.msg = self.redactor.redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self.redactor.redact(text)
            record.exc_info = None  # formatted and redacted above; don't format it again
        elif record.exc_text:
            record.exc_text = self.redactor.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor.redact(record.stack_info)
        return True


def install(redactor: Redactor) -> None:
    """Redact every log record from now on, whichever logger or handler it goes to.

    Done at record creation (the record factory), so handlers added later, third-party
    loggers and exception tracebacks are covered alike. Installing again replaces the
    previous redactor rather than stacking.
    """
    global _base_factory
    if _base_factory is None:
        _base_factory = logging.getLogRecordFactory()
    base = _base_factory
    flt = RedactingFilter(redactor)

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        flt.filter(record)
        return record

    logging.setLogRecordFactory(factory)


def uninstall() -> None:
    """Back to the factory that was there before `install` (tests)."""
    global _base_factory
    if _base_factory is not None:
        logging.setLogRecordFactory(_base_factory)
        _base_factory = None


_base_factory: Any = None
