"""`coach status` runs the same store health check as ask and index: a damaged store is said in
one line and the exit code is non-zero (it said all was well)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result

import retrieval.chroma_store as store_module
from retrieval.manifest import MANIFEST_NAME
from tests.cli.test_commands import error_lines
from tests.conftest import use_session_model
from tests.retrieval.test_store_damage import DAMAGE, Site


def assert_status_says(result: Result, *needles: str) -> None:
    """The status table as usual, then the damage in one red line, and a non-zero exit."""
    assert result.exit_code != 0
    lines = error_lines(result)
    assert lines and lines[-1].startswith("error: "), lines
    assert all(needle in lines[-1] for needle in needles), lines
    assert "Traceback" not in result.output


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder) -> Site:
    use_session_model(monkeypatch, embedder)
    # Past Chroma's write log, as in test_store_damage: the vector files are the only copy.
    monkeypatch.setitem(store_module.SEGMENT_METADATA, "hnsw:sync_threshold", 4)
    monkeypatch.setitem(store_module.SEGMENT_METADATA, "hnsw:batch_size", 4)
    site = Site(tmp_path)
    run = site.coach("index")
    assert run.exit_code == 0, run.output
    return site


@pytest.mark.parametrize("damage", ["hnsw-garbled"])  # vectors: found only by reading them
def test_status_reports_a_damaged_store_and_exits_non_zero(site: Site, damage: str) -> None:
    healthy = site.coach("status")
    assert healthy.exit_code == 0, healthy.output
    DAMAGE[damage](site)
    assert_status_says(site.coach("status"), "damaged", "coach index --rebuild")
    assert site.coach("status", "--json").exit_code != 0


def test_status_reports_a_damaged_manifest(site: Site) -> None:
    (site.data / MANIFEST_NAME).write_text("{not json", encoding="utf-8")
    assert_status_says(site.coach("status"), "manifest", "damaged")
