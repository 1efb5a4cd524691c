"""Loopback servers that answer too slowly in each way a web server can, for the fetch deadline.

Each shape keeps every single socket operation short (a byte every `tick` seconds), so only
a wall-clock limit on the whole fetch cuts it; a per-read timeout never fires.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Handler = Callable[[socket.socket, bytes, threading.Event], None]


@contextmanager
def never_accepts() -> Iterator[int]:
    """A listening socket whose queue is full: a new connection waits for its SYN-ACK."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers: list[socket.socket] = []
    # Linux queues backlog + 1 connections; fill the queue so the next connect hangs.
    for _ in range(3):
        filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.05)
    try:
        yield port
    finally:
        for sock in (*fillers, listener):
            sock.close()


@contextmanager
def serve_raw(handler: Handler) -> Iterator[tuple[int, list[str]]]:
    """Accept connections on 127.0.0.1 and let `handler` write raw bytes; yields (port, paths)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    stop = threading.Event()
    paths: list[str] = []

    def serve_one(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            request = b""
            with contextlib.suppress(OSError):
                while b"\r\n\r\n" not in request:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    request += chunk
                line = request.split(b"\r\n", 1)[0].decode("latin-1")
                paths.append(line.split(" ")[1] if " " in line else line)
                handler(conn, request, stop)

    def accept_loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=serve_one, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept_loop, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], paths
    finally:
        stop.set()
        thread.join(2)
        listener.close()


def trickle(data: bytes, tick: float) -> Handler:
    """Send `data` one byte every `tick` seconds (then keep the connection open)."""

    def handler(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
        for i in range(len(data)):
            if stop.wait(tick):
                return
            conn.sendall(data[i : i + 1])
        stop.wait(30)

    return handler


def headers_trickled(tick: float) -> Handler:
    """A status line and an endless header, a byte at a time: the headers never end."""
    return trickle(b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100_000, tick)


def body_trickled(tick: float) -> Handler:
    """Headers at once, then a body a byte at a time."""

    def handler(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5000\r\n\r\n")
        trickle(b"a" * 5000, tick)(conn, request, stop)

    return handler


def slow_redirects(delay: float) -> Handler:
    """`/hop/N` waits `delay`, then redirects to `/hop/N+1`: each hop is quick enough alone."""

    def handler(conn: socket.socket, request: bytes, stop: threading.Event) -> None:
        path = request.split(b" ", 2)[1].decode()
        hop = int(path.rsplit("/", 1)[1]) if path.startswith("/hop/") else 0
        if stop.wait(delay):
            return
        conn.sendall(
            b"HTTP/1.1 302 Found\r\nLocation: /hop/%d\r\nContent-Length: 0\r\n"
            b"Connection: close\r\n\r\n" % (hop + 1)
        )

    return handler
