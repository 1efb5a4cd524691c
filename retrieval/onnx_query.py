"""A faster single-query encoder: the same MiniLM weights exported to ONNX Runtime.

Queries are latency-bound (one short text at a time); there ONNX Runtime runs MiniLM about 3x
faster than PyTorch on CPU, and a search-only process needs neither PyTorch nor
sentence-transformers. The export is made locally from the bundled weights, once per cache
folder, next to PyTorch's vector for a probe sentence; the encoder is used only while it
reproduces that vector.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

_PROBE = "How often should a runner lift weights in a week?"
_MIN_AGREEMENT = 0.9999
_INPUTS = ("input_ids", "attention_mask", "token_type_ids", "position_ids")

Reference = Callable[[str], np.ndarray]


class OnnxQueryEncoder:
    """Mean-pooled, L2-normalised MiniLM vectors for one text, via ONNX Runtime."""

    def __init__(self, model_file: Path, tokenizer_file: Path, max_length: int) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = min(2, os.cpu_count() or 1)
        options.log_severity_level = 3
        # Idle ORT threads spin by default, starving PyTorch (indexing) in the same process.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(
            str(model_file), options, providers=["CPUExecutionProvider"]
        )
        # The model's own tokenizer.json: the same ids the sentence-transformers path makes.
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=max_length)

    def encode(self, text: str) -> np.ndarray:
        return self.encode_many([text])

    def encode_many(self, texts: list[str]) -> np.ndarray:
        """One row per text; shorter texts are padded and masked, as in a PyTorch batch."""
        encodings = self._tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)

        def padded(rows: list[list[int]]) -> np.ndarray:
            return np.asarray([row + [0] * (width - len(row)) for row in rows], dtype=np.int64)

        feeds = {
            "input_ids": padded([e.ids for e in encodings]),
            "attention_mask": padded([e.attention_mask for e in encodings]),
            "token_type_ids": padded([e.type_ids for e in encodings]),
            "position_ids": np.tile(np.arange(width, dtype=np.int64), (len(texts), 1)),
        }
        return self._session.run(None, feeds)[0].astype(np.float32, copy=False)


def build_query_encoder(
    model_dir: Path, max_length: int, reference: Reference, cache_dir: Path
) -> OnnxQueryEncoder | None:
    """A checked `OnnxQueryEncoder`, or None (logged) so that PyTorch serves queries.

    `reference(text)` is PyTorch's vector; it is only called when exporting. A cached export
    that will not load or no longer agrees is made again once.
    """
    model_file, probe_file = _cache_paths(model_dir, cache_dir)
    for attempt in range(2):
        try:
            if not (model_file.exists() and probe_file.exists()):
                _export(model_dir, model_file, probe_file, reference)
            encoder = OnnxQueryEncoder(model_file, model_dir / "tokenizer.json", max_length)
            agreement = float(encoder.encode(_PROBE)[0] @ np.load(probe_file))
            if agreement >= _MIN_AGREEMENT:
                return encoder
            problem = f"disagrees with PyTorch (cos {agreement:.6f})"
        except Exception as exc:  # any failure leaves the PyTorch path serving
            problem = f"{exc.__class__.__name__}: {exc}"
        model_file.unlink(missing_ok=True)
        probe_file.unlink(missing_ok=True)
        if attempt == 0:
            log.warning("cached ONNX query encoder unusable (%s); exporting it again", problem)
    log.warning("ONNX query encoder unavailable, using PyTorch for queries: %s", problem)
    return None


def _cache_paths(model_dir: Path, cache_dir: Path) -> tuple[Path, Path]:
    weights = (model_dir / "model.safetensors").stat().st_size
    key = hashlib.sha256(f"{model_dir}|{weights}".encode()).hexdigest()[:16]
    return cache_dir / f"minilm-query-{key}.onnx", cache_dir / f"minilm-query-{key}.probe.npy"


def _export(model_dir: Path, model_file: Path, probe_file: Path, reference: Reference) -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    class Pooled(torch.nn.Module):
        """Transformer + mean pooling + L2 norm, as sentence-transformers computes them."""

        def __init__(self, transformer) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids, position_ids):
            hidden = self.transformer(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
                position_ids=position_ids,
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=1)

    model_file.parent.mkdir(parents=True, exist_ok=True)
    # Eager attention and explicit position ids: the traced graph must not bake in the
    # example's sequence length.
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    example = AutoTokenizer.from_pretrained(str(model_dir))(
        ["an example sentence to trace the graph with"], return_tensors="pt"
    )
    length = example["input_ids"].shape[1]
    args = (
        example["input_ids"],
        example["attention_mask"],
        example["token_type_ids"],
        torch.arange(length).unsqueeze(0),
    )
    fd, tmp = tempfile.mkstemp(prefix=".minilm-", suffix=".onnx", dir=model_file.parent)
    os.close(fd)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Pooled(model),
                args,
                tmp,
                input_names=list(_INPUTS),
                output_names=["vector"],
                dynamic_axes={name: {0: "batch", 1: "tokens"} for name in _INPUTS},
                opset_version=17,
                dynamo=False,
            )
        os.replace(tmp, model_file)
    finally:
        Path(tmp).unlink(missing_ok=True)
    np.save(probe_file, reference(_PROBE)[0])
    log.info("exported the query encoder to %s", model_file)
