"""One place that turns exceptions into short, ephemeral messages and logs the unexpected."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.discord_bot.render import render_embeds
from bot.replies import notice
from bot.text_limits import MESSAGE_CHARS
from retrieval.errors import CoachError
from retrieval.text import trim

log = logging.getLogger(__name__)

# Errors whose message is written for the person who ran the command (PlanError and
# InputError are CoachErrors too).
USER_ERRORS: tuple[type[Exception], ...] = (CoachError, app_commands.CheckFailure)

INTERNAL_ERROR = (
    "Something went wrong on our side and it has been logged for the coaches. "
    "Please try again in a minute."
)


def unwrap(error: BaseException) -> BaseException:
    """The exception a command raised, without discord.py's wrapper around it."""
    while isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    return error


def user_message(error: BaseException) -> str:
    """What to tell the user: the error's own text when it is meant for them, else a generic line.

    Unexpected errors are logged here, with their traceback.
    """
    error = unwrap(error)
    if isinstance(error, USER_ERRORS):
        return trim(str(error) or INTERNAL_ERROR, MESSAGE_CHARS)
    if isinstance(error, discord.HTTPException) and error.status == 429:
        return "Discord is rate-limiting me right now; please try again in a few seconds."
    log.error("unexpected error", exc_info=(type(error), error, error.__traceback__))
    return INTERNAL_ERROR


async def send_ephemeral(interaction: discord.Interaction, text: str) -> None:
    """Tell only the person who interacted, whatever state the interaction is in."""
    embeds = render_embeds(notice(text))
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(embeds=embeds, ephemeral=True)
            return
        if interaction.response.type == discord.InteractionResponseType.deferred_channel_message:
            # A public "thinking…" placeholder would turn the error public: remove it first.
            try:
                await interaction.delete_original_response()
            except discord.HTTPException:
                log.debug("could not delete the deferred response", exc_info=True)
        await interaction.followup.send(embeds=embeds, ephemeral=True)
    except discord.HTTPException:
        # The interaction expired or Discord is down: nothing left to tell the user with.
        log.warning("could not deliver an error message to %s", interaction.user, exc_info=True)


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Log what needs logging and tell the user in one short, private line."""
    try:
        await send_ephemeral(interaction, user_message(error))
    except Exception:
        log.exception("error while reporting an error for %s", interaction.user)
