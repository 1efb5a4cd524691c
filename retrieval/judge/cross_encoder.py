"""A local sentence-transformers CrossEncoder folder as the judge (the seam for a bigger model).

How its logits become our verdicts (a model knows one job; the other is a rough fit):
- 1 logit (a reranker, e.g. an MS MARCO MiniLM): p = sigmoid(logit), pairs read (text,
  passage). Relevance: answers = p, not_covered = 1 - p, touches = 0. Support: supported = p,
  unsupported = 1 - p, contradicted = 0 (a reranker cannot tell a reversal from a paraphrase).
- 3 logits named as NLI labels (entailment / contradiction / neutral, any case): pairs read
  (passage, text), premise first as NLI models are trained. Support: supported = entailment,
  contradicted = contradiction, unsupported = neutral. Relevance: answers = entailment,
  touches = neutral, not_covered = contradiction (an NLI model reads a question poorly).
- 3 logits named with our own labels (answers/touches/not_covered, or supported/contradicted/
  unsupported): by name, pairs read (text, passage); unnamed 3-logit models by position in
  our order.
Softmax over 3 logits; anything else is a JudgeError.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.judge.models import JudgeError, Relevance, Support
from retrieval.judge.onnx_judge import RELEVANCE_LABELS, SUPPORT_LABELS, softmax

log = logging.getLogger(__name__)

# NLI label names in our (yes, against, neither) order.
_NLI = ("entailment", "contradiction", "neutral")


class CrossEncoderJudge:
    """`Judge` over a local CrossEncoder folder, run by PyTorch on CPU; never downloads."""

    def __init__(self, folder: Path, *, batch_size: int = 32) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            from sentence_transformers import CrossEncoder

            self._model = CrossEncoder(str(folder), device="cpu", local_files_only=True)
        except Exception as exc:  # a half-copied folder fails in many library-specific ways
            raise JudgeError(f"cannot load the cross-encoder in {folder}: {exc}") from None
        self._batch_size = batch_size
        self._labels = _label_names(self._model)
        self._nli = set(self._labels) == set(_NLI)
        if len(self._labels) not in (1, 3):
            raise JudgeError(
                f"{folder} is a cross-encoder with {len(self._labels)} outputs; the judge reads "
                "1 (a relevance score) or 3 (NLI or our own labels)"
            )
        self.name = f"cross-encoder {folder.name} ({len(self._labels)} label)"
        # One PyTorch forward at a time: its own threads use both cores already.
        self._lock = threading.Lock()

    def relevance(self, question: str, passages: Sequence[str]) -> list[Relevance]:
        probs = self._scores([(question, p) for p in passages], RELEVANCE_LABELS)
        return [Relevance(answers=a, touches=t, not_covered=n) for a, t, n in probs.tolist()]

    def support(self, pairs: Sequence[tuple[str, str]]) -> list[Support]:
        probs = self._scores(list(pairs), SUPPORT_LABELS)
        return [Support(supported=s, contradicted=c, unsupported=u) for s, c, u in probs.tolist()]

    def _scores(self, pairs: list[tuple[str, str]], ours: tuple[str, str, str]) -> np.ndarray:
        """Rows of (yes, against, neither) probabilities in `ours` order."""
        if not pairs:
            return np.zeros((0, 3))
        if self._nli:
            pairs = [(passage, text) for text, passage in pairs]
        logits = self._logits(pairs)
        if len(self._labels) == 1:
            p = 1.0 / (1.0 + np.exp(-logits[:, 0].astype(np.float64)))
            return np.stack([p, np.zeros_like(p), 1.0 - p], axis=1)
        probs = softmax(logits)
        if self._nli:
            return probs[:, [self._labels.index(name) for name in _NLI]]
        if set(self._labels) == set(ours):
            return probs[:, [self._labels.index(name) for name in ours]]
        return probs

    def _logits(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        import torch

        with self._lock:
            logits = self._model.predict(
                pairs,
                batch_size=self._batch_size,
                activation_fn=torch.nn.Identity(),
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(logits, dtype=np.float32).reshape(len(pairs), -1)


def _label_names(model: Any) -> list[str]:
    """The model's output names in logit order, lower-cased ("label_0"... when unnamed)."""
    config = model.model.config
    count = int(getattr(model, "num_labels", None) or config.num_labels)
    id2label = getattr(config, "id2label", None) or {}
    return [str(id2label.get(i, f"label_{i}")).lower() for i in range(count)]
