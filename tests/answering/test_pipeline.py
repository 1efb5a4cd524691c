"""The answer layer end to end: real retriever over knowledge/, real ChatOpenAI, fake server."""

from __future__ import annotations

import pytest

from answering.errors import ConfigError
from answering.models import Answer, Turn
from answering.pipeline import CoachAnswerer, make_answerer
from bot.settings import Settings
from retrieval.models import SearchResult
from tests.answering.conftest import llm_settings_for
from tests.answering.helpers import first_sentence, replying, user_text
from tests.fakes.openai_server import (
    FakeOpenAIServer,
    Scripted,
    error_response,
    malformed_response,
)

FOAM_QUESTION = "Should I foam roll before or after a run?"
OFF_TOPIC = "What is the best marathon shoe for flat feet?"


def assert_well_formed(answer: Answer) -> None:
    """Citations numbered 1..m in order, each used in the text, each with a quote."""
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    for citation in answer.citations:
        assert f"[{citation.n}]" in answer.answer
        assert citation.quote and citation.source.endswith(".md")
    assert f"[{len(answer.citations) + 1}]" not in answer.answer


# -- the happy path --------------------------------------------------------------------------
def test_llm_answer_with_correct_citations_is_kept(llm_answerer, fake_llm) -> None:
    answer = llm_answerer.answer(FOAM_QUESTION)

    assert answer.mode == "llm"
    assert not answer.abstained
    assert fake_llm.calls == 1
    assert len(answer.citations) == 2
    assert_well_formed(answer)
    passages = fake_llm.chat_requests[0]
    assert passages.body["model"] == "fake-model"
    assert passages.body["max_completion_tokens"] == 300
    assert {"retrieve", "llm", "validate", "total"} <= answer.timings_ms.keys()
    dumped = answer.model_dump(mode="json")
    assert dumped["mode"] == "llm" and dumped["citations"][0]["quote"]


def test_citations_are_renumbered_in_order_of_first_use(llm_answerer, fake_llm) -> None:
    fake_llm.reply = replying(
        lambda p: (
            f"{first_sentence(p[3])} [3]. {first_sentence(p[1])} [1]. "
            f"{first_sentence(p[3])}, as said [3]."
        )
    )
    answer = llm_answerer.answer(FOAM_QUESTION)
    prompt = user_text(fake_llm.chat_requests[0].messages)

    assert answer.mode == "llm"
    assert answer.answer.startswith(first_sentence(answer.citations[0].quote)[:20])
    assert [c.n for c in answer.citations] == [1, 2]
    assert answer.citations[0].chunk_id != answer.citations[1].chunk_id
    assert answer.citations[0].heading in prompt
    assert_well_formed(answer)


def test_invented_citation_is_removed(llm_answerer, fake_llm) -> None:
    fake_llm.reply = replying(
        lambda p: (
            f"{first_sentence(p[1])} [1][9]. {first_sentence(p[2])} [2]. Recovery matters too [9]."
        )
    )
    answer = llm_answerer.answer(FOAM_QUESTION)

    assert answer.mode == "llm"
    assert "[9]" not in answer.answer
    assert "Sleep" not in answer.answer
    assert_well_formed(answer)


def test_unsupported_sentence_is_dropped(llm_answerer, fake_llm) -> None:
    fake_llm.reply = replying(
        lambda p: (
            f"{first_sentence(p[1])} [1]. Foam rolling cures tendonitis in three days [2]. "
            f"{first_sentence(p[2])} [2]."
        )
    )
    answer = llm_answerer.answer(FOAM_QUESTION)

    assert answer.mode == "llm"
    assert "tendonitis" not in answer.answer
    assert answer.answer.count("[") == 2
    assert_well_formed(answer)


def test_mostly_unsupported_answer_falls_back(llm_answerer, fake_llm) -> None:
    fake_llm.reply = replying(
        lambda p: (
            f"{first_sentence(p[1])} [1]. Ice baths beat foam rolling [2]. "
            "Take ibuprofen before every run [1]. Carbo-load for a week [3]."
        )
    )
    answer = llm_answerer.answer(FOAM_QUESTION)

    assert answer.mode == "extractive_fallback"
    assert "ibuprofen" not in answer.answer
    assert_well_formed(answer)


@pytest.mark.parametrize(
    "reply", ["I'm not sure, sorry.", "Beetroot juice fixes everything [7].", "Swim instead [0]."]
)
def test_answer_without_valid_citation_falls_back(llm_answerer, fake_llm, reply: str) -> None:
    fake_llm.reply = reply
    answer = llm_answerer.answer(FOAM_QUESTION)

    assert answer.mode == "extractive_fallback"
    assert answer.citations and not answer.abstained
    assert_well_formed(answer)


