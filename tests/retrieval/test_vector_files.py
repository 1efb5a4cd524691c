"""The size check of HNSW vector files: a file shorter than its header says is damaged, whatever
the memory hnswlib would read it into holds (in-process, that was once the old index itself)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from retrieval.vector_files import problem

ELEMENT_BYTES = 1676


def write_segment(folder: Path, *, count: int = 18, capacity: int = 100, version: int = 1) -> Path:
    folder.mkdir()
    header = struct.pack("<i6Q", version, 0, capacity, count, ELEMENT_BYTES, 1668, 132)
    (folder / "header.bin").write_bytes(header + b"\0" * 48)
    (folder / "data_level0.bin").write_bytes(b"\1" * capacity * ELEMENT_BYTES)
    (folder / "length.bin").write_bytes(b"\0" * capacity * 4)
    (folder / "link_lists.bin").write_bytes(b"")
    return folder


def test_whole_files_pass(tmp_path: Path) -> None:
    assert problem(write_segment(tmp_path / "s")) is None


def test_nothing_persisted_yet_passes(tmp_path: Path) -> None:
    # Under Chroma's sync threshold the folder exists with no files: the log holds the vectors.
    (tmp_path / "s").mkdir()
    assert problem(tmp_path / "s") is None


@pytest.mark.parametrize(
    ("name", "size", "reason"),
    [
        ("data_level0.bin", 7, "data_level0.bin is cut short"),
        ("data_level0.bin", 17 * ELEMENT_BYTES, "data_level0.bin is cut short"),
        ("length.bin", 0, "length.bin is cut short"),
        ("header.bin", 20, "header is cut short"),
    ],
)
def test_a_file_cut_short_is_named(tmp_path: Path, name: str, size: int, reason: str) -> None:
    folder = write_segment(tmp_path / "s")
    with (folder / name).open("r+b") as fh:
        fh.truncate(size)
    found = problem(folder)
    assert found is not None and reason in found


def test_a_file_long_enough_for_its_elements_passes(tmp_path: Path) -> None:
    # Only the elements in use must be there: 18 of a capacity of 100.
    folder = write_segment(tmp_path / "s")
    with (folder / "data_level0.bin").open("r+b") as fh:
        fh.truncate(18 * ELEMENT_BYTES)
    assert problem(folder) is None


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    folder = write_segment(tmp_path / "s")
    (folder / "length.bin").unlink()
    assert problem(folder) == "the vector file length.bin is missing"


def test_more_elements_than_room_is_garbage(tmp_path: Path) -> None:
    assert problem(write_segment(tmp_path / "s", count=500)) == "a vector header holds garbage"


def test_an_unknown_format_is_left_to_chroma(tmp_path: Path) -> None:
    # A later Chroma may change the header; this check must not call a good store damaged.
    folder = write_segment(tmp_path / "s", version=2)
    (folder / "data_level0.bin").write_bytes(b"")
    assert problem(folder) is None
