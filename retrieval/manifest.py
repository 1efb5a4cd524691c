"""The index manifest: which segments are live and what each knowledge file contributed.

The manifest is the live-set pointer: an index generation is the chunk ids it lists, each in
the segment (a Chroma collection written once) that holds its vectors. Writing a new manifest
is the atomic switch; a crash before it leaves the previous generation serving.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from retrieval.models import Skipped

log = logging.getLogger(__name__)

MANIFEST_NAME = "index-manifest.json"
MANIFEST_VERSION = 2


class FileEntry(BaseModel):
    source: str
    size: int
    mtime_ns: int
    content_hash: str
    title: str
    front_matter: dict = Field(default_factory=dict)
    chunk_ids: list[str]
    segment: str = Field("", description="The collection holding these chunks' vectors.")


class Segment(BaseModel):
    name: str
    stored: int = Field(description="Chunks written to it; those no file lists are dead.")


class Manifest(BaseModel):
    version: int = MANIFEST_VERSION
    collection: str = Field(description="The newest segment (the generation's name).")
    segments: list[Segment] = Field(default_factory=list, description="Oldest first.")
    built_at: datetime
    fingerprint: str = Field(description="Model and chunking settings; a change forces a rebuild.")
    files: dict[str, FileEntry]
    skipped: list[Skipped] = Field(default_factory=list)
    chunk_count: int

    def live_ids(self) -> dict[str, list[str]]:
        """Each live segment's live chunk ids (what a reader loads)."""
        live: dict[str, list[str]] = {s.name: [] for s in self.segments}
        for entry in self.files.values():
            live.setdefault(entry.segment or self.collection, []).extend(entry.chunk_ids)
        return {name: ids for name, ids in live.items() if ids}


def load_manifest(data_dir: Path) -> Manifest | None:
    """The live manifest, or None when there is none or it cannot be trusted (full rebuild)."""
    path = data_dir / MANIFEST_NAME
    try:
        manifest = Manifest.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValidationError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        reason = " ".join(str(exc).split("\n")[:2]) if isinstance(exc, ValidationError) else exc
        log.warning(
            "index manifest %s is damaged (%s); the index will be rebuilt", path, _one_line(reason)
        )
        return None
    return manifest if manifest.version == MANIFEST_VERSION else None


def _one_line(reason: object) -> str:
    text = " ".join(str(reason).split())
    return text if len(text) <= 160 else text[:157] + "..."


def manifest_damaged(data_dir: Path) -> bool:
    """A manifest file exists but cannot be read: say so, rather than 'no index yet'."""
    try:
        manifest = Manifest.model_validate_json((data_dir / MANIFEST_NAME).read_bytes())
    except FileNotFoundError:
        return False
    except (OSError, ValidationError, json.JSONDecodeError, UnicodeDecodeError):
        return True
    del manifest  # it parses: an older version is rebuilt quietly, not reported as damage
    return False


def save_manifest(data_dir: Path, manifest: Manifest) -> None:
    """Write then rename: readers see the old manifest or the new one, never half of one."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".manifest-", dir=data_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(manifest.model_dump_json(indent=1))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, data_dir / MANIFEST_NAME)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
