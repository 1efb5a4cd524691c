"""`/ask`, `/sources`, `/help`, and questions asked by mentioning or DMing the bot."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import discord
from discord import app_commands
from discord.ext import commands

from answering.models import Answer, Turn
from bot import replies
from bot.discord_bot.client import CoachBot
from bot.discord_bot.delivery import reply_to, send_followups
from bot.discord_bot.errors import user_message
from bot.discord_bot.render import render_embeds, render_messages
from bot.discord_bot.views import answer_view
from bot.text_limits import strip_bot_mention

log = logging.getLogger(__name__)

HISTORY_TURNS = 6


def can_start_thread(channel: object) -> bool:
    """Threads grow from messages in ordinary text channels (not DMs, not other threads)."""
    return isinstance(channel, discord.TextChannel)


class AskCog(commands.Cog):
    def __init__(self, bot: CoachBot) -> None:
        self.bot = bot

    # -- the shared path ----------------------------------------------------------------------

    async def history(self, channel: object, channel_id: int | None) -> Sequence[Turn]:
        """Earlier turns when the question is asked inside a thread the bot started."""
        if channel_id is None:
            return ()
        store = self.bot.store
        started_here = isinstance(channel, discord.Thread) and (
            self.bot.user is not None and channel.owner_id == self.bot.user.id
        )
        if not started_here and not await asyncio.to_thread(store.is_bot_thread, channel_id):
            return ()
        return await asyncio.to_thread(store.turns, channel_id, HISTORY_TURNS)

    async def answer(
        self, question: str, *, user_id: int, channel: object, channel_id: int | None
    ) -> tuple[Answer, str]:
        """Answer off the event loop and store the answer; returns it with its id."""
        history = await self.history(channel, channel_id)
        answer = await self.bot.run_blocking(replies.ask, self.bot.app, question, history)
        answer_id = await asyncio.to_thread(
            self.bot.store.record_answer, answer, user_id=user_id, channel_id=channel_id
        )
        return answer, answer_id

    # -- slash commands -----------------------------------------------------------------------

    @app_commands.command(
        name="ask",
        description="Ask a strength-training question; the answer cites the club's guides.",
    )
    @app_commands.describe(
        question="Your question, e.g. “How often should I lift during marathon training?”"
    )
    async def ask_command(
        self,
        interaction: discord.Interaction[CoachBot],
        question: app_commands.Range[str, 3, replies.MAX_QUESTION_CHARS],
    ) -> None:
        question = replies.clean_question(question)
        if not await self.bot.admit(interaction):
            return
        async with self.bot.busy():
            answer, answer_id = await self.answer(
                question,
                user_id=interaction.user.id,
                channel=interaction.channel,
                channel_id=interaction.channel_id,
            )
            messages = render_messages(replies.answer_reply(answer), abstained=answer.abstained)
            view = answer_view(answer_id, thread=can_start_thread(interaction.channel))
            sent = await send_followups(interaction, messages, view=view)
            await asyncio.to_thread(self.bot.store.set_message, answer_id, sent.id)

    @app_commands.command(name="sources", description="The guides I answer from.")
    @app_commands.describe(topic="Only guides about this, e.g. “calves” or “warm-up” (optional).")
    async def sources_command(
        self,
        interaction: discord.Interaction[CoachBot],
        topic: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        items = await self.bot.run_blocking(self.bot.app.sources, topic)
        reply = replies.sources_reply(items, topic)
        await send_followups(interaction, render_messages(reply), ephemeral=True)

    @sources_command.autocomplete("topic")
    async def topic_autocomplete(
        self, interaction: discord.Interaction[CoachBot], current: str
    ) -> list[app_commands.Choice[str]]:
        try:
            items = await asyncio.wait_for(asyncio.to_thread(self.bot.app.sources), 2.0)
        except Exception:
            # Suggestions are a nicety: typing any topic still works.
            log.warning("topic suggestions failed", exc_info=True)
            return []
        return [app_commands.Choice(name=t, value=t) for t in replies.topic_choices(items, current)]

    @app_commands.command(name="help", description="What I can do and how to ask.")
    async def help_command(self, interaction: discord.Interaction[CoachBot]) -> None:
        embeds = render_embeds(replies.help_reply(discord=True))
        await interaction.response.send_message(embeds=embeds, ephemeral=True)

    # -- mentions and DMs ---------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if me is None or message.author.bot:
            return
        # Never `mentioned_in`: it is true for @everyone, which must not summon the bot.
        addressed = message.guild is None or any(u.id == me.id for u in message.mentions)
        if not addressed:
            return
        try:
            async with self.bot.busy():
                await self._answer_message(message, strip_bot_mention(message.content, me.id))
        except Exception as error:
            await message.reply(user_message(error), mention_author=False, delete_after=60)

    async def _answer_message(self, message: discord.Message, text: str) -> None:
        if not text:
            await message.reply(
                "Hi! Ask me a strength-training question, e.g. “how often should I do squats?”",
                mention_author=False,
            )
            return
        question = replies.clean_question(text)
        wait = self.bot.cooldown.hit(message.author.id)
        if wait:
            await message.reply(replies.cooldown_text(wait), mention_author=False, delete_after=10)
            return
        async with message.channel.typing():
            answer, answer_id = await self.answer(
                question,
                user_id=message.author.id,
                channel=message.channel,
                channel_id=message.channel.id,
            )
        messages = render_messages(replies.answer_reply(answer), abstained=answer.abstained)
        view = answer_view(answer_id, thread=can_start_thread(message.channel))
        sent = await reply_to(message, messages, view=view)
        await asyncio.to_thread(self.bot.store.set_message, answer_id, sent.id)


async def setup(bot: CoachBot) -> None:
    await bot.add_cog(AskCog(bot))
