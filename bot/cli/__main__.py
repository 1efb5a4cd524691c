"""`python -m bot.cli` is `coach`."""

from bot.cli import app

app()
