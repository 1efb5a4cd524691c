"""The base of the bot's buttons: a custom id spelled once, errors answered in one line.

Every button the bot sends is a `discord.ui.DynamicItem`: its custom id carries what it acts on
(an answer id, a plan key and session, a staged file), so a press days later, after any number
of restarts, still works. A subclass names its custom id once, as a format with a pattern per
field (`custom_id="coach:thread:{answer_id}", answer_id=HEX_ID`); the base builds discord.py's
template from it, makes the button, rebuilds it on a press (`from_match`), and reports an error
in `pressed` the way commands do.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Self

import discord

from bot.discord_bot.errors import report_error

if TYPE_CHECKING:
    from bot.discord_bot.client import CoachBot

HEX_ID = "[0-9a-f]{16}"  # answer ids, plan keys, staged previews


def id_template(custom_id: str, fields: Mapping[str, str]) -> str:
    """The regex discord.py matches custom ids with: each `{field}` becomes its named group."""
    template = ""
    for literal, name, _, _ in string.Formatter().parse(custom_id):
        template += re.escape(literal)
        if name is not None:
            template += f"(?P<{name}>{fields[name]})"
    return template


class PersistentButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"(?!)",  # matches nothing: only the subclasses are registered with the bot
):
    """A button whose custom id carries its state; subclasses give the id format and `pressed`."""

    id_format: ClassVar[str]

    def __init_subclass__(cls, *, custom_id: str, **fields: str) -> None:
        cls.id_format = custom_id
        super().__init_subclass__(template=id_template(custom_id, fields))

    def __init__(self, ids: Mapping[str, object], **button: Any) -> None:
        """`ids` fill the id format; `button` is the look (label, emoji, style, row)."""
        super().__init__(discord.ui.Button(custom_id=self.id_format.format_map(ids), **button))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls.from_match(match, item)

    @classmethod
    def from_match(cls, match: re.Match[str], item: discord.ui.Item[Any]) -> Self:
        """The button again, from its custom id's fields (and the pressed item, for its look)."""
        raise NotImplementedError

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await self.pressed(interaction)
        except Exception as error:
            await report_error(interaction, error)

    async def pressed(self, interaction: discord.Interaction[CoachBot]) -> None:
        """What a press does; an exception becomes the usual one-line error reply."""
        raise NotImplementedError
