"""A damaged store says so in one line and is repaired by `coach index --rebuild` or at bot
start; disk and permission failures are one line too; the feedback database survives."""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from click.testing import Result
from typer.testing import CliRunner

import retrieval.chroma_store as store_module
import retrieval.manifest as manifest_module
from bot.app import CoachApp
from bot.cli import app
from bot.settings import Settings
from retrieval.chroma_store import STORE_DIR, forget_client
from retrieval.embedding import SentenceTransformerEmbedder  # the real class, before patching
from retrieval.errors import StoreDamagedError, StoreWriteError
from retrieval.live_index import open_store
from retrieval.manifest import MANIFEST_NAME, load_manifest
from tests.cli.test_commands import assert_readable_error
from tests.conftest import use_session_model
from tests.retrieval.conftest import write_articles

QUERY = "how do I run a hill session"
FEEDBACK = "bot.sqlite3"


@pytest.fixture(autouse=True)
def _session_model(monkeypatch: pytest.MonkeyPatch, embedder) -> None:
    use_session_model(monkeypatch, embedder)
    # Chroma keeps the first 1,000 vectors of a segment in its sqlite log and rebuilds the
    # vector files from it; a real index (the bundled guides: ~1,200 entries) is past that
    # point, so its vector files are the only copy. Get there with a few articles.
    monkeypatch.setitem(store_module.SEGMENT_METADATA, "hnsw:sync_threshold", 4)
    monkeypatch.setitem(store_module.SEGMENT_METADATA, "hnsw:batch_size", 4)


class Site:
    """A knowledge folder, a data dir indexed by `coach index`, and a feedback database."""

    def __init__(self, root: Path) -> None:
        self.knowledge = write_articles(root / "knowledge")
        self.data = root / "data"
        self.env = {"COACH_KNOWLEDGE_DIR": str(self.knowledge), "COACH_DATA_DIR": str(self.data)}

    def coach(self, *args: str) -> Result:
        """A fresh `coach` process, as far as Chroma's per-process client cache goes."""
        forget_client(self.data / STORE_DIR)
        try:
            return CliRunner().invoke(app, list(args), env=self.env)
        finally:
            forget_client(self.data / STORE_DIR)  # flushes, as a process exit does

    def feedback_rows(self) -> list[tuple]:
        with sqlite3.connect(self.data / FEEDBACK) as db:
            return db.execute("SELECT note FROM notes ORDER BY note").fetchall()

    def segment_folders(self) -> list[Path]:
        return [p for p in (self.data / STORE_DIR).iterdir() if p.is_dir()]


@pytest.fixture
def site(tmp_path: Path) -> Site:
    site = Site(tmp_path)
    run = site.coach("index")
    assert run.exit_code == 0, run.output
    # The feedback database lives beside the index, not in it.
    with sqlite3.connect(site.data / FEEDBACK) as db:
        db.execute("CREATE TABLE notes (note TEXT)")
        db.execute("INSERT INTO notes VALUES ('thumbs down: too vague')")
    return site


def overwrite_sqlite_header(site: Site) -> None:
    with (site.data / STORE_DIR / "chroma.sqlite3").open("r+b") as fh:
        fh.write(b"\0" * 5000)


def settled(site: Site) -> None:
    """Wait until Chroma's background flush of the vector files is over (test harness only: a
    real damage happens to files nobody is writing)."""
    last = None
    for _ in range(50):
        sizes = sorted((str(p), p.stat().st_mtime_ns) for p in (site.data / STORE_DIR).rglob("*"))
        if sizes == last:
            return
        last = sizes
        time.sleep(0.2)


def purge_log(site: Site) -> None:
    """Chroma's write log, purged: as it is once a store is past its first 1,000 vectors (the
    vector files are then the only copy, and Chroma cannot heal them from the log)."""
    settled(site)
    with contextlib.closing(sqlite3.connect(site.data / STORE_DIR / "chroma.sqlite3")) as db:
        db.execute("DELETE FROM embeddings_queue")
        db.commit()


def _damage_each_segment(site: Site, name: str, damage: Callable[[Path], bytes]) -> None:
    """Damage one file of every vector segment, and make sure it stays damaged: a background
    flush Chroma had not finished (slow on a loaded machine) could otherwise rewrite the file
    after the damage, and the test would see a healthy store."""
    purge_log(site)
    for _ in range(20):
        wanted = {folder: damage(folder / name) for folder in site.segment_folders()}
        time.sleep(0.5)
        if all((folder / name).read_bytes() == data for folder, data in wanted.items()):
            return
    raise AssertionError(f"{name} kept being rewritten: the damage never held")


