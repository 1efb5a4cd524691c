"""Passages' token vectors on disk for the judge: read back by a later process, never another
model's, and a damaged file costs only a re-encode."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from retrieval.judge.side_files import SideFiles


def _state(tokens: int, fill: float = 1.0):
    return (
        np.full((tokens, 4), fill, dtype=np.float16),
        np.ones(tokens, dtype=np.int64),
        np.arange(tokens * 2, dtype=np.int32).reshape(tokens, 2),
    )


def test_a_later_reader_gets_what_was_written_for_its_model_only(tmp_path: Path) -> None:
    SideFiles(tmp_path, "a" * 64).put("Strength › Sets\n\nThree sets.", _state(5, 0.5))
    got = SideFiles(tmp_path, "a" * 64).get("Strength › Sets\n\nThree sets.")
    assert got is not None
    for want, have in zip(_state(5, 0.5), got, strict=True):
        assert np.array_equal(want, have) and want.dtype == have.dtype
    assert SideFiles(tmp_path, "b" * 64).get("Strength › Sets\n\nThree sets.") is None
    assert SideFiles(tmp_path, "a" * 64).get("another passage") is None


@pytest.mark.parametrize("damage", [b"", b"not a zip file", b"PK\x03\x04 cut short"])
def test_a_damaged_file_is_removed_and_reads_as_missing(tmp_path: Path, damage: bytes) -> None:
    files = SideFiles(tmp_path, "a" * 64)
    files.put("passage", _state(3))
    (path,) = files.folder.glob("*.npz")
    path.write_bytes(damage)
    assert files.get("passage") is None
    assert not path.exists()
    files.put("passage", _state(3))
    assert files.get("passage") is not None


def test_prune_keeps_the_newest_and_clears_old_temporary_files(tmp_path: Path) -> None:
    files = SideFiles(tmp_path, "a" * 64)
    for i in range(5):
        before = set(files.folder.glob("*.npz")) if files.folder.exists() else set()
        files.put(f"passage {i}", _state(2))
        (path,) = set(files.folder.glob("*.npz")) - before
        os.utime(path, (time.time() - 100 + i, time.time() - 100 + i))
    old_tmp = files.folder / ".side-old.npz"
    young_tmp = files.folder / ".side-young.npz"
    for f in (old_tmp, young_tmp):
        f.write_bytes(b"partial")
    os.utime(old_tmp, (time.time() - 3600, time.time() - 3600))
    files.prune(keep=2)
    assert len(files) == 2
    assert files.get("passage 4") is not None and files.get("passage 0") is None
    assert not old_tmp.exists() and young_tmp.exists()


def test_an_unwritable_folder_costs_speed_not_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the folder should be")
    files = SideFiles(blocker, "a" * 64)
    files.put("passage", _state(2))  # no exception
    assert files.get("passage") is None
