"""Open the live index for serving: bring it up to date, then hand back a retriever."""

from __future__ import annotations

import logging
from pathlib import Path

from retrieval.errors import IndexBusyError
from retrieval.indexer import IndexReport, Progress, update_index
from retrieval.manifest import load_manifest
from retrieval.protocols import Embedder
from retrieval.search import HybridRetriever
from retrieval.store import ChromaStore, open_client

log = logging.getLogger(__name__)


def open_store(data_dir: Path, chroma_url: str | None = None) -> ChromaStore:
    return ChromaStore(open_client(data_dir, chroma_url))


def open_retriever(
    knowledge_dir: Path,
    data_dir: Path,
    embedder: Embedder,
    chroma_url: str | None = None,
    *,
    update: bool = True,
    store: ChromaStore | None = None,
) -> HybridRetriever:
    """Index what changed (unless `update` is False), then serve the live generation.

    When another process holds the writer lock, the existing index is served as it is.
    """
    store = store or open_store(data_dir, chroma_url)
    if update:
        try:
            refresh_index(knowledge_dir, data_dir, store, embedder)
        except IndexBusyError:
            if load_manifest(data_dir) is None:
                raise
            log.info("index is being updated by another process; serving the current one")
    return HybridRetriever(store, data_dir, embedder)


def refresh_index(
    knowledge_dir: Path,
    data_dir: Path,
    store: ChromaStore,
    embedder: Embedder,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
) -> IndexReport:
    name = getattr(embedder, "name", type(embedder).__name__)
    return update_index(
        knowledge_dir,
        data_dir,
        store,
        embedder,
        model_name=name,
        rebuild=rebuild,
        progress=progress,
    )
