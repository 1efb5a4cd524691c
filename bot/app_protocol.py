"""The app as the Discord bot and the console run it: `bot.app.CoachApp` is the real one.

Tests hand the adapters a canned app (tests/discord/conftest.py) typed against this Protocol,
and mypy holds both apps to it, so the canned one cannot drift from the real one unseen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from bot.replies import App

if TYPE_CHECKING:
    from bot.settings import Settings


class BotApp(App, Protocol):
    """The handlers' slice of the app (`bot.replies.App`) and the settings it was built with."""

    settings: Settings
