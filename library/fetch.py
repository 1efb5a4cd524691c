"""Fetching an article from a URL, safely: http(s) only, public addresses, size and time limits.

Every hop of a redirect is looked up once, checked (only globally routable addresses pass),
and connected to the address that was checked. One wall-clock deadline covers the whole
fetch: each lookup, connect, TLS handshake and read waits at most the time left, so a server
that trickles its headers or body a byte at a time is cut at the limit. A host in the
allow-list (settings) may resolve to a private or loopback address, e.g. the club's own
intranet, or a test server.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Collection
from pathlib import PurePosixPath
from typing import Any, cast
from urllib.parse import unquote, urljoin, urlsplit

import httpcore
import httpx
from pydantic import BaseModel

from library.errors import FetchError
from library.preview import safe_filename
from retrieval.ingest.files import SUPPORTED_SUFFIXES, format_size

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


class TooSlow(Exception):
    """The fetch's wall-clock budget is spent (turned into a FetchError saying so)."""


class Deadline:
    """One wall-clock budget for a whole fetch: lookups, connects, TLS, headers, body, hops."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self, cap: float | None = None) -> float:
        """Seconds left (at most `cap`); TooSlow when none are."""
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise TooSlow
        return remaining if cap is None else min(cap, remaining)


def check_url(
    url: str,
    *,
    allow_hosts: Collection[str] = (),
    resolve: Resolver = resolve_host,
    deadline: Deadline | None = None,
) -> str:
    """The URL when it is safe to fetch, else FetchError saying why."""
    return _checked(url, allow_hosts, resolve, deadline)[0]


def _checked(
    url: str, allow_hosts: Collection[str], resolve: Resolver, deadline: Deadline | None
) -> tuple[str, str, list[str]]:
    """(url, host, the checked addresses to connect to): each hop is looked up exactly once."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"only http:// and https:// links can be added (got `{parts.scheme}:`)")
    host = (parts.hostname or "").lower()
    if not host:
        raise FetchError("the link has no host name; paste the full address")
    if parts.username or parts.password:
        raise FetchError("links with a user name or password can't be fetched")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchError("the link's port is not a number from 0 to 65535") from None
    addresses = public_addresses(
        host, port, allow_hosts=allow_hosts, resolve=resolve, deadline=deadline
    )
    return url.strip(), host, addresses


# Not covered by `is_global` on Python 3.11, or allocated per network rather than routed:
# 192.0.0.0/24 (protocol assignments, some of it marked global) is refused whole.
_ALSO_REFUSED = (ipaddress.ip_network("192.0.0.0/24"),)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Globally routable unicast only; an IPv6 form of an IPv4 address is judged by that address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and not is_public(embedded):
            return False
    return ip.is_global and not ip.is_multicast and not any(ip in net for net in _ALSO_REFUSED)


def public_addresses(
    host: str,
    port: int,
    *,
    allow_hosts: Collection[str],
    resolve: Resolver,
    deadline: Deadline | None = None,
) -> list[str]:
    """The host's addresses, or FetchError unless every one is public (fails closed)."""
    addresses = _lookup(resolve, host, port, deadline)
    if not addresses:
        raise FetchError(f"`{host}` has no address: check the link")
    if host.lower() in {h.lower() for h in allow_hosts}:
        return addresses
    for address in addresses:
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            ip = None
        if ip is None or not is_public(ip):
            raise FetchError(
                f"`{host}` points to a private or local address ({address}), not a public "
                "address; only public web pages can be added (an admin can allow a host "
                "with COACH_KB_ALLOW_HOSTS)"
            )
    return addresses


