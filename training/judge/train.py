"""Fine-tune the judge on `build/pairs.jsonl`: MiniLM as a cross-encoder with two 3-way heads.

Fixed seed and a fixed step budget (deterministic on CPU); the dev split (held-out articles)
picks the best checkpoint. Progress goes to `build/train.log`; the best weights to
`build/judge.pt`, its dev figures to `build/train.json`.

    python -m training.judge.train [--max-steps 240] [--seed 13]

The budget is CPU time on two shared cores (`make judge` must finish within an hour): 240 steps
of 16 pairs, the embeddings and the lower 4 of MiniLM's 6 layers kept as shipped, pairs cut to
192 tokens.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import math
import random
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from training.judge.common import question_groups, seed_everything, start_logging
from training.judge.metrics import evaluate, headline, load_jsonl
from training.judge.model import HEADS, JudgeNet, base_model_dir

log = logging.getLogger("training.judge.train")

BUILD = Path(__file__).resolve().parent / "build"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", type=Path, default=BUILD)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--max-steps", type=int, default=240)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--max-len", type=int, default=192)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--head-lr", type=float, default=2e-3)
    parser.add_argument(
        "--freeze-layers",
        type=int,
        default=4,
        help="keep the embeddings and this many lower layers as shipped (-1: embeddings trained)",
    )
    parser.add_argument(
        "--cache-below",
        type=int,
        default=0,
        help="run the frozen embeddings and this many lower layers once per pair and train the "
        "layers above from their cached output (needs --freeze-layers equal to it)",
    )
    parser.add_argument(
        "--listwise",
        type=int,
        default=0,
        help="also train ranking: this many question groups per step (the gold passage against "
        "that question's negatives, softmax over P(answers))",
    )
    parser.add_argument("--evals", type=int, default=1, help="dev checks over the run")
    # One thread: deterministic sums, and on two cores shared with other work a second
    # thread mostly waits for the first (measured: 2.5x the CPU time per step for ~1.3x speed).
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    start_logging(args.build, "train")
    train(args)


def train(args: argparse.Namespace) -> dict:
    seed_everything(args.seed, args.threads)
    started = time.perf_counter()
    rows = load_jsonl(args.build / "pairs.jsonl")
    ranking = load_jsonl(args.build / "ranking_dev.jsonl")
    train_rows = [r for r in rows if r["split"] == "train"]
    dev_rows = [r for r in rows if r["split"] == "dev"]
    log.info("pairs: %d train, %d dev, %d dev ranking questions", len(train_rows),
             len(dev_rows), len(ranking))  # fmt: skip

    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(base_model_dir()))
    model = JudgeNet.from_minilm()
    encoded = _encode(tokenizer, train_rows, args.max_len)
    weights = {task: _class_weights(train_rows, task) for task in HEADS}
    log.info(
        "class weights: %s", {t: [round(x, 2) for x in w.tolist()] for t, w in weights.items()}
    )
    _freeze(model, args.freeze_layers)
    if args.cache_below:
        if args.cache_below != args.freeze_layers:
            raise SystemExit("--cache-below must equal --freeze-layers")
        _cache_lower(model, encoded, args.cache_below, args.build / "cache.pt")
        log.info("cached layers below %d for %d pairs (%.0f s)", args.cache_below, len(encoded),
                 time.perf_counter() - started)  # fmt: skip

    steps_per_epoch = math.ceil(len(train_rows) / args.batch)
    total = min(args.max_steps, int(steps_per_epoch * args.epochs))
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    head_params = [p for n, p in trainable if not n.startswith("encoder.")]
    enc_params = [p for n, p in trainable if n.startswith("encoder.")]
    optimizer = torch.optim.AdamW(
        [{"params": enc_params, "lr": args.lr}, {"params": head_params, "lr": args.head_lr}],
        weight_decay=0.01,
    )
    warmup = max(1, total // 10)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / (total - warmup)))
    )
    loss_fns = {t: nn.CrossEntropyLoss(weight=weights[t]) for t in HEADS}
    # Dev checks pick the checkpoint; with one check, the last weights are it and the export
    # measures them (through ONNX Runtime, several times faster than PyTorch here).
    check_at = {round(total * (i + 1) / args.evals) for i in range(args.evals)}
    if args.evals <= 1:
        check_at = set()
    rng = random.Random(args.seed)
    groups = question_groups(train_rows) if args.listwise else []
    log.info("ranking groups: %d", len(groups))
    group_order: list[int] = []
    best: dict = {"score": -1.0}
    step = 0
    while step < total:
        for batch in _batches(encoded, args.batch, rng):
            model.train()
            if args.cache_below:
                rel, sup = _upper_forward(model, batch, args.cache_below)
            else:
                rel, sup = model(
                    batch["input_ids"], batch["attention_mask"], batch["token_type_ids"]
                )
            loss = torch.zeros(())
            for task, logits in zip(HEADS, (rel, sup), strict=True):
                mask = batch["task"] == HEADS.index(task)
                if mask.any():
                    share = mask.float().mean()
                    loss = loss + share * loss_fns[task](logits[mask], batch["labels"][mask])
            if groups:
                if len(group_order) < args.listwise:
                    group_order = list(range(len(groups)))
                    rng.shuffle(group_order)
                picked = [groups[group_order.pop()] for _ in range(args.listwise)]
                loss = loss + _listwise_loss(model, encoded, picked, args.cache_below)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            step += 1
            if step % 25 == 0:
                elapsed = time.perf_counter() - started
                log.info("step %d/%d loss %.4f (%.0f s)", step, total, loss.item(), elapsed)
            if step in check_at:
                figures = evaluate(_predictor(model, tokenizer, args.max_len), dev_rows, ranking)
                score = _score(figures)
                log.info("dev @%d: score %.4f %s", step, score, headline(figures))
                if score > best["score"]:
                    best = {"score": score, "step": step, "figures": figures,
                            "state": copy.deepcopy(model.state_dict())}  # fmt: skip
            if step >= total:
                break
    if "state" in best:
        model.load_state_dict(best["state"])
    else:
        best = {"step": total, "figures": {}}
    torch.save(model.state_dict(), args.build / "judge.pt")
    summary = {
        "seed": args.seed,
        "steps": total,
        "best_step": best["step"],
        "batch": args.batch,
        "max_len": args.max_len,
        "lr": args.lr,
        "freeze_layers": args.freeze_layers,
        "cache_below": args.cache_below,
        "head_lr": args.head_lr,
        "train_pairs": len(train_rows),
        "dev_pairs": len(dev_rows),
        "dev": best["figures"],
        "seconds": round(time.perf_counter() - started, 1),
    }
    (args.build / "train.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    log.info("best dev @%d (%s); %.0f s", best["step"], headline(best["figures"]),
             summary["seconds"])  # fmt: skip
    return summary


def _freeze(model: JudgeNet, layers: int) -> None:
    """The word embeddings (a third of the weights) stay as MiniLM learnt them: a few thousand
    pairs cannot improve them, and their update is a large share of a CPU step."""
    if layers < 0:
        return
    for p in model.encoder.embeddings.parameters():
        p.requires_grad = False
    for layer in model.encoder.encoder.layer[:layers]:
        for p in layer.parameters():
            p.requires_grad = False


def _listwise_loss(
    model: JudgeNet, encoded: list[dict], groups: list[list[int]], cache_below: int
) -> torch.Tensor:
    """Softmax over each group's log P(answers), the gold passage the target: the reranker's
    job, which per-pair labels teach only indirectly."""
    flat = [i for g in groups for i in g]
    batch = _collate([encoded[i] for i in flat])
    if cache_below:
        rel, _ = _upper_forward(model, batch, cache_below)
    else:
        rel, _ = model(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"])
    scores = torch.log_softmax(rel, dim=1)[:, 0]
    losses, start = [], 0
    for g in groups:
        part = scores[start : start + len(g)]
        losses.append(-torch.log_softmax(part, dim=0)[0])
        start += len(g)
    return torch.stack(losses).mean()


def _run_layers(
    layers: Iterable[nn.Module], hidden: torch.Tensor, mask: torch.Tensor
) -> torch.Tensor:
    """BERT layers in turn, with the additive mask eager attention reads (0 on tokens, -inf-ish
    on padding), as the encoder's own forward runs them."""
    extended = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
    for layer in layers:
        out = layer(hidden, attention_mask=extended)
        hidden = out[0] if isinstance(out, tuple) else out
    return hidden