# -- failures of the LLM never reach the member ---------------------------------------------
def test_timeout_falls_back_to_extractive(guides_retriever, embedder) -> None:
    with FakeOpenAIServer(delay_s=2.0) as slow:
        settings = llm_settings_for(slow, llm_timeout_s=0.3, llm_max_retries=1)
        answer = make_answerer(settings.answer_config(), guides_retriever, embedder).answer(
            FOAM_QUESTION
        )
        attempts = slow.calls

    assert answer.mode == "extractive_fallback"
    # COACH_LLM_TIMEOUT_S caps the whole answer: no time is left for a retry.
    assert attempts == 1
    assert answer.citations
    assert 300 <= answer.timings_ms["llm"] < 2000


def test_server_error_after_retries_falls_back(guides_retriever, embedder) -> None:
    with FakeOpenAIServer() as broken:
        broken.enqueue(*[error_response(500, retry_after_ms="5") for _ in range(3)])
        answer = make_answerer(
            llm_settings_for(broken).answer_config(), guides_retriever, embedder
        ).answer(FOAM_QUESTION)
        statuses = [r.status for r in broken.chat_requests]

    assert statuses == [500, 500, 500]  # 1 + llm_max_retries
    assert answer.mode == "extractive_fallback"
    assert answer.citations


def test_rate_limit_then_success_is_retried(llm_answerer, fake_llm) -> None:
    fake_llm.enqueue(error_response(429, retry_after_ms="10"))
    answer = llm_answerer.answer(FOAM_QUESTION)

    assert [r.status for r in fake_llm.chat_requests] == [429, 200]
    assert answer.mode == "llm"
    assert_well_formed(answer)


def test_server_error_then_success_is_retried(llm_answerer, fake_llm) -> None:
    fake_llm.enqueue(error_response(503, retry_after_ms="10"), error_response(500, "0.01"))
    answer = llm_answerer.answer(FOAM_QUESTION)

    assert [r.status for r in fake_llm.chat_requests] == [503, 500, 200]
    assert answer.mode == "llm"


@pytest.mark.parametrize(
    "scripted",
    [
        malformed_response(),
        Scripted(body={"choices": []}),
        Scripted(body={"unexpected": True}),
        Scripted(text=""),
        Scripted(body="<html>Bad gateway</html>"),
    ],
    ids=["not-json", "no-choices", "wrong-shape", "empty-text", "html"],
)
def test_malformed_reply_falls_back(llm_answerer, fake_llm, scripted: Scripted) -> None:
    fake_llm.enqueue(scripted)
    answer = llm_answerer.answer(FOAM_QUESTION)

    assert answer.mode == "extractive_fallback"
    assert answer.answer and answer.citations
    assert fake_llm.calls == 1


# -- abstention and red flags never call the LLM ---------------------------------------------
def test_abstention_skips_the_llm_and_suggests_topics(
    llm_answerer, fake_llm, guides_retriever
) -> None:
    answer = llm_answerer.answer(OFF_TOPIC)

    assert fake_llm.calls == 0
    assert answer.abstained and answer.mode == "extractive"
    assert answer.citations == []
    assert "covered in our guides" in answer.answer
    # Suggestions are real article titles, kept structured for each surface to render.
    titles = {chunk.title for chunk in guides_retriever.chunks()}
    assert len(answer.suggestions) == 3 and set(answer.suggestions) <= titles


@pytest.mark.parametrize(
    "question",
    [
        "I get a sharp pain in my knee when I run, should I keep training?",
        "My shin pain gets worse every run, what should I do?",
        "I can't bear weight on my foot after yesterday's run",
        "I had chest pain during intervals, is strength work ok?",
    ],
)
def test_red_flag_says_stop_and_see_a_professional_then_cites_prevention(
    llm_answerer, fake_llm, question: str
) -> None:
    answer = llm_answerer.answer(question)

    assert fake_llm.calls == 0
    assert answer.mode == "red_flag"
    assert answer.answer.startswith("⚠️")
    head = answer.answer.split("\n\n")[0]
    assert "stop running" in head and "physiotherapist or doctor" in head
    assert "What our guides say about staying injury-free" in answer.answer
    assert answer.citations
    assert_well_formed(answer)


