"""The fetch's hard limits: one wall-clock deadline for the whole fetch, and an address guard
that fails closed and pins the connection to the address it checked (loopback servers only)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest

from library.errors import FetchError
from library.fetch import check_url, fetch_url
from tests.fakes.connections import connections
from tests.fakes.slow_servers import (
    Handler,
    body_trickled,
    headers_trickled,
    never_accepts,
    serve_raw,
    slow_redirects,
)
from tests.fakes.web_pages import Page, serve_pages

LIMIT_S = 1.0
# A byte every TICK keeps each socket read short: only a limit on the whole fetch cuts it.
TICK = 0.05


def _raw(handler: Handler) -> Callable[[], AbstractContextManager[int]]:
    @contextmanager
    def serve() -> Iterator[int]:
        with serve_raw(handler) as (port, _paths):
            yield port

    return serve


SHAPES: dict[str, Callable[[], AbstractContextManager[int]]] = {
    "slow connect (never accepted)": never_accepts,
    "headers trickled": _raw(headers_trickled(TICK)),
    "body trickled": _raw(body_trickled(TICK)),
    "a chain of slow redirects": _raw(slow_redirects(0.4)),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_every_slow_shape_is_cut_at_the_deadline(shape: str) -> None:
    with SHAPES[shape]() as port:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"too slow.*within 1 s") as refused:
            fetch_url(
                f"http://127.0.0.1:{port}/hop/0",
                max_bytes=1_000_000,
                timeout_s=LIMIT_S,
                allow_hosts=("127.0.0.1",),
            )
        elapsed = time.monotonic() - started
    assert elapsed < LIMIT_S + 1.0, f"{shape}: returned after {elapsed:.1f} s"
    assert "COACH_KB_FETCH_TIMEOUT_S" in str(refused.value)


def test_a_slow_resolver_counts_against_the_deadline() -> None:
    def slow_resolve(host: str, port: int) -> list[str]:
        time.sleep(3)
        return ["127.0.0.1"]

    started = time.monotonic()
    with pytest.raises(FetchError, match="too slow"):
        fetch_url("http://slow-dns.example/", max_bytes=1000, timeout_s=0.5, resolve=slow_resolve)
    assert time.monotonic() - started < 1.5


# -- the address guard -------------------------------------------------------------------------

NOT_GLOBAL = [
    "100.64.0.1",  # carrier-grade NAT: some clouds' metadata service
    "100.127.255.254",
    "192.0.0.1",  # IETF protocol assignments
    "192.0.0.9",
    "198.18.0.1",  # benchmarking
    "0.0.0.0",
    "240.0.0.1",
    "224.0.0.1",  # multicast
    "::ffff:127.0.0.1",  # IPv4-mapped loopback
    "::ffff:100.64.0.1",  # IPv4-mapped CGNAT (is_global says True on Python 3.11)
    "::ffff:10.0.0.1",
    "2002:7f00:1::1",  # 6to4 around 127.0.0.1
    "64:ff9b::a00:1",  # NAT64 around 10.0.0.1
    "fd00::1",
    "fe80::1%eth0",
    "not-an-address",
]


@pytest.mark.parametrize("address", NOT_GLOBAL)
def test_every_non_global_address_is_refused(address: str) -> None:
    with pytest.raises(FetchError, match="not a public address"):
        check_url("http://host.example/", resolve=lambda host, port: [address])


def test_one_bad_address_among_good_ones_refuses_the_host() -> None:
    with pytest.raises(FetchError, match=r"100\.64\.0\.1"):
        check_url("http://host.example/", resolve=lambda h, p: ["93.184.215.14", "100.64.0.1"])


@pytest.fixture
def site() -> Iterator[tuple[int, list[str]]]:
    hits: list[str] = []

    def record(path: str) -> None:
        hits.append(path)

    routes = {
        "/hills": Page(body=b"<html><body><p>Hill sprints build strength.</p></body></html>"),
        "/to-hills": Page(301, location="/hills"),
    }
    with serve_pages(routes, on_request=record) as port:
        # The CGNAT hop is on the same port: were it fetched, the guard would see it.
        yield port, hits


def test_no_request_goes_out_to_a_carrier_grade_nat_address(site: tuple[int, list[str]]) -> None:
    port, hits = site
    answers = {"cgnat.example": ["100.64.0.1"], "club-intranet": ["127.0.0.1"]}
    with connections() as attempts, pytest.raises(FetchError, match=r"100\.64\.0\.1"):
        fetch_url(
            f"http://cgnat.example:{port}/hills",
            max_bytes=10_000,
            timeout_s=5,
            allow_hosts=("club-intranet",),
            resolve=lambda host, p: answers[host],
        )
    assert attempts == [] and hits == []


def test_a_redirect_to_a_carrier_grade_nat_address_is_refused_before_connecting(
    site: tuple[int, list[str]],
) -> None:
    port, hits = site
    answers = {"cgnat.example": ["100.64.0.1"], "club-intranet": ["127.0.0.1"]}
    redirect = {"/go": Page(302, location=f"http://cgnat.example:{port}/hills")}
    with (
        serve_pages(redirect) as hop,
        connections() as attempts,
        pytest.raises(FetchError, match=r"100\.64\.0\.1"),
    ):
        fetch_url(
            f"http://club-intranet:{hop}/go",
            max_bytes=10_000,
            timeout_s=5,
            allow_hosts=("club-intranet",),
            resolve=lambda host, p: answers[host],
        )
    assert attempts == [("127.0.0.1", hop)] and hits == []


def test_an_allowed_test_host_is_pinned_to_its_checked_address(
    site: tuple[int, list[str]],
) -> None:
    """One lookup per hop, and the connection goes to the address that was checked."""
    port, hits = site
    lookups: list[str] = []

    def resolve(host: str, p: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    with connections() as attempts:
        fetched = fetch_url(
            f"http://club-intranet:{port}/to-hills",
            max_bytes=10_000,
            timeout_s=5,
            allow_hosts=("club-intranet",),
            resolve=resolve,
        )
    assert fetched.url.endswith("/hills") and hits == ["/to-hills", "/hills"]
    assert lookups == ["club-intranet", "club-intranet"]  # no second lookup at connect time
    assert {a for a, _ in attempts} == {"127.0.0.1"}


def test_a_host_that_turns_private_after_the_check_is_still_reached_only_where_checked(
    site: tuple[int, list[str]],
) -> None:
    """DNS rebinding: public when checked, loopback a moment later. Only the checked public
    address is ever connected to (the test guard refuses it, so nothing leaves the machine)."""
    port, hits = site
    answers = iter([["93.184.215.14"], ["127.0.0.1"], ["127.0.0.1"]])
    with connections() as attempts, pytest.raises(FetchError, match="could not fetch"):
        fetch_url(
            f"http://rebind.example:{port}/hills",
            max_bytes=10_000,
            timeout_s=5,
            resolve=lambda host, p: next(answers),
        )
    assert attempts == [("93.184.215.14", port)] and hits == []


def test_an_international_host_name_is_pinned_under_the_name_the_pool_connects_to(
    site: tuple[int, list[str]],
) -> None:
    port, hits = site
    fetched = fetch_url(
        f"http://bücher.example:{port}/hills",
        max_bytes=10_000,
        timeout_s=5,
        allow_hosts=("bücher.example",),
        resolve=lambda host, p: ["127.0.0.1"],
    )
    assert fetched.data.startswith(b"<html>") and hits == ["/hills"]
