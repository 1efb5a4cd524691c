"""Adapters around the core: answer layer, CLI, local console and Discord bot."""
