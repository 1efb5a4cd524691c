"""Fetching a URL safely, against a loopback server explicitly allowed (and refused when not)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from library.errors import FetchError
from library.fetch import check_url, fetch_url
from tests.fakes.web_pages import NOT_FOUND, Page, serve_pages

PAGE = (
    b"<html><head><title>Hill sprints</title></head><body><h1>Hill sprints</h1>"
    + (b"<p>Short hill sprints build strength in the calves and hips with little impact.</p>" * 3)
    + b"</body></html>"
)


ROUTES = {
    "/hills": Page(body=PAGE),
    "/big": Page(content_type="text/plain", body=b"a" * 20_000),
    "/image.png": Page(content_type="image/png", body=b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
    "/missing": NOT_FOUND,
    "/to-private": Page(302, location="http://10.1.2.3/secret"),
    "/to-hills": Page(301, location="/hills"),
}


@pytest.fixture
def server() -> Iterator[str]:
    with serve_pages(ROUTES) as port:
        yield f"http://127.0.0.1:{port}"


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
