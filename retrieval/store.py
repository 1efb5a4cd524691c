"""Chroma adapter: embedded PersistentClient by default, a `chroma run` server when configured."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from retrieval.errors import IndexUnavailableError
from retrieval.models import Chunk

log = logging.getLogger(__name__)

COLLECTION_PREFIX = "coach-chunks-"
_ADD_BATCH = 512


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
            raise IndexUnavailableError(
                f"Cannot reach the Chroma server at {chroma_url} ({exc.__class__.__name__}). "
                "Start it with `chroma run --path <dir> --port <port>` or unset COACH_CHROMA_URL "
                "to use the embedded store."
            ) from exc
        return client
    path = data_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=settings)


class ChromaStore:
    """Chunks and their vectors in Chroma collections; one collection per index generation."""

    def __init__(self, client) -> None:
        self.client = client

    def collection_names(self) -> list[str]:
        names = []
        for item in self.client.list_collections():
            name = item if isinstance(item, str) else item.name
            if name.startswith(COLLECTION_PREFIX):
                names.append(name)
        return sorted(names)

    def create(self, name: str):
        return self.client.create_collection(
            name, metadata={"hnsw:space": "cosine"}, embedding_function=None
        )

    def get(self, name: str):
        try:
            return self.client.get_collection(name, embedding_function=None)
        except Exception as exc:
            raise IndexUnavailableError(
                f"The index collection {name!r} is missing from Chroma; "
                "run `coach index --rebuild`."
            ) from exc

    def drop(self, name: str) -> None:
        try:
            self.client.delete_collection(name)
        except Exception:  # already gone is fine: dropping is cleanup
            log.debug("collection %s was already gone", name)

    @staticmethod
    def add(
        collection, chunks: Sequence[Chunk], vectors: np.ndarray, heading_vectors: np.ndarray
    ) -> None:
        """Store each chunk twice: its passage vector and its title › heading vector."""
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

    @staticmethod
    def read_all(collection) -> tuple[list[Chunk], np.ndarray, np.ndarray]:
        """Every chunk with its passage and heading vectors, in (source, ordinal) order."""
        got = collection.get(include=["documents", "metadatas", "embeddings"])
        chunks, vectors, headings = _assemble(got)
        order = sorted(
            range(len(chunks)),
            key=lambda i: (chunks[i].source, chunks[i].ordinal, chunks[i].chunk_id),
        )
        return [chunks[i] for i in order], vectors[order], headings[order]

    @staticmethod
    def read_all_ids(collection, ids: Sequence[str]) -> tuple[list[Chunk], np.ndarray, np.ndarray]:
        """The given chunks with both vectors, in the order asked for."""
        got = collection.get(
            ids=[*ids, *(heading_id(i) for i in ids)],
            include=["documents", "metadatas", "embeddings"],
        )
        chunks, vectors, headings = _assemble(got)
        position = {c.chunk_id: i for i, c in enumerate(chunks)}
        missing = [cid for cid in ids if cid not in position]
        if missing:
            raise IndexUnavailableError(
                f"{len(missing)} passages are missing from the live index; "
                "run `coach index --rebuild`."
            )
        order = [position[cid] for cid in ids]
        return [chunks[i] for i in order], vectors[order], headings[order]

    @staticmethod
    def query(
        collection, vector: np.ndarray, n: int, *, chunks_only: bool = True, size: int | None = None
    ) -> list[tuple[str, float]]:
        """Nearest ids with cosine similarity (1 - cosine distance).

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
        pairs = zip(got["ids"][0], got["distances"][0], strict=True)
        if chunks_only:
            pairs = ((cid, d) for cid, d in pairs if not cid.endswith(HEADING_SUFFIX))
        return [(cid, 1.0 - float(d)) for cid, d in pairs][:n]


HEADING_SUFFIX = "@heading"


def heading_id(chunk_id: str) -> str:
    return f"{chunk_id}{HEADING_SUFFIX}"


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
