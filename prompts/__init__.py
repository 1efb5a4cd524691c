"""Prompt templates for the answer layer (`answering.prompts` loads them by name).

Shipped as package data, so an installed `coach` finds them from any folder; no Python here.
"""
