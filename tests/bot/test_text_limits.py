from __future__ import annotations

import pytest

from answering.sanitise import ZWSP, neutralize_mentions
from bot.text_limits import strip_bot_mention


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
