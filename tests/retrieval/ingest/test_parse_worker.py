"""The parse worker's pipes, in a process that already holds many descriptors."""

from __future__ import annotations

import os
import resource
from collections.abc import Iterator

import pytest

from retrieval.ingest.parse_worker import ParseWorker


@pytest.fixture
def many_descriptors() -> Iterator[None]:
    """Hold descriptors up to past 1024, the highest number select() accepts."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 1300), hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    try:
        yield
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_the_worker_answers_when_its_pipes_are_numbered_past_1024(many_descriptors) -> None:
    worker = ParseWorker()
    try:
        doc = worker.parse(
            b"# Hills\n\n## Why hills\n\nHill repeats build strength for the flat.\n",
            source="hills.md",
            suffix=".md",
            stem="hills",
        )
        assert doc.title == "Hills"
        assert worker._proc is not None and worker._proc.stdout.fileno() >= 1024
    finally:
        worker.close()
