"""The training log's handlers and replies, shared by Discord (`/log`, Log it, `/progress`,
`/why`, the coaches' summary), `coach log` / `coach progress` and the console.

Each handler parses what the member typed (planner.log_text), calls the core (the log store,
`Planner.adapt` / `progress` / `flags`) and returns data or a `Reply`. Replies about a member's
log are always ephemeral: only that member sees them. Handlers block (SQLite, the planner):
Discord runs them in a worker thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime

from pydantic import BaseModel

from bot.log_safety import warning_signs
from bot.replies import App, Attachment, Reply, ReplyField, SourceLine, notice
from bot.training_log_store import TrainingLogStore
from planner.adapt import AdaptedPlan
from planner.errors import PlanError
from planner.log_text import (
    LIFTS_HELP,
    NIGGLES_HELP,
    due_session,
    exercise_names,
    find_session,
    format_entry,
    make_entry,
    session_label,
)
from planner.models import Change, Plan
from planner.progress import MemberFlags, ProgressData
from planner.training_log import SessionLog, TrainingLog

log = logging.getLogger(__name__)

NO_PLAN = (
    "You have no plan to log against yet. Make one with `/plan` and press 📝 under a session "
    "(in the CLI: `coach plan --json > plan.json`, then `coach log add --plan plan.json`)."
)
PROGRESS_PICTURE = "progress.png"
EXPORT_NAME = "training-log.json"
CHANGE_MARKS = {"progress": "⬆️", "hold": "➡️", "back-off": "⬇️", "trim-accessories": "✂️",
                "deload": "🛌", "red-flag": "🚩", "re-placed": "📅", "dropped": "➖",
                "retest": "📏"}  # fmt: skip
LOG_HELP = f"**Lifts:** {LIFTS_HELP}\n**Niggles:** {NIGGLES_HELP}"


class Logged(BaseModel):
    """One stored entry and the plan as it now adapts to the member's log."""

    entry: SessionLog
    new: bool
    plan: Plan
    adapted: AdaptedPlan


def member_plan(store: TrainingLogStore, member: str) -> Plan:
    """The plan the member logs against; InputError-style PlanError when there is none."""
    plan = store.plan(member)
    if plan is None:
        raise PlanError(NO_PLAN)
    return plan


def due(store: TrainingLogStore, member: str, plan: Plan, today: date) -> tuple[int, int]:
    """(week, session) the member most likely means: the latest one due and not logged yet."""
    return due_session(plan, store.log(member, plan.plan_id), today)


def notice_reply(text: str) -> Reply:
    return notice(text)


def adapt(app: App, store: TrainingLogStore, member: str, plan: Plan, today: date) -> AdaptedPlan:
    """The member's plan as it adapts to their whole log today."""
    return app.planner.adapt(
        plan, store.log(member, plan.plan_id), today, warning_signs=warning_signs
    )


def log_session(
    app: App,
    store: TrainingLogStore,
    member: str,
    plan: Plan,
    *,
    week: int,
    session: int,
    today: date,
    now: datetime | None = None,
    status: str = "done",
    lifts: str = "",
    niggles: str = "",
    next_run: str | None = None,
    note: str = "",
) -> Logged:
    """Store what the member typed for one session (re-logging replaces it) and re-adapt."""
    entry = make_entry(member=member, plan=plan, week=week, session=session, today=today,
                       status=status, lifts=lifts, niggles=niggles, next_run=next_run,
                       note=note)  # fmt: skip
    if store.plan(member) != plan:
        store.save_plan(member, plan)
    new = store.add(entry, now=now)
    return Logged(entry=entry, new=new, plan=plan, adapted=adapt(app, store, member, plan, today))


# -- replies ------------------------------------------------------------------------------------


def _sources(plan: Plan, changes: Sequence[Change]) -> list[SourceLine]:
    by_n = {ref.n: ref for ref in plan.sources}
    lines = []
    for n in sorted({c.cite for c in changes}):
        ref = by_n.get(n)
        if ref is not None:
            lines.append(SourceLine(n=n, title=ref.title, heading=ref.heading, source=ref.source))
    return lines


def change_line(change: Change) -> str:
    """`⬆️ Goblet squat felt easier ... use 21 kg. — rule adapt-progress [3]`."""
    mark = CHANGE_MARKS.get(change.kind, "•")
    return f"{mark} {change.text} — rule `{change.rule_id}` [{change.cite}]"


def next_changes(adapted: AdaptedPlan, entry: SessionLog) -> tuple[str, list[Change]]:
    """What the entry changes next: red flags, the next session's changes, and each logged
    lift's change at its next session (which may be a later one)."""
    logged = {x.exercise_id for x in entry.exercises}
    heading = "What changes next"
    picked: list[Change] = [c for c in adapted.changes if c.kind == "red-flag"]
    if adapted.next_session is not None:
        week, session = adapted.next_session
        w, s = find_session(adapted.plan, week, session)
        heading = f"What changes next (your next session: {session_label(w, s)})"
        picked += adapted.changes_for(week, session)
    seen: set[str] = set()
    for change in adapted.changes:  # sorted by week and session: the first is the next one
        if change.exercise_id in logged and change.exercise_id not in seen:
            seen.add(change.exercise_id)
            picked.append(change)
    unique = list({id(c): c for c in picked}.values())
    unique.sort(key=lambda c: (c.kind != "red-flag", c.week, c.session or 0))
    return heading, unique


