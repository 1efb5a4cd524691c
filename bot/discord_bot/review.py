"""👎 votes posted to the coaches' review channel, updated when a reason arrives."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import discord

from answering.sanitise import neutralize_mentions
from bot.feedback_store import AnswerRecord, FeedbackRecord, FeedbackStore
from bot.settings import Settings
from bot.text_limits import FIELD_VALUE
from retrieval.text import trim

log = logging.getLogger(__name__)


def review_embed(answer: AnswerRecord, feedback: FeedbackRecord) -> discord.Embed:
    """What a coach needs to judge a 👎: question, answer, cited chunks, reason."""
    embed = discord.Embed(title="👎 on an answer", color=0xC62828, timestamp=feedback.created_at)
    embed.add_field(
        name="Question", value=trim(neutralize_mentions(answer.question), FIELD_VALUE), inline=False
    )
    embed.add_field(
        name="Answer",
        value=trim(neutralize_mentions(answer.answer) or "(empty)", FIELD_VALUE),
        inline=False,
    )
    cited = ", ".join(f"`{c}`" for c in answer.chunk_ids) or "none (abstained)"
    embed.add_field(name="Cited chunks", value=trim(cited, FIELD_VALUE), inline=False)
    reason = feedback.reason or "(no reason given yet)"
    embed.add_field(
        name="Reason", value=trim(neutralize_mentions(reason), FIELD_VALUE), inline=False
    )
    where = f" in <#{answer.channel_id}>" if answer.channel_id else ""
    embed.add_field(name="From", value=f"<@{feedback.user_id}>{where}", inline=False)
    embed.set_footer(text=f"answer {answer.id} · mode {answer.mode}")
    return embed


class ReviewDesk:
    """Posts one review message per 👎 and edits it when the voter adds a reason."""

    def __init__(
        self,
        settings: Settings,
        store: FeedbackStore,
        channel: Callable[[int], discord.PartialMessageable],
    ) -> None:
        # The settings object, not its channel id: the id is read at each vote.
        self.settings = settings
        self.store = store
        self.channel = channel
        self._locks: dict[tuple[str, int], asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def report_later(self, answer_id: str, user_id: int) -> None:
        """Post or update in the background: the user's interaction must not wait on it."""
        if self.settings.review_channel_id is None:
            return
        task = asyncio.create_task(self.report(answer_id, user_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def report(self, answer_id: str, user_id: int) -> None:
        channel_id = self.settings.review_channel_id
        if channel_id is None:
            return
        key = (answer_id, user_id)
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                await self._post_or_edit(channel_id, answer_id, user_id)
        except Exception:
            # The review channel is a courtesy for coaches; the vote itself is already stored.
            log.exception("could not post feedback on %s to the review channel", answer_id)
        finally:
            if not lock.locked():
                self._locks.pop(key, None)

    async def _post_or_edit(self, channel_id: int, answer_id: str, user_id: int) -> None:
        store = self.store
        answer = await asyncio.to_thread(store.answer, answer_id)
        feedback = await asyncio.to_thread(store.feedback, answer_id, user_id)
        if answer is None or feedback is None or feedback.vote >= 0:
            return
        embed = review_embed(answer, feedback)
        channel = self.channel(channel_id)
        if feedback.review_message_id:
            await channel.get_partial_message(feedback.review_message_id).edit(embed=embed)
            return
        message = await channel.send(embed=embed)
        await asyncio.to_thread(store.set_review_message, answer_id, user_id, message.id)

    async def drain(self) -> None:
        """Wait for review posts in flight (used at shutdown and by tests)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
