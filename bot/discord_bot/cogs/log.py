"""`/log`, `/progress`, `/why` and the 📝 form: a member's training log, private to them, and
the coaches' weekly summary of who is logging and who shows fatigue (opted-in members only)."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands, tasks
from pydantic import BaseModel

from answering.sanitise import neutralize_mentions
from bot import log_replies
from bot.discord_bot.buttons import PersistentButton
from bot.discord_bot.client import CoachBot
from bot.discord_bot.delivery import send_followups
from bot.discord_bot.errors import report_error, user_message
from bot.discord_bot.log_views import (
    FIELDS,
    NOT_YOURS,
    PLAN_GONE,
    LogButton,
    parse_modal_id,
    retry_view,
)
from bot.discord_bot.render import render_messages
from bot.discord_bot.views import modal_submission
from bot.questions import InputError
from bot.replies import Reply
from bot.text_limits import AUTOCOMPLETE_CHOICES, CHOICE_NAME
from library.gap_digest import digest_due, parse_digest_slot
from library.history import write_atomic
from planner.errors import PlanError
from planner.log_text import LIFTS_EXAMPLE, NIGGLES_EXAMPLE, parse_session_ref, session_choices
from planner.models import Plan
from retrieval.text import trim

log = logging.getLogger(__name__)

SUMMARY_STATE = "log-summary.json"
DELETE_BUTTON = "coach:logdel:"


class SummaryState(BaseModel):
    """When the coaches' weekly summary last went out (a small file in the data dir)."""

    last_posted: datetime | None = None

    @classmethod
    def load(cls, data_dir: Path) -> SummaryState:
        try:
            return cls.model_validate_json((Path(data_dir) / SUMMARY_STATE).read_bytes())
        except (FileNotFoundError, ValueError):
            return cls()

    def save(self, data_dir: Path) -> None:
        write_atomic(Path(data_dir) / SUMMARY_STATE, self.model_dump_json().encode())


def member_label(member: str) -> str:
    """A Discord member as a mention (shown as their name; the bot never pings), else the name."""
    return f"<@{member}>" if member.isdigit() else neutralize_mentions(member)


async def _send(interaction: discord.Interaction, reply: Reply, **kwargs: Any) -> None:
    await send_followups(interaction, render_messages(reply), ephemeral=True, **kwargs)


class DeleteLogButton(PersistentButton, custom_id=DELETE_BUTTON + "{user_id}", user_id=r"\d{1,20}"):
    """Confirms `/log delete`: deletes the log of the member it was offered to, nobody else's."""

    def __init__(self, user_id: int) -> None:
        super().__init__(
            {"user_id": user_id},
            emoji="🗑️",
            label="Delete my training log",
            style=discord.ButtonStyle.danger,
        )
        self.user_id = user_id

    @classmethod
    def from_match(cls, match: re.Match[str], item: discord.ui.Item[Any]) -> DeleteLogButton:
        return cls(int(match["user_id"]))

    async def pressed(self, interaction: discord.Interaction[CoachBot]) -> None:
        if interaction.user.id != self.user_id:
            raise InputError("This button deletes someone else's log: use `/log delete`.")
        bot = interaction.client
        await interaction.response.defer(ephemeral=True, thinking=True)
        count = await bot.run_blocking(lambda: bot.training_log().delete(str(self.user_id)))
        await _send(interaction, log_replies.deleted_reply(count))


