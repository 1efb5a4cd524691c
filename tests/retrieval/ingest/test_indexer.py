"""Incremental, atomic indexing: what is re-embedded, crash safety, the writer lock, bad files."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from filelock import FileLock

from retrieval.chroma_store import COLLECTION_PREFIX, ChromaStore
from retrieval.errors import IndexBusyError
from retrieval.ingest import indexer
from retrieval.ingest.indexer import LOCK_NAME, IndexReport, update_index
from retrieval.ingest.pipeline import chunk_document, load_document
from retrieval.live_index import open_retriever, open_store
from retrieval.manifest import Manifest, load_manifest
from retrieval.search.hybrid import HybridRetriever
from retrieval.sentence_vectors import passage_sentences
from tests.retrieval.conftest import (
    ARTICLES,
    CountingEmbedder,
    FailingEmbedder,
    write_articles,
)

NEW_ARTICLE = """# Tempo runs

## What a tempo run is

A tempo run is twenty minutes at a comfortably hard effort, the pace you could race for about
an hour. It teaches the body to clear lactate and to hold form while tired.

## Pacing the middle block

Settle in over the first five minutes rather than charging out. If you cannot say a short
sentence, ease off a little; the aim is a steady, repeatable effort, not a race.
"""

TIP = (
    "Keep easy runs easy enough to chat with a friend the whole way round, because the aerobic "
    "base is built at that effort and nowhere else, whatever your watch says about the pace. "
) * 4
LAZY_QUERY = "should I have a lazy break so my body can heal"  # finds rest-days.md


@dataclass
class Indexed:
    """A built index over the test articles, plus handles to change and re-run it."""

    knowledge: Path
    data_dir: Path
    store: ChromaStore
    embedder: CountingEmbedder
    first: IndexReport

    def update(self, embedder=None) -> IndexReport:
        return update_index(
            self.knowledge,
            self.data_dir,
            self.store,
            embedder or self.embedder,
            model_name=self.embedder.name,
        )

    def manifest(self) -> Manifest:
        manifest = load_manifest(self.data_dir)
        assert manifest is not None
        return manifest

    def retriever(self) -> HybridRetriever:
        return HybridRetriever(self.store, self.data_dir, self.embedder)


def build(knowledge: Path, data_dir: Path, embedder) -> Indexed:
    counting = CountingEmbedder(embedder)
    store = open_store(data_dir)
    first = update_index(knowledge, data_dir, store, counting, model_name=counting.name)
    return Indexed(knowledge, data_dir, store, counting, first)


@pytest.fixture
def indexed(knowledge: Path, data_dir: Path, embedder) -> Indexed:
    return build(knowledge, data_dir, embedder)


def chunk_count(path: Path, root: Path) -> int:
    """How many chunks a file yields, computed without the indexer."""
    return len(chunk_document(load_document(path, root))[0])


def model_texts(path: Path, root: Path) -> int:
    """Texts the model reads for a file: per chunk its passage, its heading, its sentences."""
    chunks = chunk_document(load_document(path, root))[0]
    return sum(2 + len(passage_sentences(c.text)) for c in chunks)


def assert_consistent(ix: Indexed) -> None:
    """Manifest, Chroma and the served chunks agree, and no chunk id appears twice."""
    manifest = ix.manifest()
    listed = [cid for entry in manifest.files.values() for cid in entry.chunk_ids]
    assert len(listed) == len(set(listed)) == manifest.chunk_count
    served = [c.chunk_id for c in ix.retriever().chunks()]
    assert len(served) == len(set(served))
    assert set(served) == set(listed)
    # Each segment holds a passage entry and a heading entry per chunk written to it.
    for segment in manifest.segments:
        assert ix.store.get(segment.name).count() == 2 * segment.stored
    assert {e.segment for e in manifest.files.values()} <= {s.name for s in manifest.segments}
    assert manifest.collection == manifest.segments[-1].name
    # The live segments, plus at most those of the generation before (in-flight searches).
    names = set(ix.store.collection_names())
    assert {s.name for s in manifest.segments} <= names
    assert len(names) <= 2 * indexer.MAX_SEGMENTS


def ids_of(ix: Indexed, source: str) -> list[str]:
    return ix.manifest().files[source].chunk_ids


# -- incremental updates -----------------------------------------------------------------------
def test_first_build_embeds_every_chunk(indexed: Indexed) -> None:
    expected = sum(chunk_count(indexed.knowledge / name, indexed.knowledge) for name in ARTICLES)
    report = indexed.first
    assert report.switched
    assert report.files == len(ARTICLES)
    assert report.chunks == report.embedded == expected
    assert report.reused == 0
    assert sorted(report.added) == sorted(ARTICLES)
    assert report.changed == report.removed == report.skipped == []
    # Per chunk, its passage, its heading and its sentences went through the model, once.
    assert indexed.embedder.texts == sum(
        model_texts(indexed.knowledge / name, indexed.knowledge) for name in ARTICLES
    )
    assert indexed.manifest().collection == report.collection
    assert_consistent(indexed)


def test_unchanged_rerun_embeds_nothing_and_keeps_the_collection(indexed: Indexed) -> None:
    calls = indexed.embedder.calls
    report = indexed.update()
    assert not report.switched
    assert report.embedded == 0
    assert report.reused == report.chunks == indexed.first.chunks
    assert report.collection == indexed.first.collection
    assert report.added == report.changed == report.removed == []
    assert indexed.embedder.calls == calls
    assert_consistent(indexed)


def test_touched_file_with_same_content_is_not_re_embedded(indexed: Indexed) -> None:
    path = indexed.knowledge / "rest-days.md"
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    report = indexed.update()
    assert (report.embedded, report.switched) == (0, False)
    # The new mtime is remembered, so the next run takes the fast path without hashing.
    assert indexed.manifest().files["rest-days.md"].mtime_ns == path.stat().st_mtime_ns


def test_changed_file_re_embeds_only_its_own_chunks(indexed: Indexed) -> None:
    path = indexed.knowledge / "rest-days.md"
    path.write_text(
        ARTICLES["rest-days.md"].replace("a slow walk with the dog", "a slow stroll in the park"),
        encoding="utf-8",
    )
    texts = indexed.embedder.texts
    report = indexed.update()
    own = chunk_count(path, indexed.knowledge)
    assert report.switched
    assert report.changed == ["rest-days.md"]
    assert report.added == report.removed == []
    assert report.embedded == own
    assert report.reused == indexed.first.chunks - own
    assert indexed.embedder.texts - texts == model_texts(path, indexed.knowledge)
    texts_served = [c.text for c in indexed.retriever().chunks()]
    assert any("stroll in the park" in t for t in texts_served)
    assert not any("walk with the dog" in t for t in texts_served)
    assert_consistent(indexed)


def test_editing_one_section_changes_only_that_sections_chunk_id(indexed: Indexed) -> None:
    before = ids_of(indexed, "hill-repeats.md")
    path = indexed.knowledge / "hill-repeats.md"
    path.write_text(
        ARTICLES["hill-repeats.md"].replace("stop the set there", "call it a day"),
        encoding="utf-8",
    )
    indexed.update()
    after = ids_of(indexed, "hill-repeats.md")
    gone, new = set(before) - set(after), set(after) - set(before)
    assert len(gone) == len(new) == 1
    assert all("#recovering-between-repeats#" in cid for cid in gone | new)
    assert len(after) == len(before)
    assert_consistent(indexed)


def test_added_file_is_embedded_alone_and_searchable(indexed: Indexed) -> None:
    path = indexed.knowledge / "tempo-runs.md"
    path.write_text(NEW_ARTICLE, encoding="utf-8")
    report = indexed.update()
    own = chunk_count(path, indexed.knowledge)
    assert report.added == ["tempo-runs.md"]
    assert report.embedded == own
    assert report.reused == indexed.first.chunks
    assert report.chunks == indexed.first.chunks + own
    hits = indexed.retriever().search("how fast should a tempo run feel", 3).hits
    assert hits[0].source == "tempo-runs.md"
    assert_consistent(indexed)


def test_deleted_file_is_never_served_again(indexed: Indexed) -> None:
    retriever = indexed.retriever()
    query = "which lane should I use at the athletics stadium"
    assert retriever.search(query, 5).hits[0].source == "track-etiquette.md"
    (indexed.knowledge / "track-etiquette.md").unlink()
    report = indexed.update()
    assert report.removed == ["track-etiquette.md"]
    assert report.embedded == 0
    assert "track-etiquette.md" not in indexed.manifest().files
    # Both the retriever that was already serving and a fresh one forget the file.
    for serving in (retriever, indexed.retriever()):
        assert all(h.source != "track-etiquette.md" for h in serving.search(query, 10).hits)
        assert all(c.source != "track-etiquette.md" for c in serving.chunks())
    assert_consistent(indexed)


@pytest.mark.parametrize(
    ("copies", "expect_suffix"),
    [
        ({"copy-of-rest-days.md": ARTICLES["rest-days.md"]}, False),
        ({"sub/rest-days.md": ARTICLES["rest-days.md"]}, False),
        # The same long tip pasted three times under one heading: a passage that repeats an
        # earlier one word for word is indexed once, so no id needs a suffix.
        ({"repeated.md": f"# Repeated tips\n\n## Tip\n\n{TIP}\n\n{TIP}\n\n{TIP}\n"}, False),
    ],
    ids=["copied-file", "same-name-in-subfolder", "repeated-paragraph"],
)
def test_duplicate_content_never_gives_duplicate_chunk_ids(
    indexed: Indexed, copies: dict[str, str], expect_suffix: bool
) -> None:
    for name, text in copies.items():
        (indexed.knowledge / name).parent.mkdir(exist_ok=True)
        (indexed.knowledge / name).write_text(text, encoding="utf-8")
    report = indexed.update()
    assert sorted(report.added) == sorted(copies)
    ids = [cid for name in copies for cid in ids_of(indexed, name)]
    assert len(ids) == len(set(ids))
    assert any(cid.endswith("-2") for cid in ids) == expect_suffix
    texts = [c.text for c in indexed.retriever().chunks() if c.source in copies]
    assert len(texts) == len(set(texts))  # no passage is indexed twice
    assert_consistent(indexed)


def test_mirrored_copies_pass_the_self_check(tmp_path: Path, embedder) -> None:
    # Identical files hold identical vectors; the post-build self-check queries one chunk's
    # vector and used to demand that very id back, so a twin coming first failed the build.
    for trial in range(5):
        knowledge = tmp_path / f"mirrors-{trial}"
        knowledge.mkdir()
        for copy in range(4):
            (knowledge / f"copy-{copy}.md").write_text(ARTICLES["rest-days.md"], encoding="utf-8")
        report = update_index(
            knowledge,
            tmp_path / f"data-{trial}",
            open_store(tmp_path / f"data-{trial}"),
            embedder,
            model_name=embedder.name,
        )
        assert report.chunks == 4 * 2


@pytest.mark.parametrize(
    "damage",
    ["corrupt-manifest", "collection-deleted", "model-changed", "rebuild-asked"],
)
def test_full_rebuild_when_the_old_index_cannot_be_trusted(indexed: Indexed, damage: str) -> None:
    model = indexed.embedder.name
    rebuild = False
    if damage == "corrupt-manifest":
        (indexed.data_dir / "index-manifest.json").write_text("{not json", encoding="utf-8")
    elif damage == "collection-deleted":
        indexed.store.drop(indexed.first.collection)
    elif damage == "model-changed":
        model = "another-model"
    else:
        rebuild = True
    report = update_index(
        indexed.knowledge,
        indexed.data_dir,
        indexed.store,
        indexed.embedder,
        model_name=model,
        rebuild=rebuild,
    )
    assert report.switched
    assert report.embedded == report.chunks == indexed.first.chunks
    assert report.reused == 0
    assert report.collection != indexed.first.collection
    assert_consistent(indexed)


# -- atomic switch -----------------------------------------------------------------------------
def test_crash_mid_run_keeps_the_old_index_serving(
    indexed: Indexed, monkeypatch: pytest.MonkeyPatch
) -> None:
    retriever = indexed.retriever()
    old_collection = indexed.first.collection
    (indexed.knowledge / "tempo-runs.md").write_text(NEW_ARTICLE, encoding="utf-8")
    (indexed.knowledge / "rest-days.md").write_text(
        ARTICLES["rest-days.md"].replace("a slow walk with the dog", "a slow stroll in the park"),
        encoding="utf-8",
    )
    # One chunk per embedding call, so the crash comes after part of the new index was written.
    monkeypatch.setattr(indexer, "EMBED_BATCH", 1)
    failing = FailingEmbedder(indexed.embedder.inner, fail_on=2)
    with pytest.raises(RuntimeError, match="embedding worker died"):
        indexed.update(failing)
    assert failing.calls == 2

    assert indexed.manifest().collection == old_collection
    assert indexed.store.collection_names() == [old_collection]  # half-built one is gone
    assert not retriever.refresh()
    hits = retriever.search("dog walk tempo run", 10).hits
    assert any("walk with the dog" in h.text for h in hits)
    assert all(h.source != "tempo-runs.md" for h in hits)
    assert_consistent(indexed)

    report = indexed.update()
    assert report.switched
    assert sorted([*report.added, *report.changed]) == ["rest-days.md", "tempo-runs.md"]
    assert indexed.store.collection_names() == sorted([report.collection, old_collection])
    assert retriever.refresh()
    assert any("stroll in the park" in c.text for c in retriever.chunks())
    assert_consistent(indexed)


@pytest.mark.parametrize(
    "change",
    [
        lambda k: None,
        lambda k: (k / "tempo-runs.md").write_text(NEW_ARTICLE, encoding="utf-8"),
    ],
    ids=["nothing-changed", "file-added"],
)
def test_orphan_collection_from_a_crashed_run_is_dropped(
    indexed: Indexed, change: Callable[[Path], object]
) -> None:
    orphan = f"{COLLECTION_PREFIX}19990101000000-dead00"
    indexed.store.create(orphan)
    assert orphan in indexed.store.collection_names()
    change(indexed.knowledge)
    report = indexed.update()
    assert orphan not in indexed.store.collection_names()
    assert set(indexed.store.collection_names()) == {report.collection, indexed.first.collection}
    assert_consistent(indexed)


def test_previous_generation_serves_in_flight_searches_then_goes(indexed: Indexed) -> None:
    """A search holding the old generation keeps working after a switch; one run later it
    is dropped, so generations never pile up."""
    reader = indexed.retriever()
    first = indexed.first.collection
    (indexed.knowledge / "tempo-runs.md").write_text(NEW_ARTICLE, encoding="utf-8")
    second = indexed.update().collection
    # The reader has not refreshed yet: the first generation's segment is still there.
    assert first in indexed.store.collection_names()
    assert reader._served.loaded.keys[0][0] == first
    (indexed.knowledge / "tempo-runs.md").write_text(NEW_ARTICLE + "\nOne more line.", "utf-8")
    indexed.update()
    live = {s.name for s in indexed.manifest().segments}
    # Only the live segments and the previous generation's remain.
    assert set(indexed.store.collection_names()) <= live | {first, second}
    assert reader.refresh()
    assert reader.search("tempo run", 3).hits
    assert_consistent(indexed)


# -- writer lock -------------------------------------------------------------------------------
def test_second_writer_gets_a_readable_busy_error(indexed: Indexed) -> None:
    (indexed.knowledge / "tempo-runs.md").write_text(NEW_ARTICLE, encoding="utf-8")
    with FileLock(str(indexed.data_dir / LOCK_NAME)):
        with pytest.raises(IndexBusyError) as caught:
            indexed.update()
        message = str(caught.value)
        assert "Another indexer" in message
        assert "keeps serving" in message
        # A reader opening the index meanwhile is served the existing generation.
        retriever = open_retriever(
            indexed.knowledge, indexed.data_dir, indexed.embedder, store=indexed.store
        )
        assert retriever.manifest.collection == indexed.first.collection
        assert retriever.search(LAZY_QUERY, 3).hits[0].source == "rest-days.md"
    assert indexed.update().added == ["tempo-runs.md"]


def test_busy_lock_with_no_index_yet_is_an_error(knowledge: Path, data_dir: Path, embedder) -> None:
    data_dir.mkdir(parents=True)
    with FileLock(str(data_dir / LOCK_NAME)), pytest.raises(IndexBusyError):
        open_retriever(knowledge, data_dir, CountingEmbedder(embedder))


# -- bad files while an index exists -----------------------------------------------------------
BAD_FILES: dict[str, str] = {
    "empty.md": "file is empty",
    "binary.md": "binary file",
    "latin.txt": "not UTF-8",
    "huge.md": "larger than",
    "outside.md": "symlink points outside the knowledge folder",
    "vanishing.md": "",  # whatever the reason, it must be readable (checked below)
}


def write_bad_files(knowledge: Path, outside: Path) -> None:
    (knowledge / "empty.md").write_bytes(b"")
    (knowledge / "binary.md").write_bytes(b"# Title\n\n\x00\x01\x02 not really text \x00" * 20)
    # Invalid UTF-8 that is not Windows-1252 either (0x81, 0x8d... are unassigned there).
    (knowledge / "latin.txt").write_bytes(b"Warm up well\n\n" + b"\x81\x8d\x8f\x90\x9d" * 40)
    with open(knowledge / "huge.md", "wb") as handle:
        handle.truncate(20_000_000)  # sparse: 20 MB on paper, nothing on disk
    outside.write_text("# Elsewhere\n\n## Secret\n\nThis file lives outside the folder.\n")
    os.symlink(outside, knowledge / "outside.md")
    (knowledge / "vanishing.md").write_text(NEW_ARTICLE, encoding="utf-8")


@dataclass
class BadRun:
    ix: Indexed
    retriever: HybridRetriever  # opened before the bad files arrived
    report: IndexReport

    def reason(self, source: str) -> str:
        reasons = [s.reason for s in self.report.skipped if s.source == source]
        assert len(reasons) == 1, f"{source} skipped {len(reasons)} times: {self.report.skipped}"
        return reasons[0]


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory: pytest.TempPathFactory, embedder) -> BadRun:
    root = tmp_path_factory.mktemp("bad-files")
    ix = build(write_articles(root / "knowledge"), root / "data", embedder)
    retriever = ix.retriever()
    write_bad_files(ix.knowledge, root / "outside.md")
    # A previously good file turns binary (a botched save).
    (ix.knowledge / "rest-days.md").write_bytes(b"\x00" * 64 + ARTICLES["rest-days.md"].encode())

    real_scan = indexer.scan_knowledge

    def scan_then_delete(folder: Path):
        found = real_scan(folder)
        (folder / "vanishing.md").unlink()  # deleted between the scan and the read
        return found

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(indexer, "scan_knowledge", scan_then_delete)
        report = ix.update()
    return BadRun(ix, retriever, report)


@pytest.mark.parametrize(("source", "reason"), [(k, v) for k, v in BAD_FILES.items() if v])
def test_bad_file_is_skipped_with_its_reason(bad_run: BadRun, source: str, reason: str) -> None:
    assert reason in bad_run.reason(source)


def test_file_deleted_while_indexing_is_skipped_readably(bad_run: BadRun) -> None:
    reason = bad_run.reason("vanishing.md")
    # A coach reads this: no errno codes or absolute temp paths.
    assert "Errno" not in reason
    assert str(bad_run.ix.knowledge) not in reason
    assert "vanishing.md" not in bad_run.ix.manifest().files


def test_bad_files_leave_the_good_ones_indexed_and_searchable(bad_run: BadRun) -> None:
    report = bad_run.report
    assert report.embedded == 0
    assert not report.switched
    assert sorted(bad_run.ix.manifest().files) == sorted(ARTICLES)
    assert {s.source for s in bad_run.ix.manifest().skipped} >= set(BAD_FILES)
    hits = bad_run.retriever.search("how to run a hill session", 3).hits
    assert hits[0].source == "hill-repeats.md"
    assert_consistent(bad_run.ix)


def test_broken_edit_keeps_serving_the_last_good_version(bad_run: BadRun) -> None:
    reason = bad_run.reason("rest-days.md")
    assert "binary file" in reason
    assert reason.endswith("(still serving the last good version)")
    assert "rest-days.md" not in bad_run.report.removed
    served = {c.source for c in bad_run.retriever.chunks()}
    assert "rest-days.md" in served
    assert bad_run.retriever.search(LAZY_QUERY, 3).hits[0].source == "rest-days.md"


def test_repaired_file_returns_without_re_embedding(indexed: Indexed) -> None:
    path = indexed.knowledge / "rest-days.md"
    path.write_bytes(b"\x00" * 64)
    broken = indexed.update()
    assert [s.source for s in broken.skipped] == ["rest-days.md"]
    path.write_text(ARTICLES["rest-days.md"], encoding="utf-8")
    repaired = indexed.update()
    assert repaired.skipped == []
    assert (repaired.embedded, repaired.switched) == (0, False)
    assert indexed.manifest().skipped == []
    assert_consistent(indexed)


# -- O(changed): segments --------------------------------------------------------------------
def test_one_file_change_writes_only_that_file_and_readers_read_only_it(
    indexed: Indexed, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = indexed.retriever()
    path = indexed.knowledge / "rest-days.md"
    path.write_text(
        ARTICLES["rest-days.md"].replace("a slow walk with the dog", "a slow stroll in the park"),
        encoding="utf-8",
    )
    own = chunk_count(path, indexed.knowledge)
    report = indexed.update()
    assert report.embedded == own and report.copied == 0
    manifest = indexed.manifest()
    assert [s.name for s in manifest.segments] == [indexed.first.collection, report.collection]
    assert manifest.segments[-1].stored == own
    assert indexed.store.get(report.collection).count() == 2 * own  # nothing else copied
    read: list[int] = []
    original = ChromaStore.read_ids

    def counting(self, collection, ids, **kwargs):
        read.append(len(ids))
        return original(self, collection, ids, **kwargs)

    monkeypatch.setattr(ChromaStore, "read_ids", counting)
    assert reader.refresh()
    assert sum(read) == own  # the unchanged rows were reused from memory
    assert any("stroll in the park" in c.text for c in reader.chunks())
    assert not any("walk with the dog" in c.text for c in reader.chunks())
    assert_consistent(indexed)


def expected_ids(knowledge: Path) -> set[str]:
    ids = set()
    for path in sorted(knowledge.rglob("*.md")):
        ids.update(c.chunk_id for c in chunk_document(load_document(path, knowledge))[0])
    return ids


def test_a_season_of_edits_stays_consistent_and_bounded(indexed: Indexed) -> None:
    """Random adds, rewrites and deletes: after every run the served passages are exactly the
    folder's, segments stay bounded, and dropped segments leave nothing behind."""
    import random

    rng = random.Random(13)
    reader = indexed.retriever()
    for step in range(14):
        files = sorted(p for p in indexed.knowledge.glob("*.md"))
        action = rng.choice(["add", "rewrite", "delete"] if len(files) > 2 else ["add"])
        if action == "add":
            (indexed.knowledge / f"extra-{step}.md").write_text(
                NEW_ARTICLE.replace("Tempo runs", f"Tempo runs, part {step}").replace(
                    "twenty minutes", f"{20 + step} minutes"
                ),
                encoding="utf-8",
            )
        elif action == "rewrite":
            path = rng.choice(files)
            path.write_text(path.read_text(encoding="utf-8") + f"\nA note from step {step}.\n")
        else:
            rng.choice(files).unlink()
        indexed.update()
        manifest = indexed.manifest()
        assert reader.refresh() or not manifest.files
        served = [c.chunk_id for c in reader.chunks()]
        assert len(served) == len(set(served))
        assert set(served) == expected_ids(indexed.knowledge)
        assert len(manifest.segments) <= indexer.MAX_SEGMENTS
        for segment in manifest.segments:  # no segment is mostly dead
            live = sum(
                len(e.chunk_ids) for e in manifest.files.values() if e.segment == segment.name
            )
            assert live >= indexer.MIN_LIVE * segment.stored
        assert_consistent(indexed)
    assert len(indexed.store.prune_folders()) == 0  # each run already removed its leftovers


def test_sentence_vectors_come_with_the_generation_and_carry_over_a_switch(
    indexed: Indexed,
) -> None:
    reader = indexed.retriever()
    reader.search(LAZY_QUERY, 3)  # the data dir's first calibration, out of the way
    before = reader._served
    assert set(before.sentence_vectors) == set(range(len(before.chunks)))  # every row, stored
    (indexed.knowledge / "tempo-runs.md").write_text(NEW_ARTICLE, encoding="utf-8")
    indexed.update()
    texts = indexed.embedder.texts
    assert reader.refresh()
    served = reader._served
    assert set(served.sentence_vectors) == set(range(len(served.chunks)))
    old_row = {key: row for row, key in enumerate(before.loaded.keys)}
    carried = 0
    for row, key in enumerate(served.loaded.keys):
        assert served.chunks[row].chunk_id == key[1]  # each entry sits on its own passage's row
        if key in old_row:  # an unchanged passage keeps the very same vectors
            assert served.sentence_vectors[row] is before.sentence_vectors[old_row[key]]
            carried += 1
    assert carried and any(c.source == "tempo-runs.md" for c in served.chunks)
    reader.search(LAZY_QUERY, 3)
    assert indexed.embedder.texts == texts + 1  # the question alone: no sentence embedded
