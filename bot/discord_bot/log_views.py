"""📝 Log it: a button per session under a posted plan, and the short form it opens.

The button is a DynamicItem keyed by plan key, week and session (week 0: the week due when
pressed), so it works after any number of restarts. The form's submission is handled by the
log cog's listener, not by the modal object, so a form typed across a restart still lands.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.discord_bot.buttons import HEX_ID, PersistentButton
from bot.text_limits import MODAL_TITLE
from planner.log_text import (
    LIFTS_EXAMPLE,
    NIGGLES_EXAMPLE,
    current_week_of,
    find_session,
    format_lift,
    lifts_template,
)
from planner.models import Plan
from planner.training_log import SessionLog, TrainingLog
from retrieval.errors import CoachError
from retrieval.text import trim

if TYPE_CHECKING:
    from bot.discord_bot.client import CoachBot

log = logging.getLogger(__name__)

LOG_MODAL = "coach:logm:"
LOG_ROW = 2  # under the plan's buttons (row 0) and its swap menu (row 1)
MAX_LOG_BUTTONS = 5
PLAN_GONE = "That plan is no longer on record. Make a new one with `/plan`."
NOT_YOURS = "Only the person who made this plan can log it. Make your own with `/plan`."
FIELDS = ("status", "lifts", "niggles", "next_run", "note")


async def remember_plan(bot: CoachBot, user_id: int, plan: Plan) -> None:
    """The member's newest plan is the one `/log session` logs against (best effort: a damaged
    training log must not stop `/plan`)."""
    try:
        await asyncio.to_thread(lambda: bot.training_log().save_plan(str(user_id), plan))
    except Exception:
        log.warning("could not record the plan for the training log", exc_info=True)


def adapted_for(bot: CoachBot, user_id: int, plan: Plan) -> Plan:
    """The plan as its owner's log adapts it today (blocking); the plan itself when nothing is
    logged or the log can't be read, so the plan's buttons never fail because of the log."""
    from bot.log_safety import warning_signs

    try:
        log = bot.training_log().log(str(user_id), plan.plan_id)
    except CoachError:
        return plan
    if not log.entries:
        return plan
    today = bot.clock().date()
    return bot.app.planner.adapt(plan, log, today, warning_signs=warning_signs).plan


def log_buttons(key: str, plan: Plan) -> list[LogButton]:
    """One 📝 per session of the usual week (its day from the first week holding it)."""
    seen: dict[int, str] = {}
    for _, session in plan.sessions():
        seen.setdefault(session.number, f"{session.label} · {session.day.title()}")
    return [LogButton(key, 0, n, label) for n, label in sorted(seen.items())[:MAX_LOG_BUTTONS]]


class LogButton(
    PersistentButton,
    custom_id="coach:log:{key}:{week}:{session}",
    key=HEX_ID,
    week=r"\d{1,2}",
    session=r"\d",
):
    """Opens the log form for one session of the plan: only for the member who made it."""

    def __init__(self, key: str, week: int, session: int, label: str | None = None) -> None:
        super().__init__(
            {"key": key, "week": week, "session": session},
            emoji="📝",
            label=trim(f"Log {label or f'session {session}'}", 80),
            style=discord.ButtonStyle.success,
            row=LOG_ROW,
        )
        self.key, self.week, self.session = key, week, session

    @classmethod
    def from_match(cls, match: re.Match[str], item: discord.ui.Item[Any]) -> LogButton:
        pressed = item.label if isinstance(item, discord.ui.Button) else None
        label = (pressed or "").removeprefix("Log ") or None
        return cls(match["key"], int(match["week"]), int(match["session"]), label)

    async def pressed(self, interaction: discord.Interaction[CoachBot]) -> None:
        bot = interaction.client
        record = await asyncio.to_thread(bot.store.plan, self.key)
        if record is None:
            await interaction.response.send_message(PLAN_GONE, ephemeral=True)
            return
        if record.user_id is not None and record.user_id != interaction.user.id:
            await interaction.response.send_message(NOT_YOURS, ephemeral=True)
            return
        plan = Plan.model_validate_json(record.plan_json)
        week = self.week or current_week_of(plan, self.session, bot.clock().date())
        member = str(interaction.user.id)
        log = await asyncio.to_thread(lambda: bot.training_log().log(member, plan.plan_id))
        await interaction.response.send_modal(log_modal(self.key, plan, week, self.session, log))


def log_modal(key: str, plan: Plan, week: int, session: int, log: TrainingLog) -> discord.ui.Modal:
    """The five-field form (Discord's limit), filled with the last entry or the plan's lifts."""
    plan_week, plan_session = find_session(plan, week, session)
    entry = log.entry(plan.plan_id, week, session)
    when = f"{plan_session.date:%a} {plan_session.date.day} {plan_session.date:%b}"
    modal = discord.ui.Modal(
        title=trim(f"Log week {plan_week.number} · {when} · {plan_session.label}", MODAL_TITLE),
        custom_id=f"{LOG_MODAL}{key}:{week}:{session}",
        timeout=30 * 60,
    )
    defaults = _defaults(entry, plan_session, log)
    inputs = (
        ("Done, partly or skipped?", "done, partly or skipped", discord.TextStyle.short, 20, True),
        ("Main lifts: load/version, sets x reps, @RPE", LIFTS_EXAMPLE,
         discord.TextStyle.paragraph, 1000, False),
        ("Niggles: where and 0-10 (optional)", f"e.g. {NIGGLES_EXAMPLE}",
         discord.TextStyle.short, 200, False),
        ("How did your next run feel? (optional)", "easier, normal or harder (or 1-5, 3 = normal)",
         discord.TextStyle.short, 20, False),
        ("Note (optional)", "Anything else: sleep, stress, what felt off",
         discord.TextStyle.paragraph, 500, False),
    )  # fmt: skip
    for name, (label, placeholder, style, length, required) in zip(FIELDS, inputs, strict=True):
        modal.add_item(
            discord.ui.TextInput(
                label=label,
                custom_id=name,
                style=style,
                placeholder=trim(placeholder, 100),
                default=defaults.get(name) or None,
                max_length=length,
                required=required,
            )
        )
    return modal


def _defaults(entry: SessionLog | None, session, log: TrainingLog) -> dict[str, str]:
    if entry is None:
        return {"status": "done", "lifts": lifts_template(session, log)}
    names = {x.exercise_id: x.name for b in session.blocks for x in b.exercises}
    return {
        "status": entry.status,
        "lifts": "; ".join(format_lift(x, names) for x in entry.exercises),
        "niggles": ", ".join(f"{n.area} {n.score}" for n in entry.niggles),
        "next_run": entry.run_feel or "",
        "note": entry.note,
    }


def parse_modal_id(custom_id: str) -> tuple[str, int, int] | None:
    """(plan key, week, session) of a log form's custom_id; None for any other form."""
    match = re.fullmatch(rf"{LOG_MODAL}([0-9a-f]{{16}}):(\d{{1,2}}):(\d)", custom_id)
    if match is None:
        return None
    return match[1], int(match[2]), int(match[3])


def retry_view(key: str, week: int, session: int) -> discord.ui.View:
    """The form again, for the same session, under an error."""
    view = discord.ui.View(timeout=None)
    view.add_item(LogButton(key, week, session, f"again: week {week}, session {session}"))
    return view
