"""The app's services, built once in `main()` from Settings and passed to every adapter."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from answering.models import Answer, Turn
from answering.protocols import Answerer
from bot.memory import limit_malloc_arenas, release_free_memory
from bot.secrets_guard import protect
from bot.settings import Settings
from retrieval.chroma_store import ChromaStore
from retrieval.errors import (
    CoachError,
    IndexUnavailableError,
    KnowledgeError,
    StoreDamagedError,
)
from retrieval.ingest.indexer import IndexReport, Progress
from retrieval.inventory import IndexStatus, SourceInfo, index_status, list_sources
from retrieval.judge.models import Judge, JudgeError
from retrieval.manifest import load_manifest, manifest_damaged
from retrieval.models import Chunk, SearchResult
from retrieval.protocols import Embedder
from retrieval.search.hybrid import HybridRetriever

if TYPE_CHECKING:
    from library.plan_citations import CitationReport

log = logging.getLogger(__name__)

# Reopen the embedded Chroma client after this many new index generations (see
# CoachApp._recycle_store): bounds the memory a season of edits costs.
CLIENT_RECYCLE_EVERY = 10

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
        judge: Judge | None = None,
    ) -> None:
        protect(settings)  # every surface starts here: logs never carry its secrets
        limit_malloc_arenas()  # before any library starts its threads (bot/memory.py)
        self.settings = settings
        self._embedder = embedder
        # Built from COACH_JUDGE on first use unless given (tests pass a fake one).
        self._judge: Judge | None = judge
        self._judge_built = judge is not None
        self._notify = notify or (lambda message: log.info("%s", message))
        self._progress = progress
        self._lock = threading.RLock()
        self._judge_lock = threading.Lock()
        self._retriever: HybridRetriever | None = None
        # A long-running surface (bot, console): repairs a damaged store by itself at start
        # and exports the ONNX query encoder in the background. Set before first use.
        self.serving = False
        self.role = "coach"  # who holds the index writer lock, as `coach status` shows it
        self._generations_written = 0
        # Told when an index change breaks (or mends) a planner citation, e.g. the bot's
        # review channel. Called from the thread that re-indexed.
        self.citation_listeners: list[Callable[[CitationReport], None]] = []
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

    @property
    def judge(self) -> Judge | None:
        """The judge model COACH_JUDGE names (None when `off`), loaded once."""
        # Its own lock: a background load (`load_judge_in_background`) never holds up the
        # index and model the app lock guards.
        with self._judge_lock:
            if not self._judge_built:
                from retrieval.judge import make_judge

                # Passages' vectors are kept beside the index: a one-shot `coach ask` reads
                # them instead of encoding every passage it judges again.
                self._judge = make_judge(
                    self.settings.judge, cache_dir=self.settings.data_dir / "judge-cache"
                )
                self._judge_built = True
            return self._judge

    def load_judge_in_background(self) -> threading.Thread:
        """Load the judge model beside the index and query encoder (a one-shot `coach ask`
        would otherwise load it after them, ~0.2 s on the critical path). A failure is left
        for the first question to report. Join the thread before exit: native code must not
        be cut off mid-load."""

        def load() -> None:
            with contextlib.suppress(JudgeError):
                _ = self.judge

        thread = threading.Thread(target=load, name="judge-load", daemon=True)
        thread.start()
        return thread

    def judge_name(self) -> str:
        """Which judge is in force, for `coach status`: its name, "off", or why it can't load."""
        try:
            judge = self.judge
        except JudgeError as exc:
            return f"unavailable: {exc}"
        return judge.name if judge is not None else "off"

    @cached_property
    def store(self) -> ChromaStore:
        from retrieval.live_index import open_store

        return open_store(self.settings.data_dir, self.settings.chroma_url)

    @property
    def retriever(self) -> HybridRetriever:
        with self._lock:
            if self._retriever is None:
                _require_folder(self.settings.knowledge_dir)
                if manifest_damaged(self.settings.data_dir):
                    self._notify(
                        "The index manifest is damaged: rebuilding the index of "
                        f"{self.settings.knowledge_dir} (this takes a few seconds)..."
                    )
                elif load_manifest(self.settings.data_dir) is None:
                    self._notify(
                        f"Building the index of {self.settings.knowledge_dir} for the first time "
                        "(this takes a few seconds)..."
                    )
                try:
                    self._retriever = self._open_retriever()
                except StoreDamagedError:
                    if not self.serving or self.settings.chroma_url:
                        raise
                    self._repair_store()
                    self._retriever = self._open_retriever()
                if self.serving:
                    release_free_memory()  # building or loading the index leaves freed heap
                    self.warm_up_in_background()
            return self._retriever

    def _open_retriever(self) -> HybridRetriever:
        from retrieval.live_index import open_retriever

        return open_retriever(
            self.settings.knowledge_dir,
            self.settings.data_dir,
            self.embedder,
            store=self.store,
            role=self.role,
            judge=self.judge,
        )

    def _repair_store(self) -> None:
        """Move a damaged embedded store aside; the next index run rebuilds it in full."""
        from retrieval.live_index import repair_store

        self._notify(
            "The index store is damaged: moving it aside and rebuilding it from "
            f"{self.settings.knowledge_dir} (feedback is kept)..."
        )
        with self._lock:
            self.__dict__["store"] = repair_store(self.settings.data_dir)
            if self._retriever is not None:
                self._retriever.store = self.store

    def warm_up_in_background(self) -> None:
        """Export (or load) the ONNX query encoder off the request path: no member waits."""
        prepare = getattr(self.embedder, "prepare_query_encoder", None)
        if prepare is not None:
            threading.Thread(target=prepare, name="query-encoder", daemon=True).start()

    @contextlib.contextmanager
    def index_writer(self, purpose: str, *, timeout: float = 60.0) -> Iterator[None]:
        """Hold the index writer lock around a change to the knowledge folder (e.g. `/kb`),
        then call `reindex()` inside the block: no other writer runs in between. Raises
        `IndexBusyError` (one readable line) if another process keeps it past `timeout`."""
        from retrieval.ingest.writer import writer_lock

        with writer_lock(self.settings.data_dir, f"{self.role}: {purpose}", timeout=timeout):
            yield

    @cached_property
    def answerer(self) -> Answerer:
        from answering import make_answerer

        return make_answerer(
            self.settings.answer_config(), self.retriever, self.embedder, judge=self.judge
        )

    @cached_property
    def planner(self):
        from library.plan_citations import check_citations
        from planner.api import Planner

        # A rule whose cited heading is gone keeps its last good passage: /plan never stops.
        _, last_good = check_citations(self.retriever.chunks(), self.settings.data_dir)
        return Planner(self.retriever.chunks(), last_good=last_good)

    # -- operations the adapters call (blocking; the bot runs them in threads) -------------
    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        return self.answerer.answer(question, history)

    def search(self, query: str, k: int = 5) -> SearchResult:
        return self.retriever.search(query, k)

    def reindex(
        self,
        *,
        rebuild: bool = False,
        progress: Progress | None = None,
        lock_timeout: float = 0.0,
    ) -> IndexReport:
        from retrieval.live_index import refresh_index

        _require_folder(self.settings.knowledge_dir)

        def run(rebuild: bool) -> IndexReport:
            return refresh_index(
                self.settings.knowledge_dir,
                self.settings.data_dir,
                self.store,
                self.embedder,
                rebuild=rebuild,
                progress=progress or self._progress,
                lock_timeout=lock_timeout,
                role=self.role,
            )

        try:
            report = run(rebuild)
        except StoreDamagedError:
            # `coach index --rebuild` (or a serving bot) recovers; anything else says how to.
            if not (rebuild or self.serving) or self.settings.chroma_url:
                raise
            self._repair_store()
            report = run(True)
        # Export the ONNX query encoder now, while indexing anyway: no first question waits.
        prepare = getattr(self.embedder, "prepare_query_encoder", None)
        if prepare is not None and not self.serving:
            prepare()
        with self._lock:
            switched = self._retriever is not None and self._retriever.refresh()
            if switched:
                # Plans cite chunk ids: re-resolve them against the new generation.
                self.__dict__.pop("planner", None)
        if switched:
            self.check_citations()
        if report.switched:
            self._recalibrate()
        if report.switched and not self.settings.chroma_url:
            self._generations_written += 1
            if self._generations_written % CLIENT_RECYCLE_EVERY == 0:
                self._recycle_store()
        if report.switched:
            release_free_memory()  # what the old generation and the write path freed
        return report

    def _recalibrate(self) -> None:
        """Calibrate abstention for the generation just published, here in the write path (the
        watcher, `/kb`, `coach index`): the next question uses it instead of measuring it.
        Outside `_lock`: questions keep using the previous calibration meanwhile."""
        from retrieval.live_index import recalibrate

        retriever = self._retriever
        try:
            if retriever is None:  # `coach index`: nothing served in this process
                retriever = HybridRetriever(self.store, self.settings.data_dir, self.embedder)
            recalibrate(retriever)
        except CoachError as exc:  # the new index is published and serves regardless
            log.warning("could not calibrate the new index generation: %s", exc)

    def _recycle_store(self) -> None:
        """Reopen the embedded Chroma client. It keeps ~2.6 MB per collection ever created,
        dropped or not (chromadb 1.5); a bot re-indexing all season would grow without end.
        Searches never wait: they read vectors from memory, not from Chroma."""
        from retrieval.chroma_store import forget_client, store_path
        from retrieval.live_index import open_store

        with self._lock:
            retriever = self._retriever
            guard = retriever._lock if retriever is not None else contextlib.nullcontext()
            with guard:  # no generation is being loaded through the old client meanwhile
                forget_client(store_path(self.settings.data_dir))
                self.__dict__["store"] = open_store(self.settings.data_dir)
                if retriever is not None:
                    retriever.store = self.store
        log.debug("reopened the embedded index store")

    def live_chunks(self) -> list[Chunk]:
        return list(self.retriever.chunks())

    def check_citations(self) -> CitationReport:
        """Re-resolve planner citations; listeners hear when the set of broken rules changed."""
        from library.plan_citations import check_citations

        report, _ = check_citations(self.retriever.chunks(), self.settings.data_dir)
        if report.changed:
            for listener in list(self.citation_listeners):
                try:
                    listener(report)
                except Exception:
                    log.exception("a citation listener failed")
        return report

    def status(self) -> IndexStatus:
        from retrieval.ingest.writer import lock_holder, store_owner

        data_dir = self.settings.data_dir
        store = self.settings.chroma_url or f"embedded ({data_dir / 'chroma'})"
        status = index_status(
            load_manifest(data_dir), self.settings.knowledge_dir, store, data_dir=data_dir
        )
        owner, writer = store_owner(data_dir), lock_holder(data_dir)
        return status.model_copy(
            update={
                "owner": owner.describe() if owner else None,
                "writer": writer.describe() if writer else None,
                "judge": self.judge_name(),
            }
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