class LogCog(commands.Cog):
    log_group = app_commands.Group(
        name="log", description="Your training log: log a session, see, export or delete it."
    )

    def __init__(self, bot: CoachBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        if self.summary_channel() and parse_digest_slot(self.bot.settings.log_summary):
            self.summary_loop.start()

    async def cog_unload(self) -> None:
        self.summary_loop.cancel()

    def today(self) -> date:
        return self.bot.clock().date()

    # -- the 📝 form ------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[CoachBot]) -> None:
        custom_id, values = modal_submission(interaction)
        parsed = parse_modal_id(custom_id)
        if parsed is None:
            return
        try:
            await self._save_form(interaction, *parsed, values)
        except Exception as error:
            await report_error(interaction, error)

    async def _save_form(
        self,
        interaction: discord.Interaction[CoachBot],
        key: str,
        week: int,
        session: int,
        values: dict[str, str],
    ) -> None:
        record = await asyncio.to_thread(self.bot.store.plan, key)
        if record is None:
            await interaction.response.send_message(PLAN_GONE, ephemeral=True)
            return
        if record.user_id is not None and record.user_id != interaction.user.id:
            await interaction.response.send_message(NOT_YOURS, ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        plan = Plan.model_validate_json(record.plan_json)
        typed = {name: values.get(name, "") for name in FIELDS}
        try:
            reply = await self._log(interaction, plan, week, session, **typed)
        except PlanError as error:
            echo = "\n".join(f"{name}: {value}" for name, value in typed.items() if value.strip())
            text = f"{user_message(error)}\n\nWhat you typed:\n```\n{trim(echo, 1500)}\n```"
            await _send(
                interaction, log_replies.notice_reply(text), view=retry_view(key, week, session)
            )
            return
        await _send(interaction, reply)

    async def _log(
        self,
        interaction: discord.Interaction[CoachBot],
        plan: Plan,
        week: int,
        session: int,
        **typed: str,
    ) -> Reply:
        """Store the entry and re-adapt the plan, off the event loop; the reply to send."""
        now = self.bot.clock()
        bot = self.bot

        def work() -> Reply:
            logged = log_replies.log_session(
                bot.app, bot.training_log(), str(interaction.user.id), plan, week=week,
                session=session, today=now.date(), now=now, **typed,
            )  # fmt: skip
            return log_replies.logged_reply(logged)

        async with self.bot.busy():
            return await self.bot.run_blocking(work)

    # -- /log ----------------------------------------------------------------------------------

    @log_group.command(name="session", description="Log a session of your plan (or press 📝).")
    @app_commands.describe(
        session="Which session: start typing a day or week (default: the latest one due)",
        status="Did you do it? (default: done)",
        lifts=f"Main lifts, e.g. “{LIFTS_EXAMPLE}”",
        niggles=f"Niggles: where and 0-10, e.g. “{NIGGLES_EXAMPLE}”",
        next_run="How did your next run feel?",
        note="Anything else worth remembering",
    )
    async def log_session(
        self,
        interaction: discord.Interaction[CoachBot],
        session: app_commands.Range[str, 1, 100] | None = None,
        status: Literal["done", "partly", "skipped"] = "done",
        lifts: app_commands.Range[str, 1, 1000] | None = None,
        niggles: app_commands.Range[str, 1, 200] | None = None,
        next_run: Literal["easier", "normal", "harder"] | None = None,
        note: app_commands.Range[str, 1, 500] | None = None,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        member = str(interaction.user.id)
        bot = self.bot

        def pick() -> tuple[Plan, int, int]:
            store = bot.training_log()
            plan = log_replies.member_plan(store, member)
            if session:
                week, number = parse_session_ref(session)
            else:
                week, number = log_replies.due(store, member, plan, self.today())
            return plan, week, number

        plan, week, number = await self.bot.run_blocking(pick)
        reply = await self._log(interaction, plan, week, number, status=status,
                                lifts=lifts or "", niggles=niggles or "",
                                next_run=next_run or "", note=note or "")  # fmt: skip
        await _send(interaction, reply)

    @log_session.autocomplete("session")
    async def session_autocomplete(
        self, interaction: discord.Interaction[CoachBot], current: str
    ) -> list[app_commands.Choice[str]]:
        member = str(interaction.user.id)
        bot = self.bot

        def choices() -> list[tuple[str, str]]:
            store = bot.training_log()
            plan = store.plan(member)
            if plan is None:
                return []
            return list(
                session_choices(plan, store.log(member, plan.plan_id), self.today(), current)
            )

        try:
            found = await asyncio.to_thread(choices)
        except Exception:
            log.exception("session autocomplete failed")
            return []
        return [
            app_commands.Choice(name=trim(n, CHOICE_NAME), value=v)
            for n, v in found[:AUTOCOMPLETE_CHOICES]
        ]

    @log_group.command(name="show", description="Your latest log entries (only you see them).")
    async def log_show(self, interaction: discord.Interaction[CoachBot]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        member = str(interaction.user.id)
        bot = self.bot

        def work() -> Reply:
            store = bot.training_log()
            return log_replies.log_list_reply(store.log(member), store.plan(member))

        await _send(interaction, await self.bot.run_blocking(work))

    @log_group.command(name="export", description="Download your whole training log as JSON.")
    async def log_export(self, interaction: discord.Interaction[CoachBot]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        member = str(interaction.user.id)
        bot = self.bot
        attachment = await self.bot.run_blocking(
            lambda: log_replies.export_attachment(bot.training_log(), member)
        )
        reply = Reply(
            kind="notice",
            title="Your training log",
            body="Everything stored about your log: entries, your plan on record, your sharing "
            "choice. Only you can see this file.",
            attachments=[attachment],
            ephemeral=True,
        )
        await _send(interaction, reply)

    @log_group.command(name="delete", description="Delete your whole training log (asks first).")
    async def log_delete(self, interaction: discord.Interaction[CoachBot]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        member = str(interaction.user.id)
        bot = self.bot
        count = await self.bot.run_blocking(lambda: bot.training_log().count(member))
        view = None
        if count:
            view = discord.ui.View(timeout=None)
            view.add_item(DeleteLogButton(interaction.user.id))
        await _send(interaction, log_replies.delete_prompt_reply(count), view=view)

    @log_group.command(name="share", description="Share fatigue and niggle flags with coaches.")
    @app_commands.describe(
        setting="on: the coaches' weekly summary lists you (logging, fatigue, niggles); off: not"
    )
    async def log_share(
        self, interaction: discord.Interaction[CoachBot], setting: Literal["on", "off"]
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        member = str(interaction.user.id)
        bot = self.bot
        share = setting == "on"
        await self.bot.run_blocking(lambda: bot.training_log().set_sharing(member, share))
        await _send(interaction, log_replies.share_reply(share))

    # -- /progress and /why ---------------------------------------------------------------------

    @app_commands.command(name="progress", description="Your progress at a glance (private).")
    async def progress(self, interaction: discord.Interaction[CoachBot]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        member = str(interaction.user.id)
        today = self.today()
        bot = self.bot

        def work() -> Reply:
            data, _ = log_replies.progress(bot.app, bot.training_log(), member, today)
            reply = log_replies.progress_reply(data, today)
            return reply.model_copy(update={"attachments": [log_replies.progress_picture(data)]})

        async with self.bot.busy():
            reply = await self.bot.run_blocking(work)
        messages = render_messages(reply)
        name = reply.attachments[0].filename
        messages[-1].embeds[-1].set_image(url=f"attachment://{name}")
        await send_followups(interaction, messages, ephemeral=True)

    @app_commands.command(
        name="why", description="Why your plan changed: each change and its rule."
    )
    async def why(self, interaction: discord.Interaction[CoachBot]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        member = str(interaction.user.id)
        today = self.today()
        bot = self.bot

        def work() -> Reply:
            store = bot.training_log()
            plan = log_replies.member_plan(store, member)
            return log_replies.changes_reply(log_replies.adapt(bot.app, store, member, plan, today))

        await _send(interaction, await self.bot.run_blocking(work))

    # -- the coaches' weekly summary ------------------------------------------------------------

    def summary_channel(self) -> int | None:
        settings = self.bot.settings
        return settings.coaches_channel_id or settings.review_channel_id

    @tasks.loop(minutes=10)
    async def summary_loop(self) -> None:
        try:
            await self.post_summary_if_due(self.bot.clock())
        except Exception:
            log.exception("the coaches' weekly log summary failed; it is retried in 10 minutes")

    @summary_loop.before_loop
    async def _before_summary(self) -> None:
        await self.bot.wait_until_ready()

    async def post_summary_if_due(self, now: datetime) -> bool:
        """Post the summary if this week's slot has passed since the last one (a new install
        waits for the next slot)."""
        slot = parse_digest_slot(self.bot.settings.log_summary)
        data_dir = self.bot.settings.data_dir
        state = await asyncio.to_thread(SummaryState.load, data_dir)
        if state.last_posted is None:
            await asyncio.to_thread(SummaryState(last_posted=now).save, data_dir)
            return False
        if not digest_due(slot, now, state.last_posted):
            return False
        await self.post_summary(now)
        return True

    async def post_summary(self, now: datetime) -> None:
        """The week's summary to the coaches' channel: opted-in members only."""
        channel_id = self.summary_channel()
        if channel_id is None:
            return
        today = now.date()
        bot = self.bot
        flags = await self.bot.run_blocking(
            lambda: log_replies.summary_flags(bot.app, bot.training_log(), today)
        )
        reply = log_replies.summary_reply(flags, today, member_label)
        channel = self.bot.get_partial_messageable(channel_id)
        for message in render_messages(reply):
            await channel.send(embeds=message.embeds)
        await asyncio.to_thread(SummaryState(last_posted=now).save, self.bot.settings.data_dir)


async def setup(bot: CoachBot) -> None:
    bot.add_dynamic_items(LogButton, DeleteLogButton)
    await bot.add_cog(LogCog(bot))
