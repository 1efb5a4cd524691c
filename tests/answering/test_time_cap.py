"""A hard wall-clock cap per LLM answer: trickling replies, long Retry-After, concurrent stalls.

COACH_LLM_TIMEOUT_S bounds the whole answer (condensing, the call, retries and their waits);
then the member gets the extractive answer. Times are measured from the first request the
fake server sees, because the cap counts from the first LLM call: retrieval before it can take
seconds on a loaded 2-core CI machine and is not the cap's to bound. The bounds are the cap plus
room for the extractive fallback, against servers that would otherwise hold an answer for a
minute or more. What cannot depend on load (how many requests were made, which answers were
still stalled when another one finished) is asserted exactly.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx
import pytest

from answering.errors import LLMTimeoutError
from answering.llm_deadline import (
    DEADLINE,
    DeadlineTransport,
    call_with_deadline,
    retry_after_s,
    with_retries,
)
from answering.pipeline import make_answerer
from tests.answering.conftest import ROOMY_CAP_S, llm_settings_for
from tests.answering.helpers import cite_first_sentences
from tests.fakes.openai_server import (
    FakeOpenAIServer,
    RecordedRequest,
    error_response,
    hanging_response,
    trickling_response,
)

FOAM_QUESTION = "Should I foam roll before or after a run?"
CAP_S = 1.0
# Room after the cap for the extractive fallback on a busy machine; the servers below would
# hold an uncapped answer for 60 s (trickle), 90 s (slow trickle) or 120 s (Retry-After).
SLACK_S = 5.0
BOUND_S = CAP_S + SLACK_S


class TimedServer(FakeOpenAIServer):
    """The fake server, noting when the first request arrives (the cap counts from there)."""

    first_request_at: float | None = None

    def _record(self, request: RecordedRequest) -> None:
        if self.first_request_at is None:
            self.first_request_at = time.monotonic()
        super()._record(request)

    def seconds_since_first_request(self) -> float:
        assert self.first_request_at is not None, "no request reached the server"
        return time.monotonic() - self.first_request_at


def wait_until(condition: Callable[[], bool], timeout_s: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def capped_answerer(server: FakeOpenAIServer, retriever, embedder, **overrides: object):
    settings = llm_settings_for(server, **{"llm_timeout_s": CAP_S, **overrides})
    return make_answerer(settings.answer_config(), retriever, embedder)


def test_a_trickling_reply_is_cut_at_the_cap(guides_retriever, embedder) -> None:
    with TimedServer() as server:
        # ~300 bytes at 0.2 s each: a minute of "progress" that no read timeout ever stops.
        server.enqueue(trickling_response(every_s=0.2))
        answerer = capped_answerer(server, guides_retriever, embedder)
        answer = answerer.answer(FOAM_QUESTION)
        elapsed = server.seconds_since_first_request()

    assert answer.mode == "extractive_fallback"
    assert answer.citations
    assert elapsed < BOUND_S


def test_a_long_retry_after_is_not_waited_for(guides_retriever, embedder) -> None:
    with TimedServer() as server:
        server.enqueue(error_response(429, retry_after="120"))
        answerer = capped_answerer(server, guides_retriever, embedder, llm_max_retries=5)
        answer = answerer.answer(FOAM_QUESTION)
        elapsed = server.seconds_since_first_request()
        statuses = [r.status for r in server.chat_requests]

    assert answer.mode == "extractive_fallback"
    assert statuses == [429]  # asked to wait 120 s with 1 s left: give up at once
    assert elapsed < BOUND_S  # waiting would take 120 s


def test_a_short_retry_after_is_honoured_within_the_cap(guides_retriever, embedder) -> None:
    with FakeOpenAIServer(reply=cite_first_sentences) as server:
        server.enqueue(error_response(503, retry_after_ms="50"))
        answerer = capped_answerer(server, guides_retriever, embedder, llm_timeout_s=ROOMY_CAP_S)
        answer = answerer.answer(FOAM_QUESTION)
        statuses = [r.status for r in server.chat_requests]

    assert statuses == [503, 200]
    assert answer.mode == "llm"


def test_four_stalled_answers_at_once_do_not_stall_a_fifth(guides_retriever, embedder) -> None:
    """Like the bot with COACH_MAX_CONCURRENCY=4: four answers held by a server that never
    replies, then a normal one.

    The fifth is asked once all four are held, and must be answered while all four are still
    held: it shares nothing they are stuck on. Every cap is roomy and the four are held until the
    stalled server hangs up, so no step races the clock, however busy the machine; cutting a
    stalled answer at its cap is the tests above.
    """
    with FakeOpenAIServer() as stalled, FakeOpenAIServer(reply=cite_first_sentences) as healthy:
        stalled.enqueue(*[hanging_response() for _ in range(4)])
        slow = capped_answerer(
            stalled, guides_retriever, embedder, llm_timeout_s=ROOMY_CAP_S, llm_max_retries=0
        )
        modes: list[str] = []
        lock = threading.Lock()

        def ask() -> None:
            answer = slow.answer(FOAM_QUESTION)
            with lock:
                modes.append(answer.mode)

        threads = [threading.Thread(target=ask) for _ in range(4)]
        for thread in threads:
            thread.start()
        assert wait_until(lambda: stalled.calls == 4), "the four answers never reached the server"
        fine = capped_answerer(
            healthy, guides_retriever, embedder, llm_timeout_s=ROOMY_CAP_S
        ).answer(FOAM_QUESTION)
        held_while_fine_answered = sum(thread.is_alive() for thread in threads)
        stalled.stop()  # hangs up on the four
        for thread in threads:
            thread.join(timeout=ROOMY_CAP_S)
        calls = stalled.calls

    assert fine.mode == "llm"
    assert held_while_fine_answered == 4
    assert modes == ["extractive_fallback"] * 4
    assert calls == 4  # one request each, none retried


def test_with_retries_never_sleeps_past_the_deadline() -> None:
    slept: list[float] = []
    calls = 0

    class Busy(Exception):
        status_code = 503

    def flaky() -> str:
        nonlocal calls
        calls += 1
        raise Busy()

    now = [100.0]

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    with pytest.raises(LLMTimeoutError, match="time left"):
        with_retries(flaky, 102.0, max_retries=50, sleep=sleep, clock=lambda: now[0])
    assert slept and sum(slept) < 2.0
    assert calls == len(slept) + 1


def test_errors_that_cannot_improve_are_not_retried() -> None:
    class Unauthorised(Exception):
        status_code = 401

    calls = 0

    def refused() -> str:
        nonlocal calls
        calls += 1
        raise Unauthorised()

    with pytest.raises(Unauthorised):
        with_retries(refused, time.monotonic() + 5, max_retries=3, sleep=lambda s: None)
    assert calls == 1


def test_call_with_deadline_stops_waiting_and_sets_the_deadline_for_the_worker() -> None:
    seen: list[float | None] = []
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        seen.append(DEADLINE.get())
        started.set()
        release.wait(30)
        return "late"

    deadline = time.monotonic() + 0.2
    with pytest.raises(LLMTimeoutError):
        call_with_deadline(slow, deadline)  # the worker is held until release: never in time
    release.set()
    assert started.wait(30)  # on a busy machine the worker may only start after the deadline
    assert seen == [deadline]
    assert call_with_deadline(lambda: "on time", time.monotonic() + ROOMY_CAP_S) == "on time"


def test_retry_after_headers_are_read_in_seconds() -> None:
    def failure(headers: dict[str, str]) -> Exception:
        exc = Exception("busy")
        exc.response = httpx.Response(429, headers=headers)  # type: ignore[attr-defined]
        return exc

    assert retry_after_s(failure({"retry-after": "120"})) == 120
    assert retry_after_s(failure({"retry-after-ms": "250"})) == pytest.approx(0.25)
    assert retry_after_s(failure({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"})) is None
    assert retry_after_s(Exception("no response")) is None


def test_the_transport_refuses_to_start_a_request_after_the_deadline() -> None:
    with httpx.Client(transport=DeadlineTransport()) as client:
        token = DEADLINE.set(time.monotonic() - 1)
        try:
            with pytest.raises(httpx.TimeoutException):
                client.get("http://127.0.0.1:9/never")
        finally:
            DEADLINE.reset(token)


def test_condensing_a_follow_up_shares_the_same_budget(guides_retriever, embedder) -> None:
    """The cap is per answer: a stalled follow-up rewrite leaves no fresh cap for the answer."""
    from answering.models import Turn

    with TimedServer() as server:
        server.enqueue(*[trickling_response(every_s=0.2) for _ in range(3)])
        answerer = capped_answerer(server, guides_retriever, embedder)
        history = [Turn(question=FOAM_QUESTION, answer="Warm up first, then roll [1].")]
        answer = answerer.answer("and after a long run?", history)
        elapsed = server.seconds_since_first_request()
        calls = server.calls

    assert answer.mode == "extractive_fallback"
    assert calls == 1  # the rewrite used the whole cap: the answer itself was never requested
    assert elapsed < BOUND_S
