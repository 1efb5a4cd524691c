"""Vectors of the calibration questions, kept in the data folder between index generations.

Calibrating abstention runs ~100 questions through the index: the off-topic bank (the same
every time) and pseudo-questions drawn from passages (the same while their passage is). Their
vectors are cached by model and text, so a one-file change embeds only the few new questions,
in one batch.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

CACHE_NAME = "calibration-vectors.npz"


def question_vectors(
    data_dir: Path, model: str, texts: Sequence[str], embed: Callable[[list[str]], np.ndarray]
) -> np.ndarray:
    """One vector per text: from the cache, the rest embedded in one call. The cache then
    holds exactly these texts (it never grows past one calibration's questions)."""
    keys = [_key(model, t) for t in texts]
    cached = _load(data_dir / CACHE_NAME)
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in cached}.items())
    if missing:
        fresh = embed([t for _, t in missing])
        cached.update(
            {k: np.asarray(v, np.float32) for (k, _), v in zip(missing, fresh, strict=True)}
        )
        _save(data_dir / CACHE_NAME, {k: cached[k] for k in keys})
    if not keys:
        return np.zeros((0, 0), np.float32)
    return np.stack([cached[k] for k in keys])


def _key(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\n{text}".encode()).hexdigest()[:24]


def _load(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as got:
            return dict(zip(got["keys"].tolist(), got["vectors"], strict=True))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError) as exc:  # damaged: embed again, rewrite it
        log.warning("ignoring the calibration question cache %s: %s", path, exc)
        return {}


def _save(path: Path, vectors: dict[str, np.ndarray]) -> None:
    """Best effort and atomic: a read-only data dir only means embedding them again."""
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".calibration-", suffix=".npz", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, keys=np.asarray(list(vectors)), vectors=np.stack(list(vectors.values())))
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("could not cache the calibration question vectors in %s: %s", path, exc)
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
