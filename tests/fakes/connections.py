"""Every outgoing TCP connection the process attempts, seen through Python's audit hook.

A test proves that no request went out to an address by recording each `socket.connect`
and refusing the ones it does not allow, before a packet leaves the machine.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Allow = Callable[[str], bool]

_lock = threading.Lock()
_active: list[tuple[list[tuple[str, int]], Allow]] = []


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event != "socket.connect" or not _active:
        return
    address = args[1]
    if not (isinstance(address, tuple) and len(address) >= 2):
        return  # a Unix socket
    host, port = str(address[0]), int(address[1])
    with _lock:
        for seen, allow in _active:
            seen.append((host, port))
            if not allow(host):
                raise ConnectionRefusedError(f"test guard: no connection to {host} allowed")


sys.addaudithook(_hook)  # hooks cannot be removed: it does nothing outside `connections()`


@contextmanager
def connections(allow: Allow = lambda host: host == "127.0.0.1") -> Iterator[list[tuple[str, int]]]:
    """Record (host, port) of every connect; refuse those `allow` rejects (loopback only)."""
    seen: list[tuple[str, int]] = []
    entry = (seen, allow)
    with _lock:
        _active.append(entry)
    try:
        yield seen
    finally:
        with _lock:
            _active.remove(entry)
