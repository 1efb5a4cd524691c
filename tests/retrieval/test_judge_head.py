"""The judge's trained head (training/judge/late.py) as it ships: ONNX agrees with PyTorch, and
padding never changes a verdict (the app stacks texts of different lengths in one run)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from training.judge.export import _export_head
from training.judge.late import LateEnsemble, LateHead, load_head
from training.judge.paired import HIDDEN


def _head(align: int) -> LateHead:
    torch.manual_seed(7)
    return LateHead(align=align).eval()


def _side(lengths: list[int], width: int) -> tuple[torch.Tensor, torch.Tensor]:
    hidden = torch.randn(len(lengths), width, HIDDEN)
    mask = torch.zeros(len(lengths), width, dtype=torch.long)
    for i, n in enumerate(lengths):
        mask[i, 1 : n - 1] = 1  # [CLS] and [SEP] take no part in matching
    return hidden, mask


def _ensemble() -> LateEnsemble:
    torch.manual_seed(7)
    return LateEnsemble([LateHead(align=0) for _ in range(3)]).eval()


@pytest.mark.parametrize("kind", ["align 0", "align 16", "ensemble"])
def test_exported_head_agrees_with_pytorch(tmp_path: Path, kind: str) -> None:
    import onnxruntime as ort

    head = _ensemble() if kind == "ensemble" else _head(int(kind.split()[1]))
    path = tmp_path / "head.onnx"
    _export_head(head, HIDDEN, path)
    torch.manual_seed(1)
    hq, mq = _side([6, 11, 4], 11)
    hp, mp = _side([30, 17, 40], 40)
    with torch.inference_mode():
        want = head(hq, mq, hp, mp)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(
        ["relevance", "support"],
        {"hq": hq.numpy(), "mq": mq.numpy(), "hp": hp.numpy(), "mp": mp.numpy()},
    )
    for ours, theirs in zip(got, want, strict=True):
        assert np.abs(ours - theirs.numpy()).max() < 1e-4


def test_alignment_ignores_padding() -> None:
    head = _head(16)
    torch.manual_seed(2)
    hq, mq = _side([8], 8)
    hp, mp = _side([20], 20)
    padded_q = torch.cat([hq, torch.randn(1, 5, HIDDEN)], dim=1)
    padded_mq = torch.cat([mq, torch.zeros(1, 5, dtype=torch.long)], dim=1)
    padded_p = torch.cat([hp, torch.randn(1, 9, HIDDEN)], dim=1)
    padded_mp = torch.cat([mp, torch.zeros(1, 9, dtype=torch.long)], dim=1)
    with torch.inference_mode():
        plain = head(hq, mq, hp, mp)
        padded = head(padded_q, padded_mq, padded_p, padded_mp)
        # A passage token outside the mask is noise the verdict must not see either...
        moved = head(hq, mq, hp + (1 - mp).unsqueeze(-1) * 3.0, mp)
        # ...while one inside it is read.
        changed = head(hq, mq, hp + mp.unsqueeze(-1) * 3.0, mp)
    for a, b, c, d in zip(plain, padded, moved, changed, strict=True):
        assert torch.allclose(a, b, atol=1e-5)
        assert torch.allclose(a, c, atol=1e-5)
        assert not torch.allclose(a, d, atol=1e-3)


def test_ensemble_averages_its_members_and_each_one_counts() -> None:
    ensemble = _ensemble()
    torch.manual_seed(3)
    hq, mq = _side([7, 5], 7)
    hp, mp = _side([25, 12], 25)
    with torch.inference_mode():
        together = ensemble(hq, mq, hp, mp)
        alone = [member(hq, mq, hp, mp) for member in ensemble.members]
        first_only = LateEnsemble([ensemble.members[0]])(hq, mq, hp, mp)
    for job, combined in enumerate(together):
        mean = torch.stack([a[job] for a in alone]).mean(0)
        assert torch.allclose(combined, mean, atol=1e-6)
        # Members trained from other seeds disagree, so the average is not any one of them.
        assert not torch.allclose(combined, first_only[job], atol=1e-3)


@pytest.mark.parametrize("members", [1, 3])
def test_export_loads_the_head_training_left(tmp_path: Path, members: int) -> None:
    """`late export` rebuilds what `late train` saved: one seed's head or the average."""
    import json

    trained = _ensemble() if members > 1 else _head(0)
    torch.save(trained.state_dict(), tmp_path / "late.pt")
    (tmp_path / "train.json").write_text(
        json.dumps({"align": 0, "split": True, "members": members})
    )
    loaded = load_head(tmp_path)
    assert isinstance(loaded, LateEnsemble if members > 1 else LateHead)
    torch.manual_seed(4)
    hq, mq = _side([6], 6)
    hp, mp = _side([18], 18)
    with torch.inference_mode():
        for a, b in zip(loaded(hq, mq, hp, mp), trained(hq, mq, hp, mp), strict=True):
            assert torch.allclose(a, b)
