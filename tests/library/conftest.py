"""Fixtures for the knowledge-base admin: a copy of the bundled knowledge and its index."""

from __future__ import annotations

import pytest

from bot.app import CoachApp
from bot.settings import Settings
from library.admin import KnowledgeAdmin
from retrieval.protocols import Embedder
from tests.conftest import WritableKb


@pytest.fixture
def kb_app(writable_kb: WritableKb, embedder: Embedder) -> CoachApp:
    """A real CoachApp over its own copy of the knowledge folder and index (writable)."""
    settings = Settings(knowledge_dir=writable_kb.knowledge, data_dir=writable_kb.data_dir,
                        cooldown_s=0)  # fmt: skip
    return CoachApp(settings, embedder=embedder)


@pytest.fixture
def admin(kb_app: CoachApp) -> KnowledgeAdmin:
    return KnowledgeAdmin(kb_app)


ARTICLE = b"""---
title: Hill Sprints for Strength
---

# Hill Sprints for Strength

## Why hill sprints build strength

Short, steep hill sprints load the calves, glutes and hips hard while the slope keeps the
impact low. Eight to ten seconds flat out, walking back down, is a strength session for the
legs that also teaches a powerful push-off.

Share on Facebook | Twitter | Email

## How many hill sprints to do

Start with four sprints after an easy run and add one a week up to ten. Take full recovery
between them: the point is power, not fatigue.
"""