def test_red_flag_in_a_followup_is_caught(llm_answerer, fake_llm) -> None:
    history = [Turn(question=FOAM_QUESTION, answer="After a run [1].")]
    answer = llm_answerer.answer("and what if it gives me numbness in my foot?", history)

    assert answer.mode == "red_flag"
    assert fake_llm.calls == 0


# -- follow-ups --------------------------------------------------------------------------------
def test_followup_is_condensed_by_the_llm_before_retrieval(llm_answerer, fake_llm) -> None:
    def reply(messages):
        if "<last_message>" in user_text(messages):
            return "Should I foam roll after a long run?"
        return replying(lambda p: f"{first_sentence(p[1])} [1].")(messages)

    fake_llm.reply = reply
    history = [Turn(question=FOAM_QUESTION, answer="Both work once you are warm [1].")]
    answer = llm_answerer.answer("and after a long run?", history)
    condense_request, answer_request = fake_llm.chat_requests

    assert "<last_message>\nand after a long run?\n</last_message>" in user_text(
        condense_request.messages
    )
    assert "Should I foam roll after a long run?" in user_text(answer_request.messages)
    assert answer.question == "and after a long run?"
    assert answer.mode == "llm"
    assert "condense" in answer.timings_ms


def test_followup_is_condensed_by_rules_without_an_llm(guides_retriever, embedder) -> None:
    seen: list[str] = []

    class Recording:
        def search(self, query: str, k: int = 5) -> SearchResult:
            seen.append(query)
            return guides_retriever.search(query, k)

        def related_topics(self, query: str, n: int = 3) -> list[str]:
            return guides_retriever.related_topics(query, n)

    answerer = make_answerer(Settings().answer_config(), Recording(), embedder)
    history = [Turn(question=FOAM_QUESTION, answer="Both work [1].")]
    answer = answerer.answer("and after a long run?", history)

    assert seen == ["Foam roll after a long run?"]
    assert answer.mode == "extractive"
    assert answer.citations and "roll" in answer.answer.lower()


# -- configuration and output hygiene ----------------------------------------------------------
def test_extractive_is_the_default(guides_retriever, embedder) -> None:
    answerer = make_answerer(Settings().answer_config(), guides_retriever, embedder)
    answer = answerer.answer(FOAM_QUESTION)

    assert isinstance(answerer, CoachAnswerer) and answerer.chat_model is None
    assert answer.mode == "extractive"
    assert_well_formed(answer)


def test_unknown_provider_fails_at_startup(guides_retriever, embedder) -> None:
    with pytest.raises(ConfigError, match="Choose one of"):
        make_answerer(Settings(llm="claude:opus").answer_config(), guides_retriever, embedder)


def test_answer_never_pings_and_never_carries_html(llm_answerer, fake_llm) -> None:
    fake_llm.reply = replying(
        lambda p: (
            f"@everyone <b>{first_sentence(p[1])}</b> [1]. <@1234> @here "
            f"{first_sentence(p[2])} [2]. <script>alert(1)</script>"
        )
    )
    answer = llm_answerer.answer(FOAM_QUESTION)

    assert answer.mode == "llm"
    for forbidden in ("@everyone", "@here", "<@", "<b>", "<script", "alert("):
        assert forbidden not in answer.answer


def test_answer_fits_the_surface(guides_retriever, embedder, fake_llm) -> None:
    fake_llm.reply = replying(
        lambda p: " ".join(f"{first_sentence(t)} [{n}]." for n, t in p.items())
    )
    answerer = make_answerer(llm_settings_for(fake_llm).answer_config(), guides_retriever, embedder)
    answerer.max_chars = 200
    answer = answerer.answer(FOAM_QUESTION)

    assert len(answer.answer) <= 200
    assert answer.answer.endswith(".")
    assert_well_formed(answer)


async def test_concurrent_answers_from_threads_like_the_bot(guides_retriever, embedder) -> None:
    import asyncio

    async with FakeOpenAIServer(reply=replying(lambda p: f"{first_sentence(p[1])} [1].")) as llm:
        llm.delay_s = 0.2
        answerer = make_answerer(llm_settings_for(llm).answer_config(), guides_retriever, embedder)
        questions = [FOAM_QUESTION, "How many reps should I do?", "How often should I lift?"]
        answers = await asyncio.gather(*(asyncio.to_thread(answerer.answer, q) for q in questions))
        seen = {user_text(r.messages).split("<question>")[1] for r in llm.chat_requests}

    assert [a.mode for a in answers] == ["llm"] * 3
    assert [a.question for a in answers] == questions
    assert len(seen) == 3