def logged_reply(logged: Logged) -> Reply:
    """What was stored, then what changes at the next session and the rule that says so."""
    entry, adapted = logged.entry, logged.adapted
    names = exercise_names(logged.plan)
    w, s = find_session(logged.plan, entry.week, entry.session)
    verb = "Logged" if logged.new else "Updated"
    heading, changes = next_changes(adapted, entry)
    if changes:
        body = "\n".join(change_line(c) for c in changes)
    else:
        body = "No change: keep the plan as written."
    fields = [ReplyField(name=heading, value=body)]
    if adapted.fatigue:
        fields.append(
            ReplyField(
                name="Fatigue",
                value="Your log shows fatigue building: accessories come down first. "
                "`/why` lists every change.",
            )
        )
    return Reply(
        kind="plan",
        title=f"{verb}: {session_label(w, s)}",
        body=format_entry(entry, names),
        fields=fields,
        sources=_sources(adapted.plan, changes),
        footer="Only you can see this. /why lists every change; /progress shows your weeks.",
        ephemeral=True,
    )


def _when(plan: Plan, change: Change) -> str:
    """`**Thu 3 Dec** ` for a change to one session, "" for a whole week."""
    found = [s for w, s in plan.sessions() if (w.number, s.number) == (change.week, change.session)]
    return f"**{found[0].date:%a} {found[0].date.day} {found[0].date:%b}** " if found else ""


def changes_reply(adapted: AdaptedPlan) -> Reply:
    """`/why`: every change the log made to the plan, week by week, each with its rule."""
    if not adapted.changes:
        return Reply(
            kind="plan",
            title="Why your plan changed",
            body="Nothing has changed yet: your log so far keeps the plan as written.",
            ephemeral=True,
        )
    fields: list[ReplyField] = []
    by_week: dict[int, list[Change]] = {}
    for change in adapted.changes:
        by_week.setdefault(change.week, []).append(change)
    for week, changes in sorted(by_week.items()):
        lines = []
        for change in changes:
            lines.append(f"{_when(adapted.plan, change)}{change_line(change)}")
        fields.append(ReplyField(name=f"Week {week}", value="\n".join(lines)))
    return Reply(
        kind="plan",
        title="Why your plan changed",
        body=f"From your training log, as of {adapted.as_of:%a} {adapted.as_of.day} "
        f"{adapted.as_of:%b %Y}. Each change names its rule and the guide it comes from.",
        fields=fields,
        sources=_sources(adapted.plan, adapted.changes),
        ephemeral=True,
    )


def log_list_reply(log: TrainingLog, plan: Plan | None, *, limit: int = 12) -> Reply:
    """The member's latest entries, newest first."""
    if not log.entries:
        return Reply(
            kind="plan",
            title="Your training log",
            body="Nothing logged yet. Press 📝 under a session of your plan, or use "
            "`/log session`.",
            ephemeral=True,
        )
    names = exercise_names(plan) if plan is not None else {}
    lines = []
    for entry in list(reversed(log.entries))[:limit]:
        when = f"{entry.date:%a} {entry.date.day} {entry.date:%b}"
        lines.append(f"**W{entry.week}·S{entry.session}** {when} — {format_entry(entry, names)}")
    more = len(log.entries) - limit
    return Reply(
        kind="plan",
        title="Your training log",
        body="\n".join(lines),
        footer=f"{len(log.entries)} entries" + (f" · {more} older not shown" if more > 0 else ""),
        ephemeral=True,
    )


def export_attachment(store: TrainingLogStore, member: str) -> Attachment:
    """Everything stored about the member (and only them), as a JSON file."""
    return Attachment(filename=EXPORT_NAME, data=store.export_json(member).encode("utf-8"))


def delete_prompt_reply(count: int) -> Reply:
    if count == 0:
        return Reply(kind="notice", title="", body="You have nothing logged.", ephemeral=True)
    return Reply(
        kind="notice",
        title="Delete your training log?",
        body=f"This deletes all {count} entries, your plan on record and your sharing choice. "
        "It cannot be undone: export it first with `/log export` if you want a copy.",
        ephemeral=True,
    )


def deleted_reply(count: int) -> Reply:
    return Reply(
        kind="notice",
        title="",
        body=f"Deleted your training log ({count} entries). Nothing about it is kept.",
        ephemeral=True,
    )


