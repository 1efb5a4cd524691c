"""Moved to `evaluation.messy_corpus` (evaluation owns its corpora); kept as an alias."""

from __future__ import annotations

from evaluation.messy_corpus import compare_corpora, main, write_messy_corpus

__all__ = ["compare_corpora", "main", "write_messy_corpus"]

if __name__ == "__main__":
    raise SystemExit(main())
