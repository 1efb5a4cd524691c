"""Readable errors of the knowledge-base admin, shown as they are by every adapter."""

from __future__ import annotations

from retrieval.errors import CoachError


class KbError(CoachError):
    """A knowledge-base change cannot be made; the message says why and what to do."""


class KbBusyError(KbError):
    """Another coach is changing the knowledge base right now."""


class FetchError(KbError):
    """A URL cannot be fetched safely (bad scheme, private address, too large, too slow...)."""
