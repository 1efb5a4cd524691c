"""Fetching an article from a URL, safely: http(s) only, public addresses, size and time limits.

Every hop of a redirect is checked again. A host in the allow-list (settings) may resolve
to a private or loopback address, e.g. the club's own intranet, or a test server.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import time
from collections.abc import Callable, Collection
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import httpcore
import httpx
from pydantic import BaseModel

from bot.kb.errors import FetchError
from bot.kb.preview import safe_filename
from retrieval.files import SUPPORTED_SUFFIXES, format_size

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
USER_AGENT = "ClubCoach/0.1 (knowledge base admin)"
_ACCEPT = "text/html, text/markdown, text/plain, application/pdf;q=0.9, */*;q=0.1"
_SUFFIX_OF_TYPE = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/markdown": ".md",
    "text/x-markdown": ".md",
    "text/plain": ".txt",
    "application/pdf": ".pdf",
}

Resolver = Callable[[str, int], list[str]]


class Fetched(BaseModel):
    url: str
    filename: str
    content_type: str
    data: bytes


def resolve_host(host: str, port: int) -> list[str]:
    """Every address the host name resolves to (IPv4 and IPv6)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve `{host}` ({exc.strerror}): check the address") from None
    return sorted({str(info[4][0]) for info in infos})


def check_url(
    url: str, *, allow_hosts: Collection[str] = (), resolve: Resolver = resolve_host
) -> str:
    """The URL when it is safe to fetch, else FetchError saying why."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"only http:// and https:// links can be added (got `{parts.scheme}:`)")
    host = (parts.hostname or "").lower()
    if not host:
        raise FetchError("the link has no host name; paste the full address")
    if parts.username or parts.password:
        raise FetchError("links with a user name or password can't be fetched")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    public_addresses(host, port, allow_hosts=allow_hosts, resolve=resolve)
    return url.strip()


def public_addresses(
    host: str, port: int, *, allow_hosts: Collection[str], resolve: Resolver
) -> list[str]:
    """The host's addresses, or FetchError if any is private, loopback, link-local..."""
    addresses = resolve(host, port)
    if host.lower() in {h.lower() for h in allow_hosts}:
        return addresses
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if (
            ip.is_private
            or ip.is_loopback
            or ip.is_link_local
            or ip.is_multicast
            or ip.is_reserved
            or ip.is_unspecified
        ):
            raise FetchError(
                f"`{host}` points to a private or local address ({ip}); only public web pages "
                "can be added (an admin can allow a host with COACH_KB_ALLOW_HOSTS)"
            )
    return addresses


class _CheckedBackend(httpcore.SyncBackend):
    """Connects only to an address checked at connect time (no DNS-rebinding in between)."""

    def __init__(self, allow_hosts: Collection[str], resolve: Resolver) -> None:
        self.allow_hosts, self.resolve = allow_hosts, resolve

    def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        address = public_addresses(host, port, allow_hosts=self.allow_hosts, resolve=self.resolve)
        return super().connect_tcp(address[0], port, *args, **kwargs)


def _transport(allow_hosts: Collection[str], resolve: Resolver) -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport(trust_env=False)
    # httpx has no resolver hook; its connection pool takes a network backend that does.
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        network_backend=_CheckedBackend(allow_hosts, resolve),
    )
    return transport


def fetch_url(
    url: str,
    *,
    max_bytes: int,
    timeout_s: float,
    allow_hosts: Collection[str] = (),
    resolve: Resolver = resolve_host,
) -> Fetched:
    """Download one article; FetchError with a reason a coach can act on."""
    deadline = time.monotonic() + timeout_s
    current = url
    with httpx.Client(
        transport=_transport(allow_hosts, resolve),
        follow_redirects=False,
        timeout=httpx.Timeout(timeout_s),
        headers={"User-Agent": USER_AGENT, "Accept": _ACCEPT},
        trust_env=False,
    ) as client:
        for _ in range(MAX_REDIRECTS + 1):
            current = check_url(current, allow_hosts=allow_hosts, resolve=resolve)
            try:
                with client.stream("GET", current) as response:
                    if response.is_redirect:
                        location = response.headers.get("location", "")
                        if not location:
                            raise FetchError(f"{current} redirects without saying where")
                        current = urljoin(current, location)
                        continue
                    if response.status_code >= 400:
                        raise FetchError(
                            f"the site answered {response.status_code} "
                            f"{response.reason_phrase} for {current}"
                        )
                    data = _read_limited(response, max_bytes, deadline)
                    content_type = response.headers.get("content-type", "").split(";")[0]
                    return Fetched(
                        url=current,
                        filename=filename_for(current, content_type.strip().lower()),
                        content_type=content_type.strip().lower(),
                        data=data,
                    )
            except httpx.TimeoutException:
                raise FetchError(
                    f"{current} took longer than {timeout_s:.0f} s to answer; try again later"
                ) from None
            except httpx.HTTPError as exc:
                raise FetchError(f"could not fetch {current}: {exc}") from None
    raise FetchError(f"{url} redirects more than {MAX_REDIRECTS} times; paste the final address")


def _read_limited(response: httpx.Response, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(_too_large(int(declared), max_bytes))
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(_too_large(size, max_bytes, at_least=True))
        if time.monotonic() > deadline:
            raise FetchError("the page took too long to download; try again later")
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(size: int, max_bytes: int, *, at_least: bool = False) -> str:
    more = "more than " if at_least else ""
    return (
        f"the page is {more}{format_size(size)}, over the {format_size(max_bytes)} limit; "
        "save the part you need as a file and attach it"
    )


def filename_for(url: str, content_type: str) -> str:
    """A file name from the URL's last path part, with the suffix its content type calls for."""
    parts = urlsplit(url)
    last = unquote(PurePosixPath(parts.path).name)
    stem, suffix = PurePosixPath(last).stem, PurePosixPath(last).suffix.lower()
    wanted = _SUFFIX_OF_TYPE.get(content_type)
    if wanted is None:
        if suffix in SUPPORTED_SUFFIXES:
            wanted = suffix
        else:
            raise FetchError(
                f"the link is `{content_type or 'unknown content'}`, not a web page, text, "
                "Markdown or PDF"
            )
    if suffix in (".htm", ".markdown") and wanted in (".html", ".md"):
        wanted = suffix
    stem = stem or re.sub(r"^www\.", "", parts.hostname or "page")
    return safe_filename(f"{stem}{wanted}")
