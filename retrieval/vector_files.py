"""A size check of an embedded store's HNSW vector files, made before Chroma reads them.

hnswlib reads `data_level0.bin` into a buffer sized from `header.bin` and does not notice a
file cut short: the rest of the buffer is whatever that memory held before. In a fresh process
that is zeros (Chroma then fails to find an embedding), but in a long-running one, such as the
bot after an in-process rebuild, it can be the freed buffer of the same index, and the damaged
store answers as if whole. The header says how many elements the files must hold; a file
shorter than that is damaged, whatever the memory holds.
"""

from __future__ import annotations

import contextlib
import sqlite3
import struct
from pathlib import Path

# chroma-hnswlib's persisted header, format 1: version, offset of level 0, max elements,
# element count, bytes per element, label offset, data offset (then fields we do not need).
_HEADER = struct.Struct("<i6Q")
_KNOWN_VERSION = 1
_LENGTH_BYTES = 4  # length.bin holds one uint32 per element


def problem(folder: Path) -> str | None:
    """Why the vector files in `folder` cannot be whole, or None when they can."""
    try:
        raw = (folder / "header.bin").read_bytes()
    except FileNotFoundError:
        return None  # nothing persisted yet: Chroma's write log still holds the vectors
    if len(raw) < _HEADER.size:
        return "a vector header is cut short"
    version, _, capacity, count, element_bytes, _, _ = _HEADER.unpack_from(raw)
    if version != _KNOWN_VERSION:
        return None  # a format this check does not know: Chroma's own reading judges it
    if count > capacity:
        return "a vector header holds garbage"
    for name, needed in (
        ("data_level0.bin", count * element_bytes),
        ("length.bin", count * _LENGTH_BYTES),
    ):
        try:
            size = (folder / name).stat().st_size
        except FileNotFoundError:
            return f"the vector file {name} is missing"
        if size < needed:
            return f"the vector file {name} is cut short"
    return None


def catalogue(store_path: Path) -> contextlib.closing[sqlite3.Connection]:
    """The embedded store's own sqlite catalogue, read-only (never written behind Chroma)."""
    uri = f"file:{store_path / 'chroma.sqlite3'}?mode=ro"
    return contextlib.closing(sqlite3.connect(uri, uri=True, timeout=5))


def segment_folders(store_path: Path, collection_id: str) -> list[Path]:
    """The vector segment folders of one collection, from the store's own catalogue."""
    with catalogue(store_path) as db:
        rows = db.execute(
            "SELECT id FROM segments WHERE collection = ? AND scope = 'VECTOR'", (collection_id,)
        ).fetchall()
    return [store_path / row[0] for row in rows]
