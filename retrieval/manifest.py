"""The index manifest: which collection is live and what each knowledge file contributed."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from retrieval.models import Skipped

MANIFEST_NAME = "index-manifest.json"
MANIFEST_VERSION = 1


class FileEntry(BaseModel):
    source: str
    size: int
    mtime_ns: int
    content_hash: str
    title: str
    front_matter: dict = Field(default_factory=dict)
    chunk_ids: list[str]


class Manifest(BaseModel):
    version: int = MANIFEST_VERSION
    collection: str
    built_at: datetime
    fingerprint: str = Field(description="Model and chunking settings; a change forces a rebuild.")
    files: dict[str, FileEntry]
    skipped: list[Skipped] = Field(default_factory=list)
    chunk_count: int


def load_manifest(data_dir: Path) -> Manifest | None:
    path = data_dir / MANIFEST_NAME
    try:
        manifest = Manifest.model_validate_json(path.read_bytes())
    except (FileNotFoundError, ValidationError, json.JSONDecodeError):
        return None
    return manifest if manifest.version == MANIFEST_VERSION else None


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
