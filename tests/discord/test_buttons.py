"""The buttons' base: a custom id spelled once gives both the id and the template that reads it."""

from __future__ import annotations

import pytest

from bot.discord_bot.buttons import HEX_ID, PersistentButton, id_template
from bot.discord_bot.cogs.log import DeleteLogButton
from bot.discord_bot.kb_views import GapThreadButton, PreviewButton, RemoveButton
from bot.discord_bot.log_views import LogButton
from bot.discord_bot.views import FeedbackButton, ReasonButton, ThreadButton

ID = "0123456789abcdef"


def test_each_field_becomes_a_named_group_and_the_rest_is_literal() -> None:
    template = id_template("coach:x.{a}:{b}", {"a": "up|down", "b": HEX_ID})
    assert template == r"coach:x\.(?P<a>up|down):(?P<b>[0-9a-f]{16})"


@pytest.mark.parametrize(
    ("button", "custom_id"),
    [
        (FeedbackButton("down", ID), f"coach:fb:down:{ID}"),
        (ReasonButton(ID), f"coach:reason:{ID}"),
        (ThreadButton(ID), f"coach:thread:{ID}"),
        (LogButton(ID, 3, 2, "Strength A · Tue"), f"coach:log:{ID}:3:2"),
        (DeleteLogButton(123456789012345678), "coach:logdel:123456789012345678"),
        (PreviewButton("cancel", ID), f"coach:kb:cancel:{ID}"),
        (RemoveButton("rm", ID), f"coach:kb:rm:{ID}"),
        (GapThreadButton(7), "coach:kb:gap:7"),
    ],
)
def test_a_pressed_button_is_rebuilt_from_its_custom_id(
    button: PersistentButton, custom_id: str
) -> None:
    assert button.custom_id == custom_id
    match = button.template.fullmatch(custom_id)
    assert match is not None
    again = type(button).from_match(match, button.item)
    assert again.custom_id == custom_id
    assert (again.item.label, again.item.style) == (button.item.label, button.item.style)
