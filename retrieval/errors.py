"""Errors a person can read, raised by the retrieval core and shown by the adapters."""

from __future__ import annotations


class CoachError(Exception):
    """Base for every error whose message is meant for the user as it is."""


class KnowledgeError(CoachError):
    """A knowledge file cannot be used (unreadable, binary, too large, outside the folder...)."""


class IndexBusyError(CoachError):
    """Another process holds the index writer lock."""


class IndexUnavailableError(CoachError):
    """No usable index: not built yet, or the store cannot be reached."""


class StoreDamagedError(IndexUnavailableError):
    """The embedded store's files are damaged; `coach index --rebuild` moves them aside."""


class StoreWriteError(CoachError):
    """The data folder cannot be written (disk full, read-only); the previous index serves."""
