"""The naive baseline `coach eval` compares against: raw text, 800/100 splits, dense only."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from evaluation.models import EvalItem, Ranked
from retrieval.chroma_store import ChromaStore, open_client
from retrieval.ingest.pipeline import scan_knowledge
from retrieval.protocols import Embedder
from retrieval.search.abstention import Evidence


class NaiveBaseline:
    """What a quick LangChain tutorial would build: no cleaning, no headings, no BM25."""

    def __init__(self, knowledge_dir: Path, embedder: Embedder, data_dir: Path) -> None:
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=800, chunk_overlap=100)
        self.embedder = embedder
        texts: list[str] = []
        sources: list[str] = []
        paths, _ = scan_knowledge(knowledge_dir)
        for path in paths:
            raw = path.read_bytes().decode("utf-8", errors="replace")
            for piece in splitter.split_text(raw):
                texts.append(piece)
                sources.append(path.relative_to(knowledge_dir).as_posix())
        self.texts, self.sources = texts, sources
        client = open_client(data_dir, None)
        self.collection = client.create_collection(
            "naive-baseline", metadata={"hnsw:space": "cosine"}, embedding_function=None
        )
        vectors = embedder.embed(texts)
        ids = [str(i) for i in range(len(texts))]
        for start in range(0, len(ids), 512):
            self.collection.add(
                ids=ids[start : start + 512],
                embeddings=vectors[start : start + 512],
                documents=texts[start : start + 512],
            )

    def search_ids(self, query: str, k: int = 5) -> list[tuple[int, float]]:
        vector = self._embed_query(query)
        return [
            (int(cid), sim)
            for cid, sim in ChromaStore.query(self.collection, vector, k, chunks_only=False)
        ]

    def _embed_query(self, query: str):
        """Embed the way a naive build does: sentence-transformers' `encode`, which LangChain's
        HuggingFaceEmbeddings calls. Club Coach's own single-query fast path is its own work."""
        model = getattr(self.embedder, "model", None)
        if model is None:
            return self.embedder.embed([query])[0]
        return model.encode(
            [query], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )[0]

    def rank(self, items: Sequence[EvalItem], k: int = 5) -> list[Ranked]:
        out = []
        for item in items:
            found = self.search_ids(item.question, k)
            top = found[0][1] if found else 0.0
            out.append(
                Ranked(
                    passages=[(self.sources[i], "", self.texts[i]) for i, _ in found],
                    abstained=False,
                    evidence=Evidence(top_dense=top, coverage=0.0),
                    # What a naive build shows: its best chunk, read from the top.
                    answer=self.texts[found[0][0]] if found and item.answer_contains else None,
                )
            )
        return out
