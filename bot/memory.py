"""Process memory for a bot that re-indexes all season: glibc malloc arenas and trimming.

Why (measured with `python -m benchmarks.bench_memory --generations 30`): embedded Chroma keeps
~2.6 MB per collection ever created until its client closes, so the app reopens the client every
few index generations. With glibc's default per-thread arenas, what the old client freed was
neither reused nor handed back while PyTorch also ran in the write path (RSS grew ~2.5 MB per
generation straight through each reopen); with two shared arenas it is reused. `malloc_trim`
returns what stays free after opening the index and after each generation (~250 MB).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
from functools import cache

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # mallopt parameter number (malloc.h)
ARENAS = 2


@cache
def _libc() -> ctypes.CDLL | None:
    """glibc, or None elsewhere (macOS, musl): then both helpers do nothing."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt  # noqa: B018 - glibc's symbols; musl and macOS lack them
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas before Chroma, ONNX Runtime and PyTorch start their threads.

    A `MALLOC_ARENA_MAX` the operator set wins. True when the cap is in force."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    libc = _libc()
    return bool(libc and libc.mallopt(M_ARENA_MAX, arenas))


def release_free_memory() -> bool:
    """Hand memory malloc holds but nothing uses back to the system (after a re-index)."""
    libc = _libc()
    return bool(libc and libc.malloc_trim(0))
