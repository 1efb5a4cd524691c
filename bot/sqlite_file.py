"""Opening one of the bot's SQLite files the way every store here wants it."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def connect(path: Path) -> sqlite3.Connection:
    """A connection shared across threads (callers hold their own lock), rows by name,
    autocommit (callers BEGIN their own transactions), WAL, and a 5 s wait on a busy file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    db.row_factory = sqlite3.Row
    # Before WAL: switching the journal mode itself may have to wait for another writer.
    db.execute("PRAGMA busy_timeout=5000")
    db.execute("PRAGMA journal_mode=WAL")
    return db
