"""What every judge training step shares: seeding, logging, and the ranking groups."""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import time
from pathlib import Path

import numpy as np
import torch


def seed_everything(seed: int, threads: int) -> None:
    """Fixed seeds and one code path per op: a rebuild gives the same weights (same threads)."""
    os.environ.setdefault("PYTHONHASHSEED", str(seed))
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=True)


def start_logging(build: Path, step: str) -> None:
    """Progress to the console and to `build/<step>.log`."""
    build.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(message)s",
        handlers=[logging.FileHandler(build / f"{step}.log"), logging.StreamHandler()],
    )


def question_groups(rows: list[dict], size: int = 8) -> list[list[int]]:
    """Per question with a passage that answers it: that passage first, then the question's
    not-covered passages (labelled candidates, neighbours, random ones)."""
    by_question: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        if r["task"] == "relevance":
            by_question.setdefault(r["text"], []).append(i)
    groups = []
    for members in by_question.values():
        answers = [i for i in members if rows[i]["label"] == 0]
        negatives = [i for i in members if rows[i]["label"] == 2]
        if answers and negatives:
            groups.append([answers[0], *negatives[: size - 1]])
    return groups


def step_parser(doc: str, build: Path, epochs: int) -> argparse.ArgumentParser:
    """`train` or `export`, with the build folder, seed and epochs (the frozen-encoder designs)."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("step", choices=["train", "export"])
    parser.add_argument("--build", type=Path, default=build)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--epochs", type=int, default=epochs)
    return parser


def class_weights(task: torch.Tensor, label: torch.Tensor) -> dict[int, torch.Tensor]:
    """Per task, each class weighted by the square root of its inverse frequency (mean 1)."""
    weights = {}
    for t in range(2):
        counts = torch.bincount(label[task == t], minlength=3).float().clamp(min=1)
        w = (counts.sum() / (3 * counts)).sqrt()
        weights[t] = w / w.mean()
    return weights


def task_loss(
    heads: tuple[torch.Tensor, torch.Tensor],
    task: torch.Tensor,
    label: torch.Tensor,
    weights: dict[int, torch.Tensor],
) -> torch.Tensor:
    """Each pair's class-weighted cross-entropy on its own task's head (relevance or support),
    each task weighted by its share of the batch."""
    loss = torch.zeros(())
    for t, logits in enumerate(heads):
        m = task == t
        if m.any():
            ce = torch.nn.functional.cross_entropy(logits[m], label[m], weight=weights[t])
            loss = loss + m.float().mean() * ce
    return loss


def write_summary(build: Path, started: float, figures: dict, **fields: object) -> dict:
    """`build/train.json`: how the run was made and its training-dev figures (export reads it)."""
    summary = {**fields, "dev": figures, "seconds": round(time.perf_counter() - started, 1)}
    (build / "train.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return summary
