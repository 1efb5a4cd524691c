"""Fetching a URL safely, against a loopback server explicitly allowed (and refused when not)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.kb.errors import FetchError
from bot.kb.fetch import check_url, fetch_url

PAGE = (
    b"<html><head><title>Hill sprints</title></head><body><h1>Hill sprints</h1>"
    + (b"<p>Short hill sprints build strength in the calves and hips with little impact.</p>" * 3)
    + b"</body></html>"
)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        routes = {
            "/hills": (200, "text/html; charset=utf-8", PAGE),
            "/big": (200, "text/plain", b"a" * 20_000),
            "/image.png": (200, "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
            "/missing": (404, "text/plain", b"no"),
        }
        if self.path == "/to-private":
            self.send_response(302)
            self.send_header("Location", "http://10.1.2.3/secret")
            self.end_headers()
            return
        if self.path == "/to-hills":
            self.send_response(301)
            self.send_header("Location", "/hills")
            self.end_headers()
            return
        status, kind, body = routes.get(self.path, (404, "text/plain", b"no"))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _fetch(url: str, allow: tuple[str, ...] = ("127.0.0.1",), max_bytes: int = 10_000):
    return fetch_url(url, max_bytes=max_bytes, timeout_s=5, allow_hosts=allow)


def test_an_allowed_loopback_page_is_fetched_with_a_file_name(server: str) -> None:
    fetched = _fetch(f"{server}/to-hills")
    assert fetched.filename == "hills.html" and fetched.data == PAGE
    assert fetched.url.endswith("/hills")


def test_loopback_is_refused_unless_allowed(server: str) -> None:
    with pytest.raises(FetchError, match="private or local address"):
        _fetch(f"{server}/hills", allow=())


def test_a_redirect_to_a_private_address_is_refused(server: str) -> None:
    with pytest.raises(FetchError, match=r"10\.1\.2\.3"):
        _fetch(f"{server}/to-private")


@pytest.mark.parametrize(
    ("path", "reason"),
    [("/big", "over the"), ("/image.png", "image/png"), ("/missing", "404")],
)
def test_bad_pages_are_refused_with_the_reason(server: str, path: str, reason: str) -> None:
    with pytest.raises(FetchError, match=reason):
        _fetch(f"{server}{path}")


@pytest.mark.parametrize(
    ("url", "address", "reason"),
    [
        ("ftp://example.org/a.md", "93.184.215.14", "only http"),
        ("file:///etc/passwd", "93.184.215.14", "only http"),
        ("http://metadata.example/", "169.254.169.254", "private or local"),
        ("http://router.example/", "192.168.1.1", "private or local"),
        ("http://v6.example/", "::1", "private or local"),
        ("http://user:pw@example.org/", "93.184.215.14", "user name or password"),
    ],
)
def test_unsafe_urls_are_refused(url: str, address: str, reason: str) -> None:
    with pytest.raises(FetchError, match=reason):
        check_url(url, resolve=lambda host, port: [address])


def test_public_addresses_pass() -> None:
    url = "https://example.org/guide"
    assert check_url(url, resolve=lambda host, port: ["93.184.215.14"]) == url


def test_a_host_that_turns_private_after_the_check_is_refused_at_connect(server: str) -> None:
    """DNS rebinding: public when checked, loopback when connecting. The connection is refused."""
    port = int(server.rsplit(":", 1)[1])
    answers = iter([["93.184.215.14"], ["127.0.0.1"]])
    with pytest.raises(FetchError, match=r"private or local address \(127\.0\.0\.1\)"):
        fetch_url(
            f"http://rebind.example:{port}/hills",
            max_bytes=10_000,
            timeout_s=5,
            resolve=lambda host, port: next(answers),
        )


def test_an_allowed_host_is_reached_through_the_checked_connection(server: str) -> None:
    port = int(server.rsplit(":", 1)[1])
    fetched = fetch_url(
        f"http://club-intranet:{port}/hills",
        max_bytes=10_000,
        timeout_s=5,
        allow_hosts=("club-intranet",),
        resolve=lambda host, port: ["127.0.0.1"],
    )
    assert fetched.data == PAGE
