"""Prompt templates for the answer layer, shipped as package data and loaded by name."""
