"""Training-dev figures for the judge, computed the same way for PyTorch and ONNX predictions.

`predict(pairs) -> {"relevance": logits, "support": logits}` is any of the two; the rows of
`build/pairs.jsonl` whose split is "dev" and `build/ranking_dev.jsonl` are the data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

Predict = Callable[[Sequence[tuple[str, str]]], dict[str, np.ndarray]]


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def evaluate(predict: Predict, rows: list[dict], ranking: list[dict]) -> dict[str, float]:
    """Accuracy per head, answers-vs-not AUC, supported precision/recall, reversed kept rate,
    and how often the gold passage ranks first among the retriever's top 10."""
    out: dict[str, float] = {}
    for task in ("relevance", "support"):
        part = [r for r in rows if r["task"] == task]
        if not part:
            continue
        probs = softmax(predict([(r["text"], r["passage"]) for r in part])[task])
        gold = np.asarray([r["label"] for r in part])
        pred = probs.argmax(axis=1)
        out[f"{task}_acc"] = float((pred == gold).mean())
        out[f"{task}_n"] = float(len(part))
        if task == "relevance":
            mask = gold != 1
            out["answers_vs_not_auc"] = auc(probs[mask, 0], gold[mask] == 0)
            out["answers_recall"] = float((pred[gold == 0] == 0).mean())
        else:
            kept = pred == 0
            out["supported_precision"] = float((gold[kept] == 0).mean()) if kept.any() else 0.0
            out["supported_recall"] = float(kept[gold == 0].mean())
            out["reversed_kept"] = float(kept[gold == 1].mean())
            out["contradicted_recall"] = float((pred[gold == 1] == 1).mean())
    out.update(rank_first(predict, ranking))
    return out


def rank_first(predict: Predict, ranking: list[dict]) -> dict[str, float]:
    """Gold first: by today's retriever, and by the judge's P(answers) over the same top 10."""
    if not ranking:
        return {}
    judge = retriever = reachable = judge_any = retriever_any = 0
    for q in ranking:
        ids = [c["chunk_id"] for c in q["candidates"]]
        answering = set(q.get("answering", [q["gold"]]))
        pairs = [(q["question"], c["passage"]) for c in q["candidates"]]
        probs = softmax(predict(pairs)["relevance"])
        top = ids[int(probs[:, 0].argmax())]
        judge_any += top in answering
        retriever_any += ids[0] in answering
        if q["gold"] not in ids:
            continue
        reachable += 1
        judge += top == q["gold"]
        retriever += ids[0] == q["gold"]
    n = len(ranking)
    return {
        "rank_questions": float(n),
        "gold_in_top10": reachable / n,
        "gold_first_retriever": retriever / n,
        "gold_first_judge": judge / n,
        # A passage read as answering (the gold one or a labelled candidate) ranked first.
        "answering_first_retriever": retriever_any / n,
        "answering_first_judge": judge_any / n,
    }


def auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """ROC AUC by ranks (ties count half)."""
    pos, neg = scores[positive], scores[~positive]
    if not len(pos) or not len(neg):
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (len(pos) * len(neg)))


def headline(m: dict[str, float]) -> str:
    keys = (
        "relevance_acc",
        "answers_vs_not_auc",
        "gold_first_judge",
        "gold_first_retriever",
        "answering_first_judge",
        "answering_first_retriever",
        "support_acc",
        "supported_precision",
        "supported_recall",
        "reversed_kept",
    )
    return " ".join(f"{k}={m[k]:.3f}" for k in keys if k in m)