def _lookup(resolve: Resolver, host: str, port: int, deadline: Deadline | None) -> list[str]:
    """`resolve` within the deadline: a hung lookup is left behind in its own thread."""
    if deadline is None:
        return list(resolve(host, port))
    done = threading.Event()
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(list(resolve(host, port)))
        except BaseException as exc:  # handed to the caller's thread below
            outcome.append(exc)
        done.set()

    threading.Thread(target=run, name=f"resolve {host}", daemon=True).start()
    if not done.wait(deadline.left()):
        raise TooSlow
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return cast(list[str], outcome[0])


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and TLS handshake waits at most the time left."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._stream, self._deadline = stream, deadline

    def _left(self, timeout: float | None, error: type[Exception]) -> float:
        try:
            return self._deadline.left(timeout)
        except TooSlow:
            raise error("the fetch's time limit was reached") from None

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        tls = self._stream.start_tls(
            ssl_context, server_hostname, self._left(timeout, httpcore.ConnectTimeout)
        )
        return _DeadlineStream(tls, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _PinnedBackend(httpcore.SyncBackend):
    """Connects a host only to the addresses checked for this hop: no second DNS lookup,
    so nothing can rebind the name between the check and the connection."""

    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline
        self.pins: dict[str, list[str]] = {}

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        addresses = self.pins.get(host.lower().strip("[]"))
        if not addresses:  # fail closed: only a checked host is ever connected
            raise FetchError(f"`{host}` was not checked before connecting; nothing was fetched")
        error: Exception | None = None
        for address in addresses:
            try:
                left = self.deadline.left(timeout)
            except TooSlow:
                raise httpcore.ConnectTimeout("the fetch's time limit was reached") from None
            try:
                stream = super().connect_tcp(
                    address.split("%", 1)[0],
                    port,
                    timeout=left,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            return _DeadlineStream(stream, self.deadline)
        assert error is not None
        raise error


def _transport(backend: _PinnedBackend) -> httpx.HTTPTransport:
    transport = httpx.HTTPTransport(trust_env=False)
    # httpx has no resolver hook; its connection pool takes a network backend that does.
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(), network_backend=backend
    )
    return transport


def too_slow(timeout_s: float) -> str:
    return (
        f"the site was too slow: no complete page within {timeout_s:g} s (the limit, "
        "COACH_KB_FETCH_TIMEOUT_S); try again later, or save the page as a file and attach it"
    )


def fetch_url(
    url: str,
    *,
    max_bytes: int,
    timeout_s: float,
    allow_hosts: Collection[str] = (),
    resolve: Resolver = resolve_host,
) -> Fetched:
    """Download one article within `timeout_s` in all (every hop, lookup, header and byte);
    FetchError with a reason a coach can act on."""
    deadline = Deadline(timeout_s)
    backend = _PinnedBackend(deadline)
    try:
        with httpx.Client(
            transport=_transport(backend),
            follow_redirects=False,
            timeout=httpx.Timeout(timeout_s),
            headers={"User-Agent": USER_AGENT, "Accept": _ACCEPT},
            trust_env=False,
        ) as client:
            return _follow(client, backend, url, max_bytes, allow_hosts, resolve, deadline)
    except (TooSlow, httpx.TimeoutException):
        raise FetchError(too_slow(timeout_s)) from None


def _follow(
    client: httpx.Client,
    backend: _PinnedBackend,
    url: str,
    max_bytes: int,
    allow_hosts: Collection[str],
    resolve: Resolver,
    deadline: Deadline,
) -> Fetched:
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        current, _host, addresses = _checked(current, allow_hosts, resolve, deadline)
        # Keyed as the connection pool will ask: the ASCII (IDNA) form of the name.
        backend.pins[httpx.URL(current).raw_host.decode("ascii").lower()] = addresses
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
            raise
        except httpx.HTTPError as exc:
            raise FetchError(f"could not fetch {current}: {exc}") from None
    raise FetchError(f"{url} redirects more than {MAX_REDIRECTS} times; paste the final address")


def _read_limited(response: httpx.Response, max_bytes: int, deadline: Deadline) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(_too_large(int(declared), max_bytes))
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(_too_large(size, max_bytes, at_least=True))
        deadline.left()  # TooSlow once the budget is spent, however steadily bytes arrive
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
