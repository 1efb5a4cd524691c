"""The judge's support reader (training/judge/support_reader.py) as it ships: its ONNX graph
agrees with PyTorch, padding never moves a verdict, and the runtime reads a pair the way
training did."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from training.judge.export import to_onnx
from training.judge.paired import HIDDEN, load_encoder
from training.judge.support_reader import MID, SupportTop, pair_ids


@pytest.fixture(scope="module")
def top() -> SupportTop:
    torch.manual_seed(5)
    reader = SupportTop(load_encoder())
    torch.nn.init.normal_(reader.out.weight, std=0.5)  # an untrained classifier reads ~0
    return reader.eval()


def test_reader_copies_the_top_layers_and_leaves_the_encoder_alone(top: SupportTop) -> None:
    encoder = load_encoder()
    assert len(top.layers) == len(encoder.encoder.layer) - MID
    first = top.layers[0].attention.self.query.weight
    assert torch.equal(first, encoder.encoder.layer[MID].attention.self.query.weight)
    assert first.data_ptr() != encoder.encoder.layer[MID].attention.self.query.weight.data_ptr()


def test_exported_reader_agrees_with_pytorch(tmp_path: Path, top: SupportTop) -> None:
    import onnxruntime as ort

    path = tmp_path / "reader.onnx"
    axes = {"hidden": {0: "batch", 1: "tokens"}, "mask": {0: "batch", 1: "tokens"},
            "support": {0: "batch"}}  # fmt: skip
    to_onnx(top, (torch.randn(1, 7, HIDDEN), torch.ones(1, 7, dtype=torch.long)), path,
             ("hidden", "mask"), ("support",), axes)  # fmt: skip
    torch.manual_seed(1)
    hidden = torch.randn(1, 23, HIDDEN)
    mask = torch.ones(1, 23, dtype=torch.long)
    with torch.inference_mode():
        want = top(hidden, mask)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = session.run(["support"], {"hidden": hidden.numpy(), "mask": mask.numpy()})
    assert np.abs(got - want.numpy()).max() < 1e-4
    assert np.abs(want.numpy()).max() > 1e-2  # a verdict worth comparing


def test_padding_never_moves_a_verdict(top: SupportTop) -> None:
    torch.manual_seed(2)
    hidden = torch.randn(1, 12, HIDDEN)
    padded = torch.cat([hidden, torch.randn(1, 6, HIDDEN)], dim=1)
    mask = torch.cat([torch.ones(1, 12), torch.zeros(1, 6)], dim=1).long()
    with torch.inference_mode():
        alone = top(hidden, torch.ones(1, 12, dtype=torch.long))
        beside = top(padded, mask)
        changed = top(hidden * 2.0, torch.ones(1, 12, dtype=torch.long))
    assert torch.allclose(alone, beside, atol=1e-4)
    assert not torch.allclose(alone, changed, atol=1e-3)


def test_pair_is_read_claim_first_and_the_passage_is_what_gets_trimmed() -> None:
    from transformers import AutoTokenizer

    from training.judge.model import base_model_dir

    tokenizer = AutoTokenizer.from_pretrained(str(base_model_dir()))
    claim = "Lift after the run."
    passage = "Strength › Order\n\n" + "Run first, then lift, on days with both. " * 60
    ids = pair_ids(tokenizer, claim, passage)
    assert len(ids) == 320
    claim_ids = tokenizer(claim)["input_ids"]
    assert ids[: len(claim_ids)] == claim_ids  # [CLS] claim [SEP], whole
    assert ids[-1] == tokenizer.sep_token_id
