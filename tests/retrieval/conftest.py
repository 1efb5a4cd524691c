"""Fixtures for index, search, eval and CLI tests: a small knowledge folder, embedder fakes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
BUNDLED_KNOWLEDGE = REPO / "knowledge"

# Four short articles, written for these tests. Each section is long enough to be indexed.
ARTICLES: dict[str, str] = {
    "hill-repeats.md": """---
title: Hill repeats for club runners
tags: [hills, sessions]
---
# Hill repeats for club runners

## Why hills make you stronger

Running uphill asks the calves, glutes and hamstrings to push against gravity on every
stride. Over a few weeks that extra load builds leg power without the pounding of fast flat
running, which is why many coaches treat hills as strength work in disguise.

## How to run a hill session

Find a steady slope that takes about a minute to climb. Run up at a strong but controlled
effort, then jog or walk back down, and repeat six to ten times. Keep your posture tall and
drive your arms rather than leaning from the waist.

## Recovering between repeats

The walk or jog back down the hill is the recovery. Start the next climb only when your
breathing has settled enough to hold the same effort as the first repeat. If the last reps
turn into a scramble, stop the set there.
""",
    "track-etiquette.md": """# Track etiquette

## Lanes and passing

Lane one belongs to the fastest runners doing efforts. Warm up and cool down in the outer
lanes, and when someone calls out behind you, step out to the right without stopping
suddenly.

## Sharing the oval with other groups

Clubs often share the oval with schools and walkers. Agree on a direction for the evening,
keep kit bags off the infield kerb, and never cross the oval without looking both ways as you
would on a road.
""",
    "rest-days.md": """# Rest days

## Why rest matters

Take at least one full day off running each week so muscles, tendons and bones can repair.
The fitness from a hard session arrives during the quiet days that follow it, not during the
workout itself.

## Active recovery ideas

A gentle swim, an easy spin on a bike or a slow walk with the dog keeps blood moving without
adding running stress. Keep these days easy enough that you could hold a conversation the
whole time.
""",
    "club-drills.md": """# Club drills

## The quokkastride drill

The quokkastride is our club's name for a short bounding drill done on grass: ten springy
strides with an exaggerated knee lift, then a walk back to the start. It teaches a quick,
elastic ground contact.

## Skipping for coordination

High skips and fast low skips wake up the feet and the hips before a session. Do two lengths
of each on the straight, staying relaxed through the shoulders and landing under your hips.
""",
}


def write_articles(folder: Path, names: Sequence[str] | None = None) -> Path:
    """Write the test articles (all, or the named ones) into `folder` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ARTICLES if names is None else names:
        (folder / name).write_text(ARTICLES[name], encoding="utf-8")
    return folder


class CountingEmbedder:
    """Delegates to the real model and counts the texts it embeds (speaks `Embedder`)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        # The index fingerprint uses the model name: keep it, or every run would rebuild.
        self.name = inner.name
        self.calls = 0
        self.texts = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        self.texts += len(texts)
        return self.inner.embed(texts)


class FailingEmbedder(CountingEmbedder):
    """The real model until call number `fail_on`, which raises: a crash in the middle of a run."""

    def __init__(self, inner, fail_on: int) -> None:
        super().__init__(inner)
        self.fail_on = fail_on

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self.calls + 1 == self.fail_on:
            self.calls += 1
            raise RuntimeError("embedding worker died")
        return super().embed(texts)


class CachingEmbedder(CountingEmbedder):
    """Remembers single-text embeddings: an eval embeds each question twice (search, evidence)."""

    def __init__(self, inner) -> None:
        super().__init__(inner)
        self._cache: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) != 1:
            return super().embed(texts)
        if texts[0] not in self._cache:
            self._cache[texts[0]] = super().embed(texts)
        return self._cache[texts[0]]


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    """A fresh copy of the four test articles, free to edit."""
    return write_articles(tmp_path / "knowledge")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "index-data"
