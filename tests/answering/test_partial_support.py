"""The middle band (issue 9): moderate evidence is answered with a caveat, not refused."""

from __future__ import annotations

import pytest

from answering.extractive import PARTIAL_CAVEAT, compose_extractive_answer
from answering.pipeline import make_answerer
from bot.replies import answer_reply
from retrieval.models import Hit, SearchResult
from tests.answering.conftest import llm_settings_for
from tests.answering.helpers import cite_first_sentences
from tests.fakes.openai_server import FakeOpenAIServer

TEXT = (
    "Take at least one full day off running each week so muscles, tendons and bones can "
    "repair. The fitness from a hard session arrives during the quiet days that follow it."
)


class PartialRetriever:
    """The real passages, with the support level retrieval's calibration would give."""

    def __init__(self, support: str) -> None:
        self.support = support

    def search(self, query: str, k: int = 5) -> SearchResult:
        hit = Hit(
            rank=1,
            chunk_id="rest-days.md#why#1",
            source="rest-days.md",
            title="Rest days",
            heading="Why rest matters",
            text=TEXT,
            score=0.5,
        )
        return SearchResult(
            query=query, hits=[hit], abstained=self.support == "none", support=self.support
        )

    def related_topics(self, query: str, n: int = 3) -> list[str]:
        return ["Rest days"][:n]


@pytest.mark.parametrize(("support", "caveat"), [("partial", True), ("direct", False)])
def test_extractive_answer_opens_with_the_caveat_only_when_partial(
    embedder, support: str, caveat: bool
) -> None:
    result = PartialRetriever(support).search("do i need rest days")
    answer = compose_extractive_answer("do i need rest days", result, embedder)
    assert not answer.abstained and answer.citations
    assert answer.answer.startswith(PARTIAL_CAVEAT) is caveat
    assert answer.support == support


def test_llm_answer_carries_the_caveat_and_the_footer_says_so(embedder) -> None:
    with FakeOpenAIServer(reply=cite_first_sentences) as server:
        settings = llm_settings_for(server)
        answerer = make_answerer(settings.answer_config(), PartialRetriever("partial"), embedder)
        answer = answerer.answer("is a rest day each week needed?")
    assert not answer.abstained
    assert answer.support == "partial"
    assert answer.answer.startswith(PARTIAL_CAVEAT)
    assert answer.answer.count(PARTIAL_CAVEAT) == 1
    reply = answer_reply(answer)
    assert reply.footer.startswith("Our guides only touch on this, not directly.")


def test_refusal_stays_a_refusal(embedder) -> None:
    result = PartialRetriever("none").search("what's a good lasagne recipe")
    answer = compose_extractive_answer("what's a good lasagne recipe", result, embedder)
    assert answer.abstained and not answer.answer.startswith(PARTIAL_CAVEAT)
    assert "touch on this" not in answer_reply(answer).footer
