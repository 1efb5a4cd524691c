"""A hard wall-clock cap per LLM answer: trickling replies, long Retry-After, concurrent stalls.

COACH_LLM_TIMEOUT_S bounds the whole answer (condensing, the call, retries and their waits);
then the member gets the extractive answer. The bounds asserted here are generous multiples
of the cap, against servers that would otherwise hold an answer for minutes.
"""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from answering.deadline import (
    DEADLINE,
    DeadlineTransport,
    call_with_deadline,
    retry_after_s,
    with_retries,
)
from answering.errors import LLMTimeoutError
from answering.pipeline import make_answerer
from bot.settings import Settings
from tests.answering.helpers import cite_first_sentences
from tests.fakes.openai_server import (
    FakeOpenAIServer,
    error_response,
    trickling_response,
)

FOAM_QUESTION = "Should I foam roll before or after a run?"
CAP_S = 1.0
# Far below what the servers below would take uncapped (minutes), far above the cap.
BOUND_S = CAP_S + 3.0


def capped_answerer(server: FakeOpenAIServer, retriever, embedder, **overrides: object):
    values: dict[str, object] = {
        "llm": "openai:fake-model", "llm_base_url": server.base_url, "llm_api_key": "k",
        "llm_timeout_s": CAP_S, "llm_max_retries": 2, "llm_max_tokens": 300,
    }  # fmt: skip
    values.update(overrides)
    return make_answerer(Settings(**values).answer_config(), retriever, embedder)


def test_a_trickling_reply_is_cut_at_the_cap(guides_retriever, embedder) -> None:
    with FakeOpenAIServer() as server:
        # ~300 bytes at 0.2 s each: a minute of "progress" that no read timeout ever stops.
        server.enqueue(trickling_response(every_s=0.2))
        answerer = capped_answerer(server, guides_retriever, embedder)
        started = time.monotonic()
        answer = answerer.answer(FOAM_QUESTION)
        elapsed = time.monotonic() - started

    assert answer.mode == "extractive_fallback"
    assert answer.citations
    assert elapsed < BOUND_S


def test_a_long_retry_after_is_not_waited_for(guides_retriever, embedder) -> None:
    with FakeOpenAIServer() as server:
        server.enqueue(error_response(429, retry_after="120"))
        answerer = capped_answerer(server, guides_retriever, embedder, llm_max_retries=5)
        started = time.monotonic()
        answer = answerer.answer(FOAM_QUESTION)
        elapsed = time.monotonic() - started
        statuses = [r.status for r in server.chat_requests]

    assert answer.mode == "extractive_fallback"
    assert statuses == [429]  # asked to wait 120 s with 1 s left: give up at once
    assert elapsed < BOUND_S


def test_a_short_retry_after_is_honoured_within_the_cap(guides_retriever, embedder) -> None:
    with FakeOpenAIServer(reply=cite_first_sentences) as server:
        server.enqueue(error_response(503, retry_after_ms="50"))
        answer = capped_answerer(server, guides_retriever, embedder).answer(FOAM_QUESTION)
        statuses = [r.status for r in server.chat_requests]

    assert statuses == [503, 200]
    assert answer.mode == "llm"


def test_four_stalled_answers_at_once_do_not_stall_a_fifth(guides_retriever, embedder) -> None:
    """Like the bot with COACH_MAX_CONCURRENCY=4: four trickles in flight, then a normal one."""
    with FakeOpenAIServer() as stalled, FakeOpenAIServer(reply=cite_first_sentences) as healthy:
        stalled.enqueue(*[trickling_response(every_s=0.3) for _ in range(4)])
        slow = capped_answerer(stalled, guides_retriever, embedder)
        modes: list[str] = []
        lock = threading.Lock()

        def ask() -> None:
            answer = slow.answer(FOAM_QUESTION)
            with lock:
                modes.append(answer.mode)

        started = time.monotonic()
        threads = [threading.Thread(target=ask) for _ in range(4)]
        for thread in threads:
            thread.start()
        fine = capped_answerer(healthy, guides_retriever, embedder).answer(FOAM_QUESTION)
        for thread in threads:
            thread.join(timeout=30)
        elapsed = time.monotonic() - started

    assert modes == ["extractive_fallback"] * 4
    assert fine.mode == "llm"
    assert elapsed < BOUND_S + 2.0


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
    release = threading.Event()

    def slow() -> str:
        seen.append(DEADLINE.get())
        release.wait(5)
        return "late"

    deadline = time.monotonic() + 0.2
    with pytest.raises(LLMTimeoutError):
        call_with_deadline(slow, deadline)
    release.set()
    assert seen == [deadline]
    assert call_with_deadline(lambda: "on time", time.monotonic() + 1) == "on time"


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

    with FakeOpenAIServer() as server:
        server.enqueue(*[trickling_response(every_s=0.2) for _ in range(3)])
        answerer = capped_answerer(server, guides_retriever, embedder)
        history = [Turn(question=FOAM_QUESTION, answer="Warm up first, then roll [1].")]
        started = time.monotonic()
        answer = answerer.answer("and after a long run?", history)
        elapsed = time.monotonic() - started

    assert answer.mode == "extractive_fallback"
    assert elapsed < BOUND_S
