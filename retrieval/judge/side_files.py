"""Passages' token vectors kept on disk, next to the index, for the judge.

A one-shot `coach ask` starts with an empty memory (`SideCache`) and would encode every
passage it judges (~10 ms each); the vectors of a passage never change for one judge model, so
they are written once and read back by later processes. A file per passage, named by a hash of
the judge files and the passage text; written to a temporary name and renamed, so two processes
never read half a file. It is only a cache: a file that will not load is removed and the
passage encoded again.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from retrieval.judge.side_cache import SideState

log = logging.getLogger(__name__)

# Past this many files the oldest are removed (checked every PRUNE_EVERY writes): about
# 100 kB each, so at most ~400 MB for a very large club library.
MAX_FILES = 4000
PRUNE_EVERY = 200
STRAY_SECONDS = 600.0


class SideFiles:
    def __init__(self, folder: Path, model_key: str) -> None:
        """`model_key` names the judge files (their hash): another model's vectors never load."""
        self.folder = folder / model_key[:16]
        self._writes = 0

    def get(self, text: str) -> SideState | None:
        path = self._path(text)
        try:
            with np.load(path) as saved:
                state = (saved["hidden"], saved["content"], saved["offsets"])
        except (FileNotFoundError, NotADirectoryError):
            return None
        except Exception as exc:  # a damaged or foreign file: drop it, encode again
            log.debug("judge cache file %s unreadable (%s); removing it", path, exc)
            _remove(path)
            return None
        if not (len(state[0]) == len(state[1]) == len(state[2])):
            _remove(path)
            return None
        return state

    def put(self, text: str, state: SideState) -> None:
        path = self._path(text)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".side-", suffix=".npz", dir=self.folder)
            with os.fdopen(fd, "wb") as out:
                np.savez(out, hidden=state[0], content=state[1], offsets=state[2])
            os.replace(tmp, path)
        except OSError as exc:  # a read-only or full disk costs speed, never an answer
            log.debug("cannot keep judge vectors in %s: %s", self.folder, exc)
            return
        self._writes += 1
        if self._writes % PRUNE_EVERY == 0:
            self.prune()

    def prune(self, keep: int = MAX_FILES) -> None:
        """Remove the oldest files past `keep` (and stray temporary files)."""
        try:
            files = sorted(self.folder.glob("*.npz"), key=lambda f: f.stat().st_mtime)
        except OSError:
            return
        # A temporary file is stray once old: another process may be writing a young one.
        stray = [f for f in files if f.name.startswith(".side-") and _age(f) > STRAY_SECONDS]
        kept = [f for f in files if not f.name.startswith(".side-")]
        for f in stray + kept[: max(0, len(kept) - keep)]:
            _remove(f)

    def __len__(self) -> int:
        try:
            return sum(1 for f in self.folder.glob("*.npz") if not f.name.startswith(".side-"))
        except OSError:
            return 0

    def _path(self, text: str) -> Path:
        return self.folder / (hashlib.sha256(text.encode("utf-8")).hexdigest()[:32] + ".npz")


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0
