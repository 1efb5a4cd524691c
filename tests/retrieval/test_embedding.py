"""The embedder: one vector per text, the same whichever path (ONNX single query, batch) made it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from retrieval.embedding import MAX_TOKENS
from retrieval.onnx_query import build_query_encoder

TEXTS = [
    "foam roll before or after?",
    "calf raises",
    "I have a 10K in three weeks, should I still lift, or is it better to rest my legs now?",
    "Pallof press",
]
REPO = Path(__file__).resolve().parents[2]


def test_query_paths_match_sentence_transformers(embedder) -> None:
    """Single texts and small padded batches (ONNX) give the vectors indexing (PyTorch) gives."""
    embedder.embed(["warm up the query encoder"])
    assert embedder._query_encoder is not None, "ONNX query encoder should be in use"
    reference = embedder.model.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    small_batch = embedder.embed(TEXTS)  # mixed lengths: padding must not change a vector
    assert small_batch.shape == (len(TEXTS), 384) and small_batch.dtype == np.float32
    for i, text in enumerate(TEXTS):
        single = embedder.embed([text])[0]
        assert float(single @ reference[i]) > 0.9999
        assert float(small_batch[i] @ reference[i]) > 0.9999
        assert abs(float(np.linalg.norm(single)) - 1.0) < 1e-4


def _build(embedder, cache: Path, reference):
    return build_query_encoder(embedder.model_dir, MAX_TOKENS, reference, cache)


def test_encoder_that_disagrees_with_pytorch_is_not_used(embedder, tmp_path: Path) -> None:
    def wrong_reference(text: str) -> np.ndarray:
        vector = np.ones((1, 384), dtype=np.float32)
        return vector / np.linalg.norm(vector)

    assert _build(embedder, tmp_path, wrong_reference) is None
    assert not list(tmp_path.glob("minilm-query-*"))  # nothing unusable left cached


@pytest.mark.parametrize("garbage", [b"", b"not an onnx model"])
def test_corrupt_cached_export_is_made_again(embedder, tmp_path: Path, garbage: bytes) -> None:
    assert _build(embedder, tmp_path, embedder._embed_one) is not None
    (cached,) = tmp_path.glob("minilm-query-*.onnx")
    cached.write_bytes(garbage)
    rebuilt = _build(embedder, tmp_path, embedder._embed_one)
    assert rebuilt is not None
    assert cached.stat().st_size > 1_000_000  # a real model again
    assert float(rebuilt.encode(TEXTS[0])[0] @ embedder.embed(TEXTS[:2])[0]) > 0.9999


def test_search_only_process_needs_no_pytorch(embedder, tmp_path: Path) -> None:
    """With the export cached, embedding a question never imports torch or
    sentence-transformers: that is most of a one-shot `coach search`."""
    assert _build(embedder, tmp_path, embedder._embed_one) is not None
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from retrieval.embedding import SentenceTransformerEmbedder\n"
        f"e = SentenceTransformerEmbedder(cache_dir=Path({str(tmp_path)!r}))\n"
        f"v = e.embed([{TEXTS[2]!r}])[0]\n"
        "print(json.dumps({'torch': 'torch' in sys.modules,\n"
        "                  'st': 'sentence_transformers' in sys.modules,\n"
        "                  'vector': v.tolist()}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    got = json.loads(out.stdout)
    assert not got["torch"] and not got["st"]
    assert float(np.asarray(got["vector"]) @ embedder.embed(TEXTS[2:4])[0]) > 0.9999


def test_a_process_that_only_answers_never_loads_pytorch_for_larger_batches(embedder) -> None:
    """The sentences of an answer's top passages (often > 48) go through the ONNX encoder
    too when PyTorch is not loaded yet: `coach ask` stays a no-PyTorch process."""
    from pathlib import Path

    from retrieval.embedding import ONNX_BATCH, SentenceTransformerEmbedder

    assert embedder.prepare_query_encoder()
    cache = embedder._cache_dir or Path(embedder._tmp.name)
    fresh = SentenceTransformerEmbedder(cache_dir=cache)
    assert fresh.prepare_query_encoder()  # loaded from the cache: no export, no PyTorch
    texts = [f"Sentence {i}: squats twice a week build strength for hills." for i in range(120)]
    assert len(texts) > ONNX_BATCH  # several length-sorted slices
    vectors = fresh.embed(texts)
    assert fresh._model is None
    reference = embedder.model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    assert vectors.shape == reference.shape
    assert float(np.min(np.sum(vectors * reference, axis=1))) > 0.9999


def test_long_lists_come_back_in_order(embedder) -> None:
    """Index batches go through ONNX in length-sorted slices; rows keep the caller's order."""
    from retrieval.embedding import ONNX_BATCH

    texts = [TEXTS[i % len(TEXTS)] + " " * (i % 3) for i in range(3 * ONNX_BATCH + 5)]
    vectors = embedder.embed(texts)
    reference = embedder.model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    assert float(np.min(np.sum(vectors * reference, axis=1))) > 0.9999
