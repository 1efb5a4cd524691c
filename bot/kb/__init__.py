"""Coaches run the knowledge base: preview, add, remove, history and undo, lint, citations."""
