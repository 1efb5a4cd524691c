"""Open the live index for serving: bring it up to date, then hand back a retriever."""

from __future__ import annotations

import logging
from pathlib import Path

from retrieval.chroma_store import ChromaStore, load_generation, move_aside, open_client, store_path
from retrieval.errors import (
    IndexBusyError,
    IndexUnavailableError,
    StoreDamagedError,
    StoreWriteError,
)
from retrieval.ingest.indexer import IndexReport, Progress, update_index
from retrieval.judge.models import Judge
from retrieval.manifest import load_manifest, manifest_damaged
from retrieval.protocols import Embedder
from retrieval.search.hybrid import HybridRetriever

log = logging.getLogger(__name__)


def open_store(data_dir: Path, chroma_url: str | None = None) -> ChromaStore:
    client = open_client(data_dir, chroma_url)
    if chroma_url:
        return ChromaStore(client, url=chroma_url)
    return ChromaStore(client, path=store_path(data_dir))


def repair_store(data_dir: Path) -> ChromaStore:
    """Move a damaged embedded store aside and open a fresh, empty one in its place."""
    aside = move_aside(data_dir)
    if aside is not None:
        log.warning("the damaged index store was moved to %s; rebuilding the index", aside)
    return open_store(data_dir)


def open_retriever(
    knowledge_dir: Path,
    data_dir: Path,
    embedder: Embedder,
    chroma_url: str | None = None,
    *,
    update: bool = True,
    store: ChromaStore | None = None,
    role: str = "indexer",
    judge: Judge | None = None,
) -> HybridRetriever:
    """Index what changed (unless `update` is False), then serve the live generation, with
    the judge (if any) reading the top passages of every question.

    When another process holds the writer lock, the existing index is served as it is.
    """
    store = store or open_store(data_dir, chroma_url)
    published = False
    if update:
        try:
            published = refresh_index(knowledge_dir, data_dir, store, embedder, role=role).switched
        except IndexBusyError:
            if load_manifest(data_dir) is None:
                raise
            log.info("index is being updated by another process; serving the current one")
        except StoreWriteError as exc:
            # A full disk or a read-only data folder: answer from the index there is.
            if load_manifest(data_dir) is None:
                raise
            log.warning("could not update the index, serving the current one: %s", exc)
    retriever = HybridRetriever(store, data_dir, embedder, judge=judge)
    if published:
        recalibrate(retriever)
    return retriever


def check_store(data_dir: Path, store: ChromaStore) -> None:
    """Read every live passage, as serving does before its first search: StoreDamagedError
    (or IndexUnavailableError) when the store is damaged, nothing when it is sound or there is
    no index yet. `coach status` runs it, so it cannot call a damaged store healthy."""
    if manifest_damaged(data_dir):
        raise IndexUnavailableError(
            f"The index manifest in {data_dir} is damaged; `coach index` rebuilds the index "
            "from the knowledge folder (feedback is kept)."
        )
    manifest = load_manifest(data_dir)
    if manifest is not None:
        load_generation(store, manifest.live_ids())


def recalibrate(retriever: HybridRetriever) -> None:
    """The write path's last step: calibrate abstention for the generation just published
    (a fresh index included), so no question measures it. Batched and cached, it costs well
    under a second (0.4 s for a fresh 10,000-passage index)."""
    if not retriever.is_calibrated():
        retriever.calibrate()


def refresh_index(
    knowledge_dir: Path,
    data_dir: Path,
    store: ChromaStore,
    embedder: Embedder,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
    lock_timeout: float = 0.0,
    role: str = "indexer",
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
        lock_timeout=lock_timeout,
        role=role,
    )


__all__ = [
    "StoreDamagedError",
    "check_store",
    "open_retriever",
    "open_store",
    "recalibrate",
    "refresh_index",
    "repair_store",
]
