"""A hard wall-clock cap on an LLM answer: retries, Retry-After waits and slow bodies included.

Client timeouts don't cap an answer: a read timeout restarts with every byte (a server that
trickles its reply one byte a second never times out), and a client's own retries sleep for
whatever `Retry-After` says. So:

- `call_with_deadline` runs the call in a worker thread and stops waiting at the deadline;
- `with_retries` retries transient failures itself, and never sleeps past the deadline;
- `DeadlineTransport` (the HTTP clients' transport) clamps every request's timeouts to the
  time left and aborts a response body still arriving at the deadline, so an abandoned
  worker thread ends soon after too, instead of holding a connection.
"""

from __future__ import annotations

import contextvars
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx

from .errors import LLMTimeoutError

log = logging.getLogger(__name__)

T = TypeVar("T")

# The monotonic time by which the current thread's LLM call must be done; None = no cap.
DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "coach_llm_deadline", default=None
)
RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
FIRST_BACKOFF_S = 0.5
MAX_BACKOFF_S = 8.0


def remaining(deadline: float) -> float:
    return deadline - time.monotonic()


def call_with_deadline(fn: Callable[[], T], deadline: float, what: str = "LLM call") -> T:
    """`fn()` in a worker thread (which sees `DEADLINE`); LLMTimeoutError if not done in time."""
    left = remaining(deadline)
    if left <= 0:
        raise LLMTimeoutError(f"{what}: no time left in this answer's budget")
    box: dict[str, Any] = {}
    done = threading.Event()

    def work() -> None:
        DEADLINE.set(deadline)
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the waiting thread
            box["error"] = exc
        finally:
            done.set()

    # A daemon thread, not a pool: a stuck call must never hold a slot another answer needs.
    threading.Thread(target=work, name="coach-llm-call", daemon=True).start()
    if not done.wait(left):
        raise LLMTimeoutError(f"{what}: no reply within the answer's time cap")
    if "error" in box:
        raise box["error"]
    return box["value"]


def with_retries(
    fn: Callable[[], T],
    deadline: float,
    max_retries: int,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """`fn()`, retried on transient errors with backoff or Retry-After, never past `deadline`."""
    attempt = 0
    while True:
        try:
            return fn()
        except Exception as exc:
            if attempt >= max_retries or not is_retryable(exc):
                raise
            wait = retry_after_s(exc)
            if wait is None:
                wait = min(FIRST_BACKOFF_S * 2**attempt, MAX_BACKOFF_S) * random.uniform(0.8, 1.2)
            left = deadline - clock()
            if wait >= left:
                raise LLMTimeoutError(
                    f"the provider asked to wait {wait:.0f} s, longer than the time left "
                    f"in this answer ({max(0.0, left):.1f} s)"
                ) from exc
            attempt += 1
            log.info("LLM call failed (%s); retry %d in %.1f s", type(exc).__name__, attempt, wait)
            sleep(wait)


def is_retryable(exc: BaseException) -> bool:
    """Timeouts, dropped connections, 408/409/429/5xx: worth another try if time allows."""
    if isinstance(exc, LLMTimeoutError):
        return False
    status = status_of(exc)
    if status is not None:
        return status in RETRYABLE_STATUS or status >= 500
    if isinstance(exc, httpx.TransportError):
        return True
    import openai  # lazy: only a failed LLM call gets here

    return isinstance(exc, openai.APIConnectionError)  # includes APITimeoutError


def status_of(exc: BaseException) -> int | None:
    for attr in ("status_code", "status"):
        value = getattr(exc, attr, None)
        if isinstance(value, int):
            return value
    response = getattr(exc, "response", None)
    value = getattr(response, "status_code", None)
    return value if isinstance(value, int) else None


def retry_after_s(exc: BaseException) -> float | None:
    """Seconds the provider asked us to wait (`retry-after-ms` or `Retry-After`), if any."""
    headers = getattr(getattr(exc, "response", None), "headers", None)
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            return max(0.0, float(raw) * scale)
        except ValueError:
            continue  # an HTTP date: treat as no hint
    return None


class DeadlineTransport(httpx.BaseTransport):
    """An httpx transport that holds every request to the calling thread's `DEADLINE`."""

    def __init__(self, **kwargs: Any) -> None:
        self._inner = httpx.HTTPTransport(**kwargs)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        deadline = DEADLINE.get()
        if deadline is None:
            return self._inner.handle_request(request)
        left = remaining(deadline)
        if left <= 0:
            raise httpx.ReadTimeout("answer time cap reached", request=request)
        timeouts = dict(request.extensions.get("timeout") or {})
        for phase in ("connect", "read", "write", "pool"):
            value = timeouts.get(phase)
            timeouts[phase] = left if value is None else min(value, left)
        request.extensions["timeout"] = timeouts
        response = self._inner.handle_request(request)
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_DeadlineStream(response.stream, deadline, request),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._inner.close()


class _DeadlineStream(httpx.SyncByteStream):
    """A response body that stops arriving at the deadline (a trickle can't outlast the cap)."""

    def __init__(self, inner: Any, deadline: float, request: httpx.Request) -> None:
        self._inner = inner
        self._deadline = deadline
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            if remaining(self._deadline) <= 0:
                raise httpx.ReadTimeout("answer time cap reached", request=self._request)
            yield chunk

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()