def share_reply(on: bool) -> Reply:
    body = (
        "The coaches' weekly summary now includes you: whether you logged this week, and any "
        "fatigue or niggle flags (not your loads or notes). `/log share off` stops it."
        if on
        else "The coaches' weekly summary no longer includes you."
    )
    return Reply(kind="notice", title="", body=body, ephemeral=True)


def progress_reply(data: ProgressData, today: date, *, picture: bool = True) -> Reply:
    """A short text summary of the member's progress (the picture is attached beside it)."""
    lines = [
        f"Sessions so far: {data.planned} planned · {data.done} done · {data.partly} partly · "
        f"{data.skipped} skipped"
    ]
    for exercise_id, name in data.lifts.items():
        points = [p for p in data.points if p.exercise_id == exercise_id]
        first, last = points[0], points[-1]
        if first.load_kg is not None and last.load_kg is not None:
            trend = f"{first.load_kg:g} → {last.load_kg:g} kg"
        else:
            trend = f"{first.version or '?'} → {last.version or '?'}"
        effort = f", last effort RPE {last.effort:g}" if last.effort is not None else ""
        times = f"{len(points)} session{'s' if len(points) != 1 else ''}"
        lines.append(f"**{name}**: {trend} over {times}{effort}")
    if data.efforts:
        week = data.efforts[-1]
        target = f" (target {week.target:g})" if week.target is not None else ""
        lines.append(f"Effort, week of {week.week_start:%d %b}: RPE {week.effort:g}{target}")
    if data.niggles:
        recent = ", ".join(f"{n.area} {n.score} ({n.date:%d %b})" for n in data.niggles[-4:])
        lines.append(f"Niggles: {recent}")
    if data.retests:
        lines.append(
            "Retests: " + ", ".join(f"{r.test_id} {r.value} ({r.date:%d %b})" for r in data.retests)
        )
    footer = f"As of {today:%d %b %Y}. Only you can see this."
    if picture:
        footer = "The picture: main-lift load or version and effort by week; phases and deloads "
        footer += f"shaded, niggles and retests marked. {today:%d %b %Y}; only you can see this."
    return Reply(
        kind="plan", title="Your progress", body="\n".join(lines), footer=footer, ephemeral=True
    )


def progress_picture(data: ProgressData) -> Attachment:
    from planner.progress_picture import render_progress_png

    return Attachment(filename=PROGRESS_PICTURE, data=render_progress_png(data))


def progress(
    app: App, store: TrainingLogStore, member: str, today: date
) -> tuple[ProgressData, Plan]:
    plan = member_plan(store, member)
    return app.planner.progress(plan, store.log(member), today), plan


# -- the coaches' weekly summary ----------------------------------------------------------------


def summary_flags(app: App, store: TrainingLogStore, today: date) -> list[MemberFlags]:
    """The flags of every member who opted in to the coaches' summary (and nobody else)."""
    flags = []
    for member in store.sharing_members():
        plan = store.plan(member)
        try:
            flags.append(
                app.planner.flags(store.log(member), today, plan, warning_signs=warning_signs)
            )
        except PlanError:
            log.warning("coaches' summary: could not read the log of member %s", member)
    return flags


def summary_reply(
    flags: Sequence[MemberFlags], today: date, who: Callable[[str], str] = str
) -> Reply:
    """Who is logging, and who shows fatigue, niggles or a red flag: opted-in members only."""
    title = f"Training log, week to {today:%a} {today.day} {today:%b}"
    if not flags:
        return Reply(
            kind="status",
            title=title,
            body="No member shares their log with the coaches yet (`/log share on`).",
        )
    logging_ = [f for f in flags if f.logged_this_week]
    quiet = [f for f in flags if not f.logged_this_week]
    fields = []
    red = [f for f in flags if f.red_flag]
    if red:
        fields.append(ReplyField(name="🚩 Red flag: suggest they see a physio",
                                 value=", ".join(who(f.member) for f in red)))  # fmt: skip
    tired = [f for f in flags if f.fatigue]
    if tired:
        fields.append(ReplyField(name="Fatigue building (accessories trimmed, deload sooner)",
                                 value=", ".join(who(f.member) for f in tired)))  # fmt: skip
    sore = [f for f in flags if f.niggles]
    if sore:
        value = "\n".join(
            f"{who(f.member)}: " + ", ".join(f"{n.area} {n.score}/10" for n in f.niggles)
            for f in sore
        )
        fields.append(ReplyField(name="Niggles", value=value))
    fields.append(
        ReplyField(
            name=f"Logging this week ({len(logging_)})",
            value=", ".join(f"{who(f.member)} ({f.logged_this_week})" for f in logging_) or "—",
        )
    )
    if quiet:
        fields.append(
            ReplyField(
                name=f"Not logged this week ({len(quiet)})",
                value=", ".join(who(f.member) for f in quiet),
            )
        )
    return Reply(
        kind="status",
        title=title,
        body=f"{len(flags)} member(s) share their log with the coaches. Members who did not opt "
        "in are never listed.",
        fields=fields,
    )