def _truncated(path: Path) -> bytes:
    with path.open("r+b") as fh:
        fh.truncate(7)
    return path.read_bytes()


def _overwritten(seed: int, size: int | None = None) -> Callable[[Path], bytes]:
    def damage(path: Path) -> bytes:
        with path.open("r+b") as fh:
            fh.write(np.random.default_rng(seed).bytes(size or path.stat().st_size))
        return path.read_bytes()

    return damage


def truncate_vectors(site: Site) -> None:
    _damage_each_segment(site, "data_level0.bin", _truncated)


def garble_vectors(site: Site) -> None:
    _damage_each_segment(site, "data_level0.bin", _overwritten(1))


def garble_header(site: Site) -> None:
    _damage_each_segment(site, "header.bin", _overwritten(2, 64))


DAMAGE: dict[str, Callable[[Site], None]] = {
    "sqlite-header": overwrite_sqlite_header,
    "hnsw-truncated": truncate_vectors,
    "hnsw-garbled": garble_vectors,
    "hnsw-header-garbled": garble_header,
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_damaged_store_is_one_line_then_rebuild_repairs_it(site: Site, damage: str) -> None:
    DAMAGE[damage](site)
    assert_readable_error(site.coach("search", QUERY), "damaged", "coach index --rebuild")
    # A plain `coach index` reports the damage too, rather than "no change".
    assert_readable_error(site.coach("index"), "damaged", "coach index --rebuild")

    run = site.coach("index", "--rebuild")
    assert run.exit_code == 0, run.output
    assert "Traceback" not in run.output
    aside = sorted(site.data.glob(f"{STORE_DIR}.damaged-*"))
    if damage == "sqlite-header":
        # Chroma cannot even open it: moved aside (kept for inspection), said so, rebuilt.
        assert "damaged" in run.stderr
        assert len(aside) == 1 and (aside[0] / "chroma.sqlite3").exists()
    else:
        # The rebuild never reads the damaged segment; it is replaced and dropped.
        assert not aside
    search = site.coach("search", QUERY)
    assert search.exit_code == 0, search.output
    assert "hill-repeats.md" in search.stdout
    assert site.feedback_rows() == [("thumbs down: too vague",)]


@pytest.mark.parametrize("damage", ["sqlite-header", "hnsw-truncated"])
def test_serving_app_repairs_a_damaged_store_at_start(
    site: Site, damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    DAMAGE[damage](site)
    for key, value in site.env.items():
        monkeypatch.setenv(key, value)
    notes: list[str] = []
    coach = CoachApp(Settings(), notify=notes.append)
    coach.serving = True  # what `coach bot` and `coach console` set
    assert coach.search(QUERY).hits[0].source == "hill-repeats.md"
    assert any("damaged" in note for note in notes)
    assert site.feedback_rows() == [("thumbs down: too vague",)]


def test_not_serving_app_reports_damage_without_touching_it(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    overwrite_sqlite_header(site)
    for key, value in site.env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(StoreDamagedError, match="coach index --rebuild"):
        CoachApp(Settings()).search(QUERY)
    assert not list(site.data.glob(f"{STORE_DIR}.damaged-*"))


def test_corrupt_manifest_is_one_line_and_rebuilt_automatically(site: Site) -> None:
    (site.data / MANIFEST_NAME).write_bytes(b'{"version": 2, "collection": \x00\x01 garbage')
    search = site.coach("search", QUERY)
    assert search.exit_code == 0, search.output
    assert "hill-repeats.md" in search.stdout
    assert "index manifest is damaged: rebuilding" in " ".join(search.stderr.split())
    assert "Traceback" not in search.output
    assert load_manifest(site.data) is not None
    assert site.feedback_rows() == [("thumbs down: too vague",)]


def test_corrupt_manifest_while_serving_keeps_the_loaded_index(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in site.env.items():
        monkeypatch.setenv(key, value)
    coach = CoachApp(Settings())
    assert coach.search(QUERY).hits
    (site.data / MANIFEST_NAME).write_bytes(b"\x00" * 64)
    assert coach.search(QUERY).hits[0].source == "hill-repeats.md"  # still serving
    assert coach.reindex().switched  # the next index run repairs it
    assert load_manifest(site.data) is not None


def test_corrupt_onnx_export_is_re_exported(tmp_path: Path, embedder, caplog) -> None:
    cache = tmp_path / "models"
    first = SentenceTransformerEmbedder(cache_dir=cache)
    first._model = embedder.model  # share the loaded weights; the export is what is tested
    assert first.prepare_query_encoder()
    exported = sorted(cache.glob("*.onnx"))
    assert len(exported) == 1
    exported[0].write_bytes(exported[0].read_bytes()[:1000])  # half-copied file

    second = SentenceTransformerEmbedder(cache_dir=cache)
    second._model = embedder.model
    with caplog.at_level("WARNING", logger="retrieval.onnx_query"):
        assert second.prepare_query_encoder()
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "exporting it again" in warnings[0]
    assert "\n" not in warnings[0]
    vector = second.embed(["how often should I lift weights"])[0]
    reference = embedder._embed_one("how often should I lift weights")[0]
    assert float(vector @ reference) > 0.9999


class PreparingSpy:
    """The session model, counting calls to prepare the query encoder."""

    def __init__(self, inner) -> None:
        self.inner, self.name, self.prepared = inner, inner.name, 0

    def embed(self, texts):
        return self.inner.embed(texts)

    def prepare_query_encoder(self) -> bool:
        self.prepared += 1
        return self.inner.prepare_query_encoder()


def test_index_prepares_the_query_encoder(
    tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`coach index` exports the ONNX query encoder: no first question pays for it."""
    spy = PreparingSpy(embedder)
    monkeypatch.setattr("retrieval.embedding.SentenceTransformerEmbedder", lambda *a, **k: spy)
    site = Site(tmp_path)
    assert site.coach("index").exit_code == 0
    assert spy.prepared == 1
    assert site.coach("search", QUERY).exit_code == 0
    assert spy.prepared == 1  # a search does not


# -- disk and permission failures ------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "needles"),
    [(errno.EROFS, ("Cannot write", "COACH_DATA_DIR")), (errno.ENOSPC, ("No space left",))],
    ids=["read-only", "disk-full"],
)
def test_unwritable_data_dir_is_one_line_and_previous_index_serves(
    site: Site, code: int, needles: tuple[str, ...]
) -> None:
    """Failing writes at the syscall seam (root ignores permissions; a tmpfs needs a mount:
    benchmarks/fault_trials.py does the real thing)."""
    (site.knowledge / "new.md").write_text("# New\n\n## Part\n\n" + "Easy running. " * 30)

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code), str(site.data))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(manifest_module.tempfile, "mkstemp", refuse)
        assert_readable_error(site.coach("index"), *needles)
        # A search meanwhile cannot bring the index up to date, and answers from the last one.
        meanwhile = site.coach("search", QUERY)
        assert meanwhile.exit_code == 0, meanwhile.output
        assert "hill-repeats.md" in meanwhile.stdout
    search = site.coach("search", QUERY)
    assert search.exit_code == 0, search.output
    assert "new.md" not in search.stdout


def test_store_write_errors_are_classified() -> None:
    from retrieval.chroma_store import _translate

    path = Path("/srv/coach/data/chroma")
    full = _translate(
        Exception("error returned from database: database or disk is full"), path, None, "x"
    )
    assert isinstance(full, StoreWriteError) and "No space left" in str(full)
    ro = _translate(Exception("attempt to write a readonly database"), path, None, "x")
    assert isinstance(ro, StoreWriteError) and "read-only" in str(ro)
    bad = _translate(Exception("file is not a database"), path, None, "x")
    assert isinstance(bad, StoreDamagedError) and "coach index --rebuild" in str(bad)


def test_old_generations_leave_no_vector_folders_behind(site: Site) -> None:
    for i in range(4):
        (site.knowledge / "rest-days.md").write_text(
            (site.knowledge / "rest-days.md").read_text() + f"\nMore rest advice, take {i}.\n"
        )
        assert site.coach("index", *(["--rebuild"] if i % 2 else [])).exit_code == 0
    store = open_store(site.data)
    live = {s.name for s in load_manifest(site.data).segments}
    assert set(store.collection_names()) >= live
    # One vector folder per collection that still exists, none for dropped ones.
    assert len(site.segment_folders()) <= len(store.collection_names())
