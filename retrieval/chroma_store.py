"""Chroma adapter: embedded PersistentClient by default, a `chroma run` server when configured.

Every Chroma failure leaves here as one readable `CoachError`: a damaged store, a full disk, a
read-only data folder or an unreachable server each say what happened and what to do.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import shutil
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from retrieval import vector_files
from retrieval.errors import (
    CoachError,
    IndexUnavailableError,
    StoreDamagedError,
    StoreWriteError,
)
from retrieval.models import Chunk

log = logging.getLogger(__name__)

COLLECTION_PREFIX = "coach-chunks-"
STORE_DIR = "chroma"
_ADD_BATCH = 512
SEGMENT_METADATA: dict[str, object] = {"hnsw:space": "cosine"}
_READ_BATCH = 2048
# Stored vectors are L2-normalised; anything else was not written by us (garbled file).
_NORM_TOLERANCE = 1e-2
OPENING = "opening the index store"
_SEGMENT_DIR = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def open_client(data_dir: Path, chroma_url: str | None):
    """Return a Chroma client; telemetry is off because nothing may leave the machine."""
    import chromadb

    settings = chromadb.Settings(anonymized_telemetry=False)
    if chroma_url:
        url = urlparse(chroma_url if "://" in chroma_url else f"http://{chroma_url}")
        if not url.hostname:
            raise IndexUnavailableError(
                f"COACH_CHROMA_URL={chroma_url!r} is not a URL; use e.g. http://127.0.0.1:8000"
            )
        port = url.port or (443 if url.scheme == "https" else 8000)
        try:
            client = chromadb.HttpClient(
                host=url.hostname, port=port, ssl=url.scheme == "https", settings=settings
            )
            client.heartbeat()
        except Exception as exc:
            raise _unreachable(chroma_url, exc) from exc
        return client
    path = data_dir / STORE_DIR
    with _guard(path, None, OPENING):
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=settings)


def store_path(data_dir: Path) -> Path:
    return data_dir / STORE_DIR


def move_aside(data_dir: Path) -> Path | None:
    """Rename a damaged embedded store out of the way (kept for inspection); None if absent.

    The index manifest goes with it, so the next run is a full rebuild. The feedback database
    and the ONNX export live elsewhere in the data folder and are not touched.
    """
    path = store_path(data_dir)
    forget_client(path)
    if not path.exists():
        return None
    aside = data_dir / f"{STORE_DIR}.damaged-{datetime.now(UTC):%Y%m%d-%H%M%S-%f}"
    try:
        path.rename(aside)
        manifest = data_dir / "index-manifest.json"
        if manifest.exists():
            manifest.rename(aside / manifest.name)
    except OSError as exc:
        raise _write_problem(data_dir, exc) or StoreWriteError(
            f"Cannot move the damaged index store {path} aside ({exc.strerror or exc}); "
            "move or delete it by hand, then run `coach index --rebuild`."
        ) from exc
    log.warning("moved the damaged index store to %s", aside)
    return aside


class ChromaStore:
    """Chunks and their vectors in Chroma collections (index segments, written once each)."""

    def __init__(self, client, *, path: Path | None = None, url: str | None = None) -> None:
        self.client = client
        self.path = path  # the embedded store's folder; None for a server
        self.url = url

    @property
    def where(self) -> str:
        return self.url or f"embedded ({self.path})"

    @contextlib.contextmanager
    def guarded(self, doing: str) -> Iterator[None]:
        """Turn whatever Chroma raises while `doing` into one readable `CoachError`."""
        with _guard(self.path, self.url, doing):
            yield

    def collection_names(self) -> list[str]:
        with self.guarded("listing the index segments"):
            items = self.client.list_collections()
        names = [item if isinstance(item, str) else item.name for item in items]
        return sorted(n for n in names if n.startswith(COLLECTION_PREFIX))

    def create(self, name: str):
        with self.guarded("creating an index segment"):
            return self.client.create_collection(
                name, metadata=dict(SEGMENT_METADATA), embedding_function=None
            )

    def get(self, name: str):
        """A written segment, opened for reading; its vector files checked once, here."""
        try:
            collection = self.client.get_collection(name, embedding_function=None)
        except Exception as exc:
            if exc.__class__.__name__ == "NotFoundError" or "does not exist" in str(exc):
                raise IndexUnavailableError(
                    f"The index segment {name!r} is missing from Chroma; "
                    "run `coach index --rebuild`."
                ) from exc
            raise _translate(exc, self.path, self.url, "opening an index segment") from exc
        self._check_files(collection)
        return collection

    def drop(self, name: str) -> None:
        try:
            self.client.delete_collection(name)
        except Exception:  # already gone is fine: dropping is cleanup
            log.debug("collection %s was already gone", name)

    def add(
        self, collection, chunks: Sequence[Chunk], vectors: np.ndarray, heading_vectors: np.ndarray
    ) -> None:
        """Store each chunk twice: its passage vector and its title › heading vector."""
        with self.guarded("writing the index"):
            for start in range(0, len(chunks), _ADD_BATCH):
                part = chunks[start : start + _ADD_BATCH]
                end = start + len(part)
                collection.add(
                    ids=[c.chunk_id for c in part] + [heading_id(c.chunk_id) for c in part],
                    embeddings=np.concatenate([vectors[start:end], heading_vectors[start:end]]),
                    documents=[c.text for c in part] + [c.heading_text() for c in part],
                    metadatas=[_metadata(c, "chunk") for c in part]
                    + [_metadata(c, "heading") for c in part],
                )

    def count(self, collection) -> int:
        with self.guarded("reading the index"):
            return collection.count()

    def read_ids(
        self, collection, ids: Sequence[str], *, missing: list[str] | None = None
    ) -> tuple[list[Chunk], np.ndarray, np.ndarray]:
        """The given chunks with both vectors, in the order asked for; checked for damage.

        Ids not found are an error naming how many, or go into `missing` when one is given
        (a caller reading several segments counts them all before saying so)."""
        lost: list[str] = []
        chunks: list[Chunk] = []
        vectors: list[np.ndarray] = []
        headings: list[np.ndarray] = []
        with self.guarded("reading the index"):
            for start in range(0, len(ids), _READ_BATCH):
                part = list(ids[start : start + _READ_BATCH])
                got = collection.get(
                    ids=[*part, *(heading_id(i) for i in part)],
                    include=["documents", "metadatas", "embeddings"],
                )
                found, vecs, heads = _assemble(got)
                position = {c.chunk_id: i for i, c in enumerate(found)}
                lost.extend(cid for cid in part if cid not in position)
                order = [position[cid] for cid in part if cid in position]
                chunks.extend(found[i] for i in order)
                vectors.append(vecs[order])
                headings.append(heads[order])
        if lost and missing is None:
            raise missing_passages(len(lost), len(ids))
        if missing is not None:
            missing.extend(lost)
        dim = vectors[0].shape[1] if vectors else 0
        joined = (
            np.concatenate(vectors) if vectors else np.zeros((0, dim), np.float32),
            np.concatenate(headings) if headings else np.zeros((0, dim), np.float32),
        )
        for matrix in joined:
            self._check_vectors(matrix)
        return chunks, *joined

    def _check_files(self, collection) -> None:
        """An embedded segment's vector files are as long as their header says (see
        `vector_files`); a server's files are the server's business."""
        if self.path is None:
            return
        try:
            folders = vector_files.segment_folders(self.path, str(collection.id))
        except sqlite3.Error as exc:
            raise _translate(exc, self.path, None, "reading the index") from exc
        for folder in folders:
            reason = vector_files.problem(folder)
            if reason is not None:
                raise self.damaged(reason)

    def _check_vectors(self, matrix: np.ndarray) -> None:
        if not matrix.size:
            return
        norms = np.linalg.norm(matrix, axis=1)
        if not np.all(np.isfinite(norms)) or np.any(np.abs(norms - 1.0) > _NORM_TOLERANCE):
            raise self.damaged("a vector file holds garbage")

    def damaged(self, reason: str) -> CoachError:
        if self.path is None:
            return IndexUnavailableError(
                f"The index on the Chroma server {self.url} is damaged ({reason}); "
                "run `coach index --rebuild`."
            )
        return _damaged(self.path, reason)

    @staticmethod
    def query(
        collection, vector: np.ndarray, n: int, *, chunks_only: bool = True, size: int | None = None
    ) -> list[tuple[str, float]]:
        """Nearest ids with cosine similarity (1 - cosine distance), via Chroma's HNSW index.

        `chunks_only` skips the heading entries our own collections hold beside each passage.
        It asks for twice as many neighbours and drops headings itself: a `where` filter and a
        `count()` per query cost more than the search (~1.2 ms of ~2 ms). `size` is the number
        of entries when the caller knows it.
        """
        size = collection.count() if size is None else size
        wanted = min(2 * n if chunks_only else n, size)
        if wanted < 1:
            return []
        got = collection.query(
            query_embeddings=vector.reshape(1, -1), n_results=wanted, include=["distances"]
        )
        pairs: Iterable[tuple[str, float]] = zip(got["ids"][0], got["distances"][0], strict=True)
        if chunks_only:
            pairs = ((cid, d) for cid, d in pairs if not cid.endswith(HEADING_SUFFIX))
        return [(cid, 1.0 - float(d)) for cid, d in pairs][:n]

    def self_check(self, collection, expected: int) -> None:
        """A freshly written segment holds what was written and finds its own vector."""
        count = self.count(collection) // 2  # a passage vector and a heading vector per chunk
        if count != expected:
            raise IndexUnavailableError(
                f"New index segment has {count} passages, expected {expected}; "
                "the previous index keeps serving."
            )
        if expected:
            with self.guarded("checking the new index"):
                got = collection.get(where={"kind": "chunk"}, limit=1, include=["embeddings"])
                vector = np.asarray(got["embeddings"][0], dtype=np.float32)
                nearest = ChromaStore.query(collection, vector, 1, size=2 * expected)
            # A mirrored file stores the very same vector, and its twin may come back first.
            if not nearest or (nearest[0][0] != got["ids"][0] and nearest[0][1] < 0.999):
                raise IndexUnavailableError(
                    "New index segment failed its self-check; previous index kept."
                )

    def prune_folders(self) -> list[str]:
        """Delete vector folders no collection owns (Chroma leaves them behind on delete).

        Embedded store only, and only by the writer holding the index lock.
        """
        if self.path is None or not self.path.is_dir():
            return []
        try:
            with vector_files.catalogue(self.path) as db:
                owned = {row[0] for row in db.execute("SELECT id FROM segments")}
        except sqlite3.Error as exc:
            log.debug("not pruning vector folders: %s", exc)
            return []
        removed = []
        for folder in self.path.iterdir():
            if folder.is_dir() and _SEGMENT_DIR.match(folder.name) and folder.name not in owned:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder.name)
        if removed:
            log.info("removed %d vector folders of dropped index segments", len(removed))
        return removed


@dataclass(frozen=True)
class Loaded:
    """The rows of one index generation, ready for search."""

    chunks: list[Chunk]
    vectors: np.ndarray
    heading_vectors: np.ndarray
    keys: list[tuple[str, str]]  # (segment, chunk id): a segment is written once, never changed


def load_generation(
    store: ChromaStore, segment_ids: dict[str, list[str]], previous: Loaded | None = None
) -> Loaded:
    """Read the live chunks of each segment; rows `previous` already holds are not re-read.

    `segment_ids` maps each live segment to its live chunk ids. Rows come back in
    (source, ordinal, chunk id) order.
    """
    known = {key: i for i, key in enumerate(previous.keys)} if previous else {}
    lost: list[str] = []
    chunks: list[Chunk] = []
    passage: list[np.ndarray] = []
    heading: list[np.ndarray] = []
    keys: list[tuple[str, str]] = []
    for segment, ids in segment_ids.items():
        fresh = [cid for cid in ids if (segment, cid) not in known]
        reused = [known[(segment, cid)] for cid in ids if (segment, cid) in known]
        if reused and previous is not None:
            chunks.extend(previous.chunks[i] for i in reused)
            passage.append(previous.vectors[reused])
            heading.append(previous.heading_vectors[reused])
            keys.extend(previous.keys[i] for i in reused)
        if fresh:
            got, vecs, heads = store.read_ids(store.get(segment), fresh, missing=lost)
            chunks.extend(got)
            passage.append(vecs)
            heading.append(heads)
            keys.extend((segment, c.chunk_id) for c in got)
    if lost:
        raise missing_passages(len(lost), sum(len(ids) for ids in segment_ids.values()))
    order = sorted(
        range(len(chunks)), key=lambda i: (chunks[i].source, chunks[i].ordinal, chunks[i].chunk_id)
    )
    dim = passage[0].shape[1] if passage else 0
    vectors = np.concatenate(passage) if passage else np.zeros((0, dim), np.float32)
    headings = np.concatenate(heading) if heading else np.zeros((0, dim), np.float32)
    return Loaded(
        [chunks[i] for i in order], vectors[order], headings[order], [keys[i] for i in order]
    )


HEADING_SUFFIX = "@heading"


def heading_id(chunk_id: str) -> str:
    return f"{chunk_id}{HEADING_SUFFIX}"


# -- error translation -----------------------------------------------------------------------
_FULL = ("no space left", "disk is full", "database or disk is full", "quota exceeded")
_READ_ONLY = ("readonly", "read-only", "read only", "permission denied", "operation not permitted")
_UNREACHABLE = ("connect", "connection", "timed out", "timeout", "refused", "unreachable")


@contextlib.contextmanager
def _guard(path: Path | None, url: str | None, doing: str) -> Iterator[None]:
    try:
        yield
    except CoachError:
        raise
    except Exception as exc:
        raise _translate(exc, path, url, doing) from exc


def _translate(exc: Exception, path: Path | None, url: str | None, doing: str) -> CoachError:
    text = f"{exc.__class__.__name__}: {exc}".lower()
    if url is not None:
        if any(word in text for word in _UNREACHABLE) or isinstance(exc, OSError):
            return _unreachable(url, exc)
        return IndexUnavailableError(
            f"The Chroma server at {url} failed while {doing} ({_short(exc)}); "
            "check its log, or run `coach index --rebuild`."
        )
    assert path is not None
    written = _write_problem(path, exc, opening=doing == OPENING)
    if written is not None:
        return written
    return _damaged(path, _short(exc))


def _write_problem(
    path: Path, exc: BaseException, *, opening: bool = False
) -> StoreWriteError | None:
    text = f"{exc}".lower()
    folder = path.parent if path.name == STORE_DIR else path
    if any(word in text for word in _FULL) or getattr(exc, "errno", None) == 28:
        if opening:  # embedded Chroma writes as it opens: nothing can be served from disk
            return StoreWriteError(
                f"No space left on the disk holding {folder}: the index cannot be opened; "
                "free some space and try again."
            )
        return StoreWriteError(
            f"No space left on the disk holding {folder}; free some space, then run "
            "`coach index`. The previous index keeps serving."
        )
    if any(word in text for word in _READ_ONLY) or isinstance(exc, PermissionError):
        return StoreWriteError(
            f"The data folder {folder} is read-only; make it writable or set COACH_DATA_DIR "
            "to a writable folder, then run `coach index`."
        )
    return None


def missing_passages(missing: int, asked: int) -> IndexUnavailableError:
    return IndexUnavailableError(
        f"{missing} of {asked} passages are missing from the live index; "
        "run `coach index --rebuild`."
    )


def _damaged(path: Path, reason: str) -> StoreDamagedError:
    return StoreDamagedError(
        f"The index store {path} is damaged ({reason}); run `coach index --rebuild` to move it "
        "aside and rebuild it from the knowledge folder (feedback is kept)."
    )


def _unreachable(url: str, exc: BaseException) -> IndexUnavailableError:
    return IndexUnavailableError(
        f"Cannot reach the Chroma server at {url} ({exc.__class__.__name__}). "
        "Start it with `chroma run --path <dir> --port <port>` or unset COACH_CHROMA_URL "
        "to use the embedded store."
    )


def _short(exc: BaseException) -> str:
    line = " ".join(str(exc).split()) or exc.__class__.__name__
    return line if len(line) <= 120 else line[:117] + "..."


def forget_client(path: Path) -> None:
    """Drop Chroma's per-process cached client for `path`, so a reopen reads the disk again."""
    try:
        from chromadb.api.shared_system_client import SharedSystemClient
    except ImportError:  # pragma: no cover - chromadb is a dependency
        return
    for identifier in (str(path), str(path.resolve())):
        system = SharedSystemClient._identifier_to_system.pop(identifier, None)
        SharedSystemClient._identifier_to_refcount.pop(identifier, None)
        if system is not None:
            with contextlib.suppress(Exception):
                system.stop()


