"""Sentence vectors made at index time, stored per segment, and cheap calibration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval import sentence_vectors
from retrieval.ingest.indexer import update_index
from retrieval.live_index import open_retriever
from retrieval.search.abstention import Calibration, calibrate_index
from retrieval.search.hybrid import HybridRetriever
from retrieval.search.question_vectors import CACHE_NAME
from retrieval.sentence_vectors import FOLDER, passage_sentences
from tests.retrieval.conftest import ARTICLES, CountingEmbedder, write_articles

QUESTION = "how do I run a hill session"


@pytest.fixture
def built(tmp_path: Path, embedder) -> tuple[Path, HybridRetriever]:
    knowledge = write_articles(tmp_path / "knowledge")
    return knowledge, open_retriever(knowledge, tmp_path / "data", CountingEmbedder(embedder))


def reindex(knowledge: Path, retriever: HybridRetriever) -> None:
    update_index(
        knowledge,
        retriever.data_dir,
        retriever.store,
        retriever.embedder,
        model_name=retriever.embedder.name,
    )
    assert retriever.refresh()


def test_passage_sentences_keep_long_sentences_or_the_whole_passage() -> None:
    text = "Warm up first.\nThen run   the hills at a strong effort. Rest well after."
    assert passage_sentences(text) == ["Then run the hills at a strong effort."]
    assert passage_sentences("Short. Very short.") == ["Short. Very short."]


def test_stored_sentence_vectors_are_the_sentences_encoded_alone(built, embedder) -> None:
    _, retriever = built
    served = retriever._served
    for row, chunk in enumerate(served.chunks):
        stored = np.asarray(served.sentence_vectors[row], dtype=np.float32)
        alone = embedder.embed(passage_sentences(chunk.text))
        assert stored.shape == alone.shape
        assert np.allclose(stored, alone, atol=2e-3)  # float16 on disk


def test_a_fresh_reader_embeds_only_the_question(built) -> None:
    _, retriever = built
    retriever.search("warm up")  # the data dir's first calibration, out of the way
    reader = HybridRetriever(retriever.store, retriever.data_dir, retriever.embedder)
    texts = reader.embedder.texts
    reader.search(QUESTION)
    assert reader.embedder.texts == texts + 1


def test_segment_files_follow_their_segments(built) -> None:
    knowledge, retriever = built
    first = retriever.manifest.collection
    files = retriever.data_dir / FOLDER
    assert {p.name for p in files.iterdir()} == {f"{first}.npy", f"{first}.json"}
    seen = {first}
    for round_ in range(3):  # a dropped segment's files go with it
        (knowledge / "rest-days.md").write_text(
            ARTICLES["rest-days.md"] + f"\n\nEdit {round_}: rest is training too.\n",
            encoding="utf-8",
        )
        reindex(knowledge, retriever)
        stems = [p.stem for p in files.iterdir()]
        assert sorted(stems) == sorted(2 * retriever.store.collection_names())
        seen |= set(stems)
    assert seen - set(stems)  # some segments were dropped, and their files with them


def test_a_damaged_segment_file_falls_back_to_embedding_lazily(
    built, caplog: pytest.LogCaptureFixture
) -> None:
    _, retriever = built
    name = retriever.manifest.collection
    (retriever.data_dir / FOLDER / f"{name}.npy").write_bytes(b"\x93NUMPY garbage")
    with caplog.at_level("WARNING", logger="retrieval.sentence_vectors"):
        reader = HybridRetriever(retriever.store, retriever.data_dir, retriever.embedder)
    assert "unusable" in caplog.text
    assert reader._served.sentence_vectors == {}
    texts = reader.embedder.texts
    result = reader.search(QUESTION)
    assert result.hits[0].source == "hill-repeats.md"
    assert reader.embedder.texts > texts + 1  # the top passages' sentences, embedded now


def test_merging_an_old_segment_without_sentence_vectors_encodes_them(built) -> None:
    """A segment written before sentence vectors were stored gets them when it is merged."""
    knowledge, retriever = built
    first = retriever.manifest.collection
    for path in (retriever.data_dir / FOLDER).iterdir():
        path.unlink()
    for name in ("rest-days.md", "track-etiquette.md", "club-drills.md"):  # big enough to merge
        (knowledge / name).write_text(
            ARTICLES[name] + "\n\nAn edit that merges what is left of the old segment.\n",
            encoding="utf-8",
        )
    reindex(knowledge, retriever)
    assert first not in {s.name for s in retriever.manifest.segments}  # merged away
    reader = HybridRetriever(retriever.store, retriever.data_dir, retriever.embedder)
    served = reader._served
    assert set(served.sentence_vectors) == set(range(len(served.chunks)))


def test_batched_calibration_gives_the_same_result(built) -> None:
    """One batched embed (and the vector cache) must not move the calibration."""
    _, retriever = built
    passages = [c.text for c in retriever.chunks()]
    one_by_one = calibrate_index(
        "x",
        passages,
        lambda qs: [retriever.search_with_evidence(q, 1, decide=False)[1] for q in qs],
    )
    # Building the index calibrated it already: start from nothing cached.
    (retriever.data_dir / "abstention-calibration.json").unlink()
    (retriever.data_dir / CACHE_NAME).unlink()
    fresh = HybridRetriever(retriever.store, retriever.data_dir, retriever.embedder)
    calls = retriever.embedder.calls
    batched = fresh.calibrate()
    assert retriever.embedder.calls == calls + 1  # ~60 questions, one call
    assert_same(batched, one_by_one)
    # Another process, same data dir: the questions' vectors come from the cache.
    (retriever.data_dir / "abstention-calibration.json").unlink()
    other = HybridRetriever(retriever.store, retriever.data_dir, retriever.embedder)
    calls = retriever.embedder.calls
    assert_same(other.calibrate(), one_by_one)
    assert retriever.embedder.calls == calls


def test_after_an_edit_calibration_embeds_only_new_questions(built) -> None:
    from retrieval.search.abstention import pseudo_questions

    knowledge, retriever = built
    retriever.calibrate()
    before = set(pseudo_questions([c.text for c in retriever.chunks()]))
    (knowledge / "track-etiquette.md").write_text(
        ARTICLES["track-etiquette.md"].replace("Warm up and cool", "Jog easy and cool"),
        encoding="utf-8",
    )
    reindex(knowledge, retriever)
    after = set(pseudo_questions([c.text for c in retriever.chunks()]))
    assert after - before
    texts = retriever.embedder.texts
    retriever.calibrate()
    assert retriever.embedder.texts - texts == len(after - before)


def test_a_damaged_question_cache_is_rebuilt(built) -> None:
    _, retriever = built
    first = retriever.calibrate()
    (retriever.data_dir / CACHE_NAME).write_bytes(b"not a zip")
    (retriever.data_dir / "abstention-calibration.json").unlink()
    other = HybridRetriever(retriever.store, retriever.data_dir, retriever.embedder)
    assert_same(other.calibrate(), first)
    assert np.load(retriever.data_dir / CACHE_NAME)["vectors"].shape[1] == 384


def assert_same(got: Calibration, want: Calibration) -> None:
    for field, value in want.model_dump().items():
        if field == "generation":
            continue
        assert getattr(got, field) == pytest.approx(value, abs=1e-4), field


def test_sentence_vector_files_round_trip(tmp_path: Path) -> None:
    rows = [np.eye(3, dtype=np.float32)[:2], np.zeros((0, 3), np.float32), np.ones((1, 3)) / 3**0.5]
    sentence_vectors.save_segment(tmp_path, "seg", ["a", "b", "c"], rows)
    got = sentence_vectors.load_segment(tmp_path, "seg")
    assert got is not None and list(got) == ["a", "b", "c"]
    for key, want in zip("abc", rows, strict=True):
        assert np.allclose(np.asarray(got[key], np.float32), want, atol=1e-3)
    assert sentence_vectors.load_segment(tmp_path, "other") is None
    sentence_vectors.drop_segments(tmp_path, keep=set())
    assert not list((tmp_path / FOLDER).iterdir())
