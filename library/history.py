"""Change history of the knowledge folder: every add, replace, remove and undo, with who and when.

Each version's bytes are kept once under `<data dir>/kb-history/versions/<sha256>`; the log
is one JSON line per change. Undo writes the earlier version back (itself a change, so it
can be undone too).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from library.errors import KbError

HISTORY_DIR = "kb-history"
Action = Literal["add", "replace", "remove", "undo"]


class Change(BaseModel):
    id: int
    at: datetime
    who: str
    action: Action
    source: str
    before: str | None = None  # sha256 of the file before (None: it did not exist)
    after: str | None = None  # sha256 after (None: removed)
    undoes: int | None = None
    passages: int | None = None

    def describe(self) -> str:
        what = f"undo of #{self.undoes}" if self.action == "undo" else self.action
        return f"#{self.id} {what} `{self.source}` by {self.who}, {self.at:%Y-%m-%d %H:%M} UTC"


def write_atomic(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Readers (and the folder watcher) see the old file or the new one, never half of one.

    The temporary name starts with a dot, which the knowledge scanner ignores. `mode` is the
    new file's permission bits (mkstemp's are 0600, private: right for the data folder only).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class History:
    """The log and the kept versions. Callers hold the knowledge-base write lock."""

    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / HISTORY_DIR
        self.log_path = self.root / "changes.jsonl"

    def keep(self, data: bytes) -> str:
        """Store a version's bytes (once) and return its id."""
        sha = digest(data)
        path = self.root / "versions" / sha
        if not path.exists():
            write_atomic(path, data)
        return sha

    def version(self, sha: str) -> bytes:
        try:
            return (self.root / "versions" / sha).read_bytes()
        except FileNotFoundError:
            raise KbError(f"the kept version {sha[:10]} is missing from {self.root}") from None

    def changes(self, source: str | None = None) -> list[Change]:
        """Every change, oldest first (only those to `source` when given)."""
        try:
            lines = self.log_path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        changes = [Change.model_validate_json(line) for line in lines if line.strip()]
        return [c for c in changes if source is None or c.source == source]

    def change(self, change_id: int) -> Change:
        for change in self.changes():
            if change.id == change_id:
                return change
        raise KbError(f"there is no change #{change_id}; `/kb history` lists them")

    def record(self, **fields: object) -> Change:
        changes = self.changes()
        change = Change(id=(changes[-1].id + 1) if changes else 1, **fields)
        self.root.mkdir(parents=True, exist_ok=True)
        # One short line appended and synced: a crash leaves the log whole up to the last change.
        with open(self.log_path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(change.model_dump(mode="json")) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        return change