def _assemble(got: dict) -> tuple[list[Chunk], np.ndarray, np.ndarray]:
    """Pair each chunk entry with its heading entry from a Chroma `get` result."""
    chunks: list[Chunk] = []
    vectors: list = []
    heading_vectors: dict[str, object] = {}
    for chunk_id, text, meta, vec in zip(
        got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True
    ):
        if meta.get("kind") == "heading":
            heading_vectors[meta["chunk_id"]] = vec
        else:
            chunks.append(_chunk(chunk_id, text, meta))
            vectors.append(vec)
    dim = len(vectors[0]) if vectors else 0
    heads = [heading_vectors.get(c.chunk_id) for c in chunks]
    if any(h is None for h in heads):
        raise IndexUnavailableError("The index is incomplete; run `coach index --rebuild`.")
    return (
        chunks,
        np.asarray(vectors, dtype=np.float32).reshape(len(chunks), dim),
        np.asarray(heads, dtype=np.float32).reshape(len(chunks), dim),
    )


def _metadata(chunk: Chunk, kind: str) -> dict:
    return {
        "kind": kind,
        "chunk_id": chunk.chunk_id,
        "source": chunk.source,
        "title": chunk.title,
        "heading": chunk.heading,
        "heading_path": json.dumps(list(chunk.heading_path), ensure_ascii=False),
        "ordinal": chunk.ordinal,
    }


def _chunk(chunk_id: str, text: str, meta: dict) -> Chunk:
    return Chunk(
        chunk_id=chunk_id,
        source=meta["source"],
        title=meta["title"],
        heading_path=tuple(json.loads(meta.get("heading_path") or "[]")),
        text=text,
        ordinal=int(meta.get("ordinal", 0)),
    )
