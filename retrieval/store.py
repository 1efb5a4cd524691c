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
    def add(collection, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        for start in range(0, len(chunks), _ADD_BATCH):
            part = chunks[start : start + _ADD_BATCH]
            collection.add(
                ids=[c.chunk_id for c in part],
                embeddings=vectors[start : start + len(part)],
                documents=[c.text for c in part],
                metadatas=[_metadata(c) for c in part],
            )

    @staticmethod
    def read_all(collection) -> tuple[list[Chunk], np.ndarray]:
        """Every chunk with its vector, in (source, ordinal) order."""
        got = collection.get(include=["documents", "metadatas", "embeddings"])
        rows = []
        for chunk_id, text, meta, vec in zip(
            got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True
        ):
            rows.append((_chunk(chunk_id, text, meta), vec))
        rows.sort(key=lambda row: (row[0].source, row[0].ordinal, row[0].chunk_id))
        chunks = [row[0] for row in rows]
        vectors = np.asarray([row[1] for row in rows], dtype=np.float32).reshape(len(rows), -1)
        return chunks, vectors

    @staticmethod
    def read_all_ids(collection, ids: Sequence[str]) -> tuple[list[Chunk], np.ndarray]:
        """The given chunks with their vectors, in the order asked for."""
        got = collection.get(ids=list(ids), include=["documents", "metadatas", "embeddings"])
        by_id = {
            cid: (_chunk(cid, text, meta), vec)
            for cid, text, meta, vec in zip(
                got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True
            )
        }
        missing = [cid for cid in ids if cid not in by_id]
        if missing:
            raise IndexUnavailableError(
                f"{len(missing)} passages are missing from the live index; "
                "run `coach index --rebuild`."
            )
        chunks = [by_id[cid][0] for cid in ids]
        vectors = np.asarray([by_id[cid][1] for cid in ids], dtype=np.float32)
        return chunks, vectors.reshape(len(ids), -1)

    @staticmethod
    def query(collection, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        """Nearest chunk ids with cosine similarity (1 - cosine distance)."""
        n = max(1, min(n, collection.count()))
        got = collection.query(
            query_embeddings=vector.reshape(1, -1), n_results=n, include=["distances"]
        )
        return [
            (cid, 1.0 - float(d)) for cid, d in zip(got["ids"][0], got["distances"][0], strict=True)
        ]


def _metadata(chunk: Chunk) -> dict:
    return {
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
