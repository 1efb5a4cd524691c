"""Retrieval evaluation: eval sets, corpora, the naive baseline and the scoring harness."""
