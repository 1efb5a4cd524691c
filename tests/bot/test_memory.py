"""bot/memory.py: the malloc arena cap that lets a re-indexing bot reuse what Chroma frees."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot import memory

# A fresh process allocates from 8 threads, then counts glibc's arenas (malloc_info's heaps).
PROBE = textwrap.dedent(
    """
    import ctypes, os, sys, tempfile, threading
    from bot.memory import limit_malloc_arenas
    if sys.argv[1] == "capped":
        assert limit_malloc_arenas()
    kept, together = [], threading.Barrier(8)
    def work():
        kept.append(bytearray(64 * 1024))  # malloc'd by this thread: it gets an arena
        together.wait()  # all alive at once, so no thread inherits another's arena
    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads: t.start()
    for t in threads: t.join()
    libc = ctypes.CDLL("libc.so.6")
    libc.fopen.restype = ctypes.c_void_p
    libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
    libc.fclose.argtypes = [ctypes.c_void_p]
    path = os.path.join(tempfile.mkdtemp(), "info.xml")
    stream = libc.fopen(path.encode(), b"w")
    libc.malloc_info(0, stream)
    libc.fclose(stream)
    print(open(path).read().count("<heap nr="))
    """
)


def _arenas(mode: str) -> int:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(memory.__file__).parent.parent)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip())


def test_capped_process_shares_two_arenas_between_threads() -> None:
    assert _arenas("capped") <= memory.ARENAS < _arenas("default")


def test_operator_setting_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert memory.limit_malloc_arenas() is False
