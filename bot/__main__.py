"""`python -m bot` is `coach`."""

from bot.cli import app

app()
