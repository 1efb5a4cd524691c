"""The app's services, built once in `main()` from Settings and passed to every adapter."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from functools import cached_property

from answering.models import Answer, Turn
from answering.protocols import Answerer
from bot.settings import Settings
from retrieval.errors import IndexUnavailableError, KnowledgeError
from retrieval.indexer import IndexReport, Progress
from retrieval.inventory import IndexStatus, SourceInfo, index_status, list_sources
from retrieval.manifest import load_manifest
from retrieval.models import SearchResult
from retrieval.protocols import Embedder
from retrieval.search import HybridRetriever
from retrieval.store import ChromaStore

log = logging.getLogger(__name__)

Notify = Callable[[str], None]


class CoachApp:
    """Lazily loads the model, opens (or first builds) the index and wires the answerer."""

    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        notify: Notify | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.settings = settings
        self._embedder = embedder
        self._notify = notify or (lambda message: log.info("%s", message))
        self._progress = progress
        self._lock = threading.RLock()
        self._retriever: HybridRetriever | None = None
        from answering.chat_model import make_chat_model

        # Fail at start-up, not at the first question, on an unknown COACH_LLM or a provider
        # that cannot be set up (missing base URL, key...). Building the client is cheap.
        make_chat_model(settings.answer_config())

    # -- lazily built parts ----------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                from retrieval.embedding import SentenceTransformerEmbedder

                self._embedder = SentenceTransformerEmbedder(
                    cache_dir=self.settings.data_dir / "models"
                )
            return self._embedder

    @cached_property
    def store(self) -> ChromaStore:
        from retrieval.service import open_store

        return open_store(self.settings.data_dir, self.settings.chroma_url)

    @property
    def retriever(self) -> HybridRetriever:
        with self._lock:
            if self._retriever is None:
                from retrieval.service import open_retriever

                _require_folder(self.settings.knowledge_dir)
                if load_manifest(self.settings.data_dir) is None:
                    self._notify(
                        f"Building the index of {self.settings.knowledge_dir} for the first time "
                        "(this takes a few seconds)..."
                    )
                self._retriever = open_retriever(
                    self.settings.knowledge_dir,
                    self.settings.data_dir,
                    self.embedder,
                    store=self.store,
                )
            return self._retriever

    @cached_property
    def answerer(self) -> Answerer:
        from answering import make_answerer

        return make_answerer(self.settings.answer_config(), self.retriever, self.embedder)

    @cached_property
    def planner(self):
        from planner.service import Planner

        return Planner(self.retriever.chunks())

    # -- operations the adapters call (blocking; the bot runs them in threads) -------------
    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        return self.answerer.answer(question, history)

    def search(self, query: str, k: int = 5) -> SearchResult:
        return self.retriever.search(query, k)

    def reindex(self, *, rebuild: bool = False, progress: Progress | None = None) -> IndexReport:
        from retrieval.service import refresh_index

        _require_folder(self.settings.knowledge_dir)
        report = refresh_index(
            self.settings.knowledge_dir,
            self.settings.data_dir,
            self.store,
            self.embedder,
            rebuild=rebuild,
            progress=progress or self._progress,
        )
        with self._lock:
            if self._retriever is not None and self._retriever.refresh():
                # Plans cite chunk ids: re-resolve them against the new generation.
                self.__dict__.pop("planner", None)
        return report

    def status(self) -> IndexStatus:
        store = self.settings.chroma_url or f"embedded ({self.settings.data_dir / 'chroma'})"
        return index_status(
            load_manifest(self.settings.data_dir), self.settings.knowledge_dir, store
        )

    def sources(self, topic: str | None = None) -> list[SourceInfo]:
        manifest = load_manifest(self.settings.data_dir)
        if manifest is None:
            self.retriever  # noqa: B018 - builds the index on first use
            manifest = load_manifest(self.settings.data_dir)
        if manifest is None:
            raise IndexUnavailableError("No index yet: run `coach index`.")
        return list_sources(manifest, topic)


def _require_folder(knowledge_dir) -> None:
    """Say so before loading a model for a folder that isn't there."""
    if not knowledge_dir.is_dir():
        raise KnowledgeError(
            f"Knowledge folder {knowledge_dir} does not exist; "
            "create it or set COACH_KNOWLEDGE_DIR."
        )
