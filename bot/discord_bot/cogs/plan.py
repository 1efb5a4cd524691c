"""`/plan`: a strength plan around the runner's week, with why / full / calendar / swap."""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Callable, Coroutine
from typing import Any, Literal, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot import replies
from bot.discord_bot.client import CoachBot
from bot.discord_bot.delivery import send_followups
from bot.discord_bot.errors import report_error
from bot.discord_bot.log_views import adapted_for, log_buttons, remember_plan
from bot.discord_bot.render import render_messages
from bot.text_limits import EMBED_DESCRIPTION, SELECT_LABEL, SELECT_OPTIONS
from planner.models import Plan
from planner.options import PlanOption, plan_options
from retrieval.text import trim

PLAN_GONE = "That plan is no longer on record. Make a new one with `/plan`."
NOT_YOURS = "Only the person who made this plan can change it. Make your own with `/plan`."
# Room for the title and footer next to the plan in one embed.
PLAN_CHARS = EMBED_DESCRIPTION - 96


# Discord offers a fixed list for these comma-list options (one pick covers most runners);
# the command line and the console take the comma list.
PICK_ONE = frozenset({"equipment"})
_Range: Any = app_commands.Range  # built from the field's limits at run time
Choices = list[app_commands.Choice[str]]
Completer = Callable[[discord.Interaction, str], Coroutine[Any, Any, Choices]]


def slash_parameter(option: PlanOption) -> inspect.Parameter:
    """A request field as a `/plan` option: Discord checks the limits and text length."""
    kind: Any = str
    if option.shape == "number":
        kind = int if option.minimum is None else _Range[int, option.minimum, option.maximum]
    elif option.chars and not fixed_choices(option):
        kind = _Range[str, option.chars[0], option.chars[1]]
    default: Any = inspect.Parameter.empty if option.required else option.default
    if default is None:
        kind = kind | None
    return inspect.Parameter(
        option.name, inspect.Parameter.KEYWORD_ONLY, annotation=kind, default=default
    )


def fixed_choices(option: PlanOption) -> bool:
    return bool(option.choices) and (option.shape == "word" or option.name in PICK_ONE)


def completer(option: PlanOption) -> Completer:
    """Autocomplete for a comma list of words or of `day:kind` pairs, from the vocabulary."""

    async def complete(interaction: discord.Interaction, current: str) -> Choices:
        if option.shape == "pairs":
            words = replies.complete_pairs(current, option.keys, option.choices)
        else:
            words = replies.complete_list(current, option.choices)
        return [app_commands.Choice(name=word, value=word) for word in words]

    return complete


def with_plan_options(callback: Any) -> Any:
    """`callback(self, interaction, **typed)` with the request's fields (planner/options.py)
    as its `/plan` options: their types, defaults, descriptions, choices and autocomplete."""
    options = plan_options()
    own = list(inspect.signature(callback).parameters.values())[:2]  # self, interaction
    callback.__signature__ = inspect.Signature([*own, *map(slash_parameter, options)])
    app_commands.describe(
        **{o.name: o.describe(default=True, choices=False, quotes="“”") for o in options}
    )(callback)
    app_commands.choices(
        **{
            o.name: [app_commands.Choice(name=word, value=word) for word in o.choices]
            for o in options
            if fixed_choices(o)
        }
    )(callback)
    app_commands.autocomplete(
        **{
            o.name: completer(o)
            for o in options
            if o.choices and not fixed_choices(o) and o.shape in ("words", "pairs")
        }
    )(callback)
    return callback


def plan_messages(plan: Plan) -> list:  # list[Outgoing]
    """The plan embed with the week-at-a-glance picture attached and shown in it."""
    picture = replies.picture_attachment(plan)
    reply = replies.plan_reply(plan, max_chars=PLAN_CHARS)
    messages = render_messages(reply.model_copy(update={"attachments": [picture]}))
    messages[-1].embeds[-1].set_image(url=f"attachment://{picture.filename}")
    return messages


async def load_plan(bot: CoachBot, key: str) -> tuple[Plan, int | None] | None:
    record = await asyncio.to_thread(bot.store.plan, key)
    if record is None:
        return None
    return Plan.model_validate_json(record.plan_json), record.user_id


async def save_plan(bot: CoachBot, plan: Plan, user_id: int) -> str:
    return await asyncio.to_thread(bot.store.save_plan, plan.model_dump_json(), user_id=user_id)


def plan_view(key: str, plan: Plan) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(PlanButton("why", key))
    view.add_item(PlanButton("full", key))
    view.add_item(PlanButton("ics", key))
    exercises = replies.plan_exercises(plan)
    if exercises:
        view.add_item(SwapSelect(key, exercises))
    for button in log_buttons(key, plan):  # 📝 per session: the training log's form
        view.add_item(button)
    return view


_BUTTONS = {
    "why": ("💡", "Why this plan?"),
    "full": ("📄", "Full plan"),
    "ics": ("📅", "Calendar (.ics)"),
}


class PlanButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"coach:plan:(?P<action>why|full|ics):(?P<key>[0-9a-f]{16})",
):
    """Why / full plan / calendar file: shown only to whoever presses."""

    def __init__(self, action: Literal["why", "full", "ics"], key: str) -> None:
        emoji, label = _BUTTONS[action]
        super().__init__(
            discord.ui.Button(
                emoji=emoji,
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"coach:plan:{action}:{key}",
            )
        )
        self.action: Literal["why", "full", "ics"] = action
        self.key = key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> PlanButton:
        return cls(match["action"], match["key"])  # type: ignore[arg-type]

    async def callback(self, interaction: discord.Interaction[Any]) -> None:  # the CoachBot's
        try:
            await self._respond(interaction)
        except Exception as error:
            await report_error(interaction, error)

    async def _respond(self, interaction: discord.Interaction[CoachBot]) -> None:
        bot = interaction.client
        await interaction.response.defer(thinking=True, ephemeral=True)
        loaded = await load_plan(bot, self.key)
        if loaded is None:
            await interaction.followup.send(PLAN_GONE, ephemeral=True)
            return
        plan, owner = loaded
        if owner is not None and owner == interaction.user.id:
            # The owner sees the plan as their training log adapts it (calendar included).
            plan = await bot.run_blocking(adapted_for, bot, owner, plan)
        if self.action == "why":
            reply = await bot.run_blocking(replies.why_reply, bot.app, plan)
        elif self.action == "full":
            reply = replies.plan_pages_reply(plan)
        else:
            attachment = await asyncio.to_thread(replies.ics_attachment, plan)
            reply = replies.Reply(
                kind="plan",
                title="Your plan as a calendar",
                body="Open the file to add every session to your calendar. Importing a "
                "newer version of the plan updates the same events.",
                attachments=[attachment],
            )
        await send_followups(interaction, render_messages(reply), ephemeral=True)


class SwapSelect(
    discord.ui.DynamicItem[discord.ui.Select],
    template=r"coach:plan:swap:(?P<key>[0-9a-f]{16})",
):
    """Pick an exercise to swap for its nearest alternative; the plan message updates."""

    def __init__(
        self,
        key: str,
        exercises: list[tuple[str, str]] | None = None,
        *,
        options: list[discord.SelectOption] | None = None,
    ) -> None:
        options = options or [
            discord.SelectOption(label=trim(name, SELECT_LABEL), value=exercise_id)
            for exercise_id, name in (exercises or [])[:SELECT_OPTIONS]
        ]
        super().__init__(
            discord.ui.Select(
                custom_id=f"coach:plan:swap:{key}",
                placeholder="🔁 Swap an exercise…",
                options=options,
            )
        )
        self.key = key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> SwapSelect:
        return cls(match["key"], options=cast(discord.ui.Select, item).options)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:  # the CoachBot's
        try:
            await self._swap(interaction)
        except Exception as error:
            await report_error(interaction, error)

    async def _swap(self, interaction: discord.Interaction[CoachBot]) -> None:
        bot = interaction.client
        loaded = await load_plan(bot, self.key)
        if loaded is None:
            await interaction.response.send_message(PLAN_GONE, ephemeral=True)
            return
        plan, owner = loaded
        if owner is not None and owner != interaction.user.id:
            await interaction.response.send_message(NOT_YOURS, ephemeral=True)
            return
        await interaction.response.defer()
        swapped = await bot.run_blocking(replies.swap_plan, bot.app, plan, self.item.values[0])
        key = await save_plan(bot, swapped, interaction.user.id)
        await remember_plan(bot, interaction.user.id, swapped)
        (message,) = await asyncio.to_thread(plan_messages, swapped)
        await interaction.edit_original_response(
            embeds=message.embeds, attachments=message.discord_files(), view=plan_view(key, swapped)
        )


class PlanCog(commands.Cog):
    def __init__(self, bot: CoachBot) -> None:
        self.bot = bot

    @app_commands.command(name="plan", description="A strength plan that fits around your runs.")
    @with_plan_options
    async def plan_command(self, interaction: discord.Interaction[CoachBot], **typed: Any) -> None:
        # Checked before deferring, so a typo gets a private answer at once. "Today" is the bot's
        # clock, as for logging (tests fix it: a plan's first week depends on the weekday).
        today = self.bot.clock().date()
        request = replies.plan_request(today=today, owner=str(interaction.user.id), **typed)
        if not await self.bot.admit(interaction):
            return
        async with self.bot.busy():
            plan = await self.bot.run_blocking(replies.make_plan, self.bot.app, request)
            key = await save_plan(self.bot, plan, interaction.user.id)
            await remember_plan(self.bot, interaction.user.id, plan)
            messages = await asyncio.to_thread(plan_messages, plan)
            await send_followups(interaction, messages, view=plan_view(key, plan))


async def setup(bot: CoachBot) -> None:
    bot.add_dynamic_items(PlanButton, SwapSelect)
    await bot.add_cog(PlanCog(bot))
