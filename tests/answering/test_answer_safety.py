"""Safe to show a runner: what the model writes is checked for meaning, red flags and links."""

from __future__ import annotations

import re

import pytest

from answering.chat_model import make_chat_model
from answering.markup import neutralise
from answering.pipeline import CoachAnswerer
from tests.answering.helpers import StaticRetriever, first_sentence, replying

FOAM_QUESTION = "Should I foam roll before or after a run?"
SHIN_QUESTION = "What should I do about shin splints?"
URL_RE = re.compile(r"https?://|www\.|t\.co|\]\(")


def test_reversed_advice_to_run_through_pain_never_reaches_the_member(
    llm_answerer, fake_llm
) -> None:
    fake_llm.reply = replying(
        lambda p: (
            "If you feel sharp pain in your shin, run through the sharp pain and keep going [1]."
        )
    )
    answer = llm_answerer.answer(SHIN_QUESTION)

    assert answer.mode != "llm"
    assert "run through" not in answer.answer.lower()
    assert "keep going" not in answer.answer.lower()


def test_an_answer_that_talks_about_a_red_flag_gets_the_warning_first(
    llm_settings, fake_llm, embedder
) -> None:
    guide = (
        "Mild soreness after a hard session is normal and fades in a day or two. If the pain "
        "in your shin is sharp, stop and see a physiotherapist."
    )
    answerer = CoachAnswerer(
        StaticRetriever([guide]), embedder, make_chat_model(llm_settings.answer_config())
    )
    fake_llm.reply = (
        "If the pain in your shin is sharp, stop running and see a physiotherapist [1]."
    )
    answer = answerer.answer("Is it normal for my legs to feel tired after lifting?")

    assert answer.mode == "red_flag"
    assert answer.answer.startswith("⚠️")
    assert "physiotherapist or doctor" in answer.answer
    assert [c.n for c in answer.citations] == [1]


def test_red_flag_answers_never_quote_advice_to_carry_on(llm_settings, fake_llm, embedder) -> None:
    guide = (
        "Some runners say you should run through the pain and keep going. Rest and see a "
        "physiotherapist when a pain is sharp. Strength work helps prevent injuries."
    )
    answerer = CoachAnswerer(StaticRetriever([guide]), embedder, None)
    answer = answerer.answer("sharp stabbing pain in my shin, push through?")

    assert answer.mode == "red_flag"
    assert "run through" not in answer.answer.lower()
    assert fake_llm.calls == 0


def test_links_the_passages_lack_are_not_clickable(llm_answerer, fake_llm) -> None:
    def reply(p: dict[int, str]) -> str:
        words = first_sentence(p[1]).split()
        linked = f"[{' '.join(words[:3])}](http://t.co/x) {' '.join(words[3:])}"
        return f"{linked} [1]. <https://evil.example/a> More at www.example.com/page [2]."

    fake_llm.reply = replying(reply)
    answer = llm_answerer.answer(FOAM_QUESTION)

    assert not URL_RE.search(answer.answer), answer.answer
    assert answer.mode == "llm"  # the sentence itself was the passage's: it stays, unlinked


@pytest.mark.parametrize(
    ("text", "passages", "expected"),
    [
        ("[Rolling before you](http://t.co/x) run [1].", ["Rolling before you run."],
         "Rolling before you run [1]."),
        ("See [the guide](https://club.example/guide) [1].", ["https://club.example/guide"],
         "See the guide (https://club.example/guide) [1]."),
        ("Warm up ![x](http://img.example/a.png) first [1].", ["Warm up first."],
         "Warm up x first [1]."),
        ("Read http://bit.ly/abc now [1].", ["Read now."], "Read now [1]."),
        ("Visit t.co/abc today [1].", ["Visit today."], "Visit today [1]."),
        ("Cite [1](http://x.example) please.", ["x"], "Cite [1] please."),
        ("# Big heading\nWarm up [1].", ["Warm up."], "Big heading\nWarm up [1]."),
        ("||hidden|| words [1].", ["words"], "hidden words [1]."),
        ("```\ncode\n```", ["code"], "code"),
    ],
)  # fmt: skip
def test_neutralise(text: str, passages: list[str], expected: str) -> None:
    assert neutralise(text, passages) == expected
