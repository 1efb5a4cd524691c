"""Sentence vectors for the rerank and the answerability signal, made at index time.

Each passage's sentences are encoded when the passage is embedded, in the same model call as
its passage and heading texts, so no question ever embeds passage text and a one-file change
encodes only that file's sentences. (Pooling each sentence from the passage's own token vectors
costs no encoder work, but on the ten dev sets it refused 54 of 138 out-of-scope questions
instead of 98: the bands are tuned on sentences read alone. See the README.)

Vectors are kept per segment, beside it in the data folder (`sentence-vectors/<segment>.npy`
plus a small `.json` index), written once like the segment, read through a memory map.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from retrieval.models import Chunk
from retrieval.protocols import Embedder
from retrieval.text import split_sentences

log = logging.getLogger(__name__)

SENTENCE_MIN_WORDS = 4
FOLDER = "sentence-vectors"
# Halves the file and the page cache; cosine error ~1e-4, far below any decision's margin.
_DTYPE = np.float16


def passage_sentences(text: str, min_words: int = SENTENCE_MIN_WORDS) -> list[str]:
    """The sentences compared with a question: those of `min_words` words or more, or the
    whole passage when none is that long (whitespace folded)."""
    flat = " ".join(text.split())
    long = [s for s in split_sentences(flat) if len(s.split()) >= min_words]
    return long or [flat]


def embed_chunks(
    embedder: Embedder, chunks: Sequence[Chunk]
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Passage vectors, heading vectors and each passage's sentence vectors, in one model call
    (the model sorts one call's texts by length, so the short sentences batch together)."""
    groups = [passage_sentences(c.text) for c in chunks]
    texts = [c.embedding_text() for c in chunks] + [c.heading_text() for c in chunks]
    vectors = embedder.embed(texts + [s for group in groups for s in group])
    n = len(chunks)
    return vectors[:n], vectors[n : 2 * n], _split(vectors[2 * n :], groups)


def encode_sentences(embedder: Embedder, texts: Sequence[str]) -> list[np.ndarray]:
    """Each passage's sentence vectors (for passages of a segment stored without them)."""
    groups = [passage_sentences(t) for t in texts]
    flat = [s for group in groups for s in group]
    return _split(embedder.embed(flat) if flat else np.zeros((0, 0), np.float32), groups)


def _split(vectors: np.ndarray, groups: Sequence[Sequence[str]]) -> list[np.ndarray]:
    out, start = [], 0
    for group in groups:
        out.append(np.asarray(vectors[start : start + len(group)], dtype=np.float32))
        start += len(group)
    return out


# -- per-segment files -------------------------------------------------------------------------
def folder(data_dir: Path) -> Path:
    return data_dir / FOLDER


def save_segment(
    data_dir: Path, segment: str, ids: Sequence[str], vectors: Sequence[np.ndarray]
) -> None:
    """Write one segment's sentence vectors (each file atomically; before the manifest
    names the segment, so a reader never sees a segment without them)."""
    target = folder(data_dir)
    target.mkdir(parents=True, exist_ok=True)
    dim = next((v.shape[1] for v in vectors if v.ndim == 2 and v.shape[1]), 0)
    counts = [len(v) for v in vectors]
    matrix = (
        np.concatenate([np.asarray(v, dtype=_DTYPE).reshape(-1, dim) for v in vectors])
        if vectors and dim
        else np.zeros((0, dim), _DTYPE)
    )
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(int).tolist()
    buffer = io.BytesIO()
    np.save(buffer, matrix)
    _atomic(target / f"{segment}.npy", buffer.getvalue())
    index = {"ids": list(ids), "offsets": offsets, "dim": dim}
    _atomic(target / f"{segment}.json", json.dumps(index).encode("utf-8"))


def load_segment(data_dir: Path, segment: str) -> dict[str, np.ndarray] | None:
    """Chunk id -> its sentence vectors (memory-mapped views), or None when the segment has
    no usable file (written before sentence vectors were stored, or damaged)."""
    base = folder(data_dir) / segment
    try:
        index = json.loads(base.with_suffix(".json").read_text(encoding="utf-8"))
        matrix = np.load(base.with_suffix(".npy"), mmap_mode="r")
        ids, offsets = index["ids"], index["offsets"]
        if (
            matrix.ndim != 2
            or matrix.shape[1] != index["dim"]
            or len(offsets) != len(ids) + 1
            or offsets[-1] != len(matrix)
        ):
            raise ValueError("index and vectors disagree")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("sentence vectors of segment %s unusable (%s); embedding lazily", segment, exc)
        return None
    return {cid: matrix[offsets[n] : offsets[n + 1]] for n, cid in enumerate(ids)}


def drop_segments(data_dir: Path, keep: set[str]) -> None:
    """Remove the files of segments no longer kept (an open memory map stays readable)."""
    target = folder(data_dir)
    if not target.is_dir():
        return
    for path in target.iterdir():
        if path.suffix in (".npy", ".json", ".tmp") and path.stem not in keep:
            with contextlib.suppress(OSError):
                path.unlink()


def _atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