@torch.inference_mode()
def _cache_lower(model: JudgeNet, encoded: list[dict], below: int, path: Path) -> None:
    """Frozen layers give the same output every epoch: compute it once (fp16, ~1 GB), so a step
    costs only the trained layers. Equal to the full forward (checked to 0.0 on fp32). Kept in
    `path` for the next run over the same pairs."""
    key = (below, len(encoded), sum(len(it["input_ids"]) for it in encoded))
    if path.exists():
        saved = torch.load(path)
        if saved["key"] == key:
            for it, hidden in zip(encoded, saved["hidden"], strict=True):
                it["hidden"] = hidden
            return
    model.eval()
    encoder = model.encoder
    for start in range(0, len(encoded), 64):
        items = encoded[start : start + 64]
        batch = _collate(items)
        ids = batch["input_ids"]
        positions = torch.arange(ids.shape[1]).unsqueeze(0).expand_as(ids)
        hidden = encoder.embeddings(
            input_ids=ids, token_type_ids=batch["token_type_ids"], position_ids=positions
        )
        hidden = _run_layers(encoder.encoder.layer[:below], hidden, batch["attention_mask"])
        for i, it in enumerate(items):
            it["hidden"] = hidden[i, : len(it["input_ids"])].to(torch.float16).clone()
    torch.save({"key": key, "hidden": [it["hidden"] for it in encoded]}, path)


