from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.text_limits import (
    ELLIPSIS,
    FENCE,
    ZWSP,
    neutralize_mentions,
    split_text,
    strip_bot_mention,
    trim,
)


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("exactly ten", 11, "exactly ten"),
        ("alpha beta gamma delta", 20, "alpha beta gamma…"),
        ("one two three four five", 12, "one two thr…"),
        ("abcdefghijklmnop", 5, "abcd…"),
        ("anything", 0, ""),
    ],
)
def test_trim(text: str, limit: int, expected: str) -> None:
    assert trim(text, limit) == expected
    assert len(trim(text, limit)) <= limit


def test_split_prefers_paragraphs_then_lines() -> None:
    text = "a" * 30 + "\n\n" + "b" * 30 + "\n" + "c" * 30
    assert split_text(text, 70) == ["a" * 30, "b" * 30 + "\n" + "c" * 30]


def test_split_reopens_code_fences() -> None:
    code = "```python\n" + "\n".join(f"x = {i}" for i in range(40)) + "\n```"
    pieces = split_text(code, 100)
    assert len(pieces) > 1
    for piece in pieces:
        assert len(piece) <= 100
        assert piece.count(FENCE) % 2 == 0, piece
    assert pieces[1].startswith("```python\n")


def test_split_rejects_tiny_limits() -> None:
    with pytest.raises(ValueError):
        split_text("text", 10)


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("ab cd\n.`")), max_size=3000),
    st.integers(min_value=40, max_value=600),
)
def test_split_pieces_fit_and_keep_every_word(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert all(0 < len(p) <= limit for p in pieces)
    kept = "".join("".join(pieces).split()).replace("`", "")
    assert kept == "".join(text.split()).replace("`", "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@everyone look", f"@{ZWSP}everyone look"),
        ("hey @HERE", f"hey @{ZWSP}HERE"),
        ("ask <@123> or <@!456>", "ask @user or @user"),
        ("ping <@&789>", "ping @role"),
        ("see <#42>", "see <#42>"),
        ("mail me@example.com", "mail me@example.com"),
    ],
)
def test_neutralize_mentions(text: str, expected: str) -> None:
    assert neutralize_mentions(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<@99> how often?", "how often?"),
        ("<@!99>   squats   <@99>", "squats"),
        ("<@98> not me", "<@98> not me"),
    ],
)
def test_strip_bot_mention(text: str, expected: str) -> None:
    assert strip_bot_mention(text, 99) == expected


def test_trim_marks_the_cut() -> None:
    assert trim("word " * 100, 50).endswith(ELLIPSIS)
