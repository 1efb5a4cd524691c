"""Asking once more for a 👎 reason that may have been lost while the bot was away.

A 👎 opens a reason form. If the bot restarts (or loses its gateway connection) while the
member is typing, Discord says "interaction failed" and the reason is gone. Every 👎 form is
stored when it opens; a sweep at start-up and every minute re-asks, once, each member whose
form was open across such a gap and who has sent no reason: an ephemeral follow-up where they
voted while Discord's interaction token lives, a DM after that. The desk reads no clock: its
caller passes the time (the bot's `clock`), so tests run it at fixed moments.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

import aiohttp
import discord

from answering.sanitise import neutralize_mentions
from bot.discord_bot.views import reask_view
from bot.feedback_store import ReasonPrompt
from retrieval.text import trim

if TYPE_CHECKING:
    from bot.discord_bot.client import CoachBot

log = logging.getLogger(__name__)

# Discord's interaction tokens last 15 minutes; keep a minute for the request itself.
FOLLOWUP_LIFE = timedelta(minutes=14)
# The form outlives a restart and a member may still be typing: a reason that lands needs no
# re-ask, so a form gets this long before it is re-asked.
SETTLE = timedelta(minutes=2)
# A form shown this long before a lost connection may have been open during it (its timeout).
FORM_LIFE = timedelta(minutes=15)
SWEEP_EVERY_S = 60.0
# Re-asks that failed for a passing reason (Discord 5xx, network) are tried this many times.
MAX_ATTEMPTS = 3
QUESTION_CHARS = 200

Route = Literal["followup", "dm"]
Outcome = Literal["followup", "dm", "refused", "failed", "retry"]


def reask_route(prompt: ReasonPrompt, now: datetime) -> Route:
    """Where they voted while the interaction token lives; by DM after that."""
    if prompt.token and now - prompt.prompted_at < FOLLOWUP_LIFE:
        return "followup"
    return "dm"


def reask_text(prompt: ReasonPrompt, route: Route) -> str:
    """The re-ask: which answer, what may have happened, that it is optional and asked once."""
    question = trim(neutralize_mentions(prompt.question), QUESTION_CHARS) or "your question"
    where = f" in <#{prompt.channel_id}>" if route == "dm" and prompt.guild_id else ""
    return (
        f"You gave 👎 to my answer to “{question}”{where}. I was offline for a moment while "
        "you were writing why, so your reason may not have reached the coaches. If you'd like "
        "to add it, press the button. I won't ask again."
    )


class ReaskDesk:
    """Finds the 👎 forms a gap may have swallowed and asks their members once more."""

    def __init__(self, bot: CoachBot, *, started_at: datetime) -> None:
        self.bot = bot
        # Forms shown before this moment were open while the previous process went away.
        self.started_at = started_at
        self.swept = asyncio.Event()  # set once a sweep has finished (tests wait on it)
        self._lock = asyncio.Lock()
        self._down_since: datetime | None = None

    @property
    def window(self) -> timedelta:
        return timedelta(hours=self.bot.settings.reask_window_h)

    def disconnected(self, now: datetime) -> None:
        if self._down_since is None:
            self._down_since = now

    async def reconnected(self, now: datetime) -> None:
        """A gateway gap inside a running process: flag the forms that were open across it."""
        down_since, self._down_since = self._down_since, None
        if down_since is None:
            return
        flagged = await asyncio.to_thread(
            self.bot.store.flag_interrupted,
            opened_after=down_since - FORM_LIFE,
            opened_before=now,
        )
        if flagged:
            log.info("%d 👎 reason form(s) were open while the connection was down", flagged)

    async def sweep(self, now: datetime) -> Counter[Outcome]:
        """Re-ask every due prompt once; returns how each went."""
        outcomes: Counter[Outcome] = Counter()
        if self.window > timedelta(0):
            async with self._lock:
                prompts = await asyncio.to_thread(
                    self.bot.store.claim_reasks,
                    restarted_at=self.started_at,
                    settled_before=now - SETTLE,
                    since=now - self.window,
                )
                for prompt in prompts:
                    outcomes[await self._reask_safely(prompt, now)] += 1
            if outcomes:
                log.info("re-asked for 👎 reasons: %s", dict(outcomes))
        self.swept.set()
        return outcomes

    async def _reask_safely(self, prompt: ReasonPrompt, now: datetime) -> Outcome:
        """One prompt's re-ask; a bug in it must not strand the rest of the claimed batch."""
        try:
            return await self._reask(prompt, now)
        except Exception:
            log.exception("re-asking for a 👎 reason on answer %s failed", prompt.answer_id)
            await asyncio.to_thread(
                self.bot.store.finish_reask, prompt.answer_id, prompt.user_id, "failed"
            )
            return "failed"

    async def _reask(self, prompt: ReasonPrompt, now: datetime) -> Outcome:
        store = self.bot.store
        key = (prompt.answer_id, prompt.user_id)
        try:
            outcome, message = await self._send(prompt, reask_route(prompt, now))
        except discord.Forbidden:
            # Their privacy settings: asking again would fail the same way.
            log.warning(
                "member %s does not accept DMs from the bot; their 👎 on answer %s is not re-asked",
                prompt.user_id,
                prompt.answer_id,
            )
            await asyncio.to_thread(store.finish_reask, *key, "refused", via="dm")
            return "refused"
        except (discord.DiscordServerError, aiohttp.ClientError, OSError, TimeoutError) as error:
            again = await asyncio.to_thread(
                store.retry_reask_later, *key, max_attempts=MAX_ATTEMPTS
            )
            log.warning(
                "could not re-ask member %s for a 👎 reason (%s); %s",
                prompt.user_id,
                error,
                "will try again" if again else "giving up",
            )
            return "retry" if again else "failed"
        except discord.HTTPException as error:
            if error.status == 429:
                await asyncio.to_thread(store.retry_reask_later, *key, max_attempts=MAX_ATTEMPTS)
                return "retry"
            log.warning("could not re-ask member %s for a 👎 reason: %s", prompt.user_id, error)
            await asyncio.to_thread(store.finish_reask, *key, "failed")
            return "failed"
        await asyncio.to_thread(
            store.finish_reask,
            *key,
            "reasked",
            via=outcome,
            channel_id=message.channel.id,
            message_id=message.id,
        )
        return outcome

    async def _send(self, prompt: ReasonPrompt, route: Route) -> tuple[Route, discord.Message]:
        if route == "followup":
            try:
                return "followup", await self._followup(prompt)
            except discord.HTTPException as error:
                if error.status not in (401, 403, 404):  # 401 50027: the token has expired
                    raise
                log.info("the 👎 interaction token has expired; re-asking by DM instead")
        return "dm", await self._dm(prompt)

    async def _followup(self, prompt: ReasonPrompt) -> discord.Message:
        assert prompt.token is not None and self.bot.application_id is not None
        # The same webhook `Interaction.followup` builds, from the stored token.
        webhook = discord.Webhook.from_state(
            {"id": self.bot.application_id, "type": 3, "token": prompt.token},
            state=self.bot._connection,
        )
        return await webhook.send(
            reask_text(prompt, "followup"),
            view=reask_view(prompt.answer_id),
            ephemeral=True,
            wait=True,
        )

    async def _dm(self, prompt: ReasonPrompt) -> discord.Message:
        channel = await self.bot.create_dm(discord.Object(prompt.user_id))
        return await channel.send(
            reask_text(prompt, "dm"),
            view=reask_view(prompt.answer_id),
            allowed_mentions=discord.AllowedMentions.none(),
        )