def _upper_forward(
    model: JudgeNet, batch: dict[str, torch.Tensor], below: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """The trained layers and heads from the cached lower output: the model's own forward,
    started part-way up."""
    mask = batch["attention_mask"]
    hidden = _run_layers(model.encoder.encoder.layer[below:], batch["hidden"], mask)
    return model.heads(hidden, mask)


def _score(figures: dict[str, float]) -> float:
    """What picks the checkpoint: both heads' dev accuracy, and the ranking the judge is for."""
    parts = [figures.get("relevance_acc", 0.0), figures.get("support_acc", 0.0)]
    parts.append(figures.get("answers_vs_not_auc", 0.0))
    return float(np.mean(parts))


def _class_weights(rows: list[dict], task: str) -> torch.Tensor:
    """Inverse square-root frequency: the rare labels count more, without swamping the rest."""
    counts = Counter(r["label"] for r in rows if r["task"] == task)
    total = sum(counts.values()) or 1
    w = torch.tensor([math.sqrt(total / (3 * max(counts.get(i, 0), 1))) for i in range(3)])
    return (w / w.mean()).float()


def _encode(tokenizer, rows: list[dict], max_len: int) -> list[dict]:
    enc = tokenizer(
        [r["text"] for r in rows],
        [r["passage"] for r in rows],
        truncation="longest_first",
        max_length=max_len,
    )
    return [
        {
            "input_ids": enc["input_ids"][i],
            "token_type_ids": enc["token_type_ids"][i],
            "task": HEADS.index(r["task"]),
            "label": r["label"],
        }
        for i, r in enumerate(rows)
    ]


def _batches(encoded: list[dict], size: int, rng: random.Random):
    """Batches of similar length (padding is most of the cost), in a shuffled order."""
    order = list(range(len(encoded)))
    rng.shuffle(order)
    pool = size * 50
    batches: list[list[int]] = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lambda i: len(encoded[i]["input_ids"]))
        batches += [chunk[j : j + size] for j in range(0, len(chunk), size)]
    rng.shuffle(batches)
    for rows in batches:
        yield _collate([encoded[i] for i in rows])


def _collate(items: list[dict]) -> dict[str, torch.Tensor]:
    width = max(len(it["input_ids"]) for it in items)

    def pad(key: str) -> torch.Tensor:
        return torch.tensor([it[key] + [0] * (width - len(it[key])) for it in items])

    ids = pad("input_ids")
    extra: dict[str, torch.Tensor] = {}
    if "hidden" in items[0]:
        hidden = torch.zeros(len(items), width, items[0]["hidden"].shape[1])
        for i, it in enumerate(items):
            hidden[i, : it["hidden"].shape[0]] = it["hidden"].float()
        extra["hidden"] = hidden
    return {
        **extra,
        "input_ids": ids,
        "token_type_ids": pad("token_type_ids"),
        "attention_mask": (ids != 0).long(),
        "task": torch.tensor([it["task"] for it in items]),
        "labels": torch.tensor([it["label"] for it in items]),
    }


def _predictor(model: JudgeNet, tokenizer, max_len: int):
    """PyTorch predictions in the shape `metrics.evaluate` reads."""

    def predict(pairs):
        model.eval()
        out: dict[str, list[np.ndarray]] = {t: [] for t in HEADS}
        with torch.inference_mode():
            for start in range(0, len(pairs), 64):
                part = pairs[start : start + 64]
                enc = tokenizer(
                    [a for a, _ in part],
                    [b for _, b in part],
                    truncation="longest_first",
                    max_length=max_len,
                    padding=True,
                    return_tensors="pt",
                )
                rel, sup = model(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
                out["relevance"].append(rel.numpy())
                out["support"].append(sup.numpy())
        return {t: np.concatenate(v) if v else np.zeros((0, 3)) for t, v in out.items()}

    return predict


if __name__ == "__main__":
    main()
