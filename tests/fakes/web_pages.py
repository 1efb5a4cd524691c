"""A loopback web server serving fixed pages and redirects, for tests that fetch URLs."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Page:
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    body: bytes = b""
    location: str | None = None  # set for a redirect


NOT_FOUND = Page(404, "text/plain", b"no")


@contextmanager
def serve_pages(
    routes: Mapping[str, Page], on_request: Callable[[str], None] | None = None
) -> Iterator[int]:
    """Serve `routes` on 127.0.0.1 (any other path is a 404); yields the port.

    `on_request` sees every requested path (a test proving that no request arrived)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if on_request is not None:
                on_request(self.path)
            page = routes.get(self.path, NOT_FOUND)
            self.send_response(page.status)
            if page.location is not None:
                self.send_header("Location", page.location)
            self.send_header("Content-Type", page.content_type)
            self.send_header("Content-Length", str(len(page.body)))
            self.end_headers()
            self.wfile.write(page.body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()
