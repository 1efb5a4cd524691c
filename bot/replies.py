"""Transport-neutral command handlers and the replies they return.

Discord renders a `Reply` to embeds, the console to rich text; the handlers here do the
"parse -> call the core -> build a reply" part both share. Handlers that call the app
block (embedding, Chroma, LLM): the Discord adapter runs them in a worker thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Literal, Protocol

from pydantic import BaseModel, Field

from answering.config import MAX_QUESTION_CHARS  # noqa: F401 - /ask's option limit reads it here
from answering.models import Answer, Turn
from answering.sanitise import neutralize_mentions
from bot.feedback_store import FeedbackStore
from bot.questions import InputError, clean_question
from library.gaps import GapGroup, group_gaps
from planner.api import Planner, make_request, parse_date, parse_days, parse_runs
from planner.models import Plan, PlanRequest
from planner.render_ics import render_ics
from planner.render_markdown import render_markdown, render_markdown_pages
from planner.swap import swappable_exercises
from retrieval.models import HEADING_SEP
from retrieval.text import trim

if TYPE_CHECKING:
    from retrieval.ingest.indexer import IndexReport
    from retrieval.inventory import IndexStatus, SourceInfo

ReplyKind = Literal["answer", "plan", "sources", "help", "status", "gaps", "notice"]

GAP_WINDOW = timedelta(days=30)


class SourceLine(BaseModel):
    """One numbered source under an answer: title › heading › file."""

    n: int
    title: str
    heading: str = ""
    source: str

    def label(self) -> str:
        return HEADING_SEP.join(p for p in (self.title, self.heading, self.source) if p)


class ReplyField(BaseModel):
    name: str
    value: str


class Attachment(BaseModel):
    filename: str
    data: bytes


class Reply(BaseModel):
    """What a command says back, before any transport decides how it looks."""

    kind: ReplyKind
    title: str
    body: str = ""
    fields: list[ReplyField] = Field(default_factory=list)
    sources: list[SourceLine] = Field(default_factory=list)
    footer: str = ""
    attachments: list[Attachment] = Field(default_factory=list)
    ephemeral: bool = False


class App(Protocol):
    """The slice of `bot.app.CoachApp` the handlers use (tests pass small fakes)."""

    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer: ...
    def status(self) -> IndexStatus: ...
    def sources(self, topic: str | None = None) -> list[SourceInfo]: ...
    def reindex(self, *, rebuild: bool = False) -> IndexReport: ...
    @property
    def planner(self) -> Planner: ...


# -- ask --------------------------------------------------------------------------------------


def cooldown_text(seconds: float) -> str:
    return f"Easy there! You can ask again in {max(1, round(seconds))} s."


def ask(app: App, question: str, history: Sequence[Turn] = ()) -> Answer:
    """Answer one question (blocking), with earlier turns of the conversation."""
    return app.ask(clean_question(question), history)


def answer_reply(answer: Answer) -> Reply:
    """An answer with its numbered sources, or what the guides do cover when abstaining."""
    sources = [
        SourceLine(n=c.n, title=c.title, heading=c.heading, source=c.source)
        for c in answer.citations
    ]
    fields = []
    if answer.abstained and answer.suggestions:
        topics = "\n".join(f"• {neutralize_mentions(s)}" for s in answer.suggestions[:8])
        fields.append(ReplyField(name="Topics the guides do cover", value=topics))
    footer = {
        "llm": "Answer written by a language model from the cited passages.",
        "extractive": "Quoted from the club's guides.",
        "extractive_fallback": "Quoted from the club's guides (the language model was busy).",
        "red_flag": "This sounds like something for a professional, not a training guide.",
    }.get(answer.mode, "")
    if answer.support == "partial" and not answer.abstained:
        footer = f"Our guides only touch on this, not directly. {footer}".strip()
    return Reply(
        kind="answer",
        title=trim(neutralize_mentions(answer.question), 256),
        body=neutralize_mentions(answer.answer),
        fields=fields,
        sources=sources,
        footer=footer,
    )


# -- plan ---------------------------------------------------------------------------------------

PICTURE_NAME = "plan-week.png"


def plan_request(
    *,
    today: date,
    free_days: str | None = None,
    runs: str | None = None,
    minutes: int | str | None = None,
    experience: str | None = None,
    equipment: str | None = None,
    phase: str | None = None,
    race_date: str | None = None,
    weeks: int | str | None = None,
    avoid: str | None = None,
    start: str | None = None,
    owner: str | None = None,
) -> PlanRequest:
    """Typed options (slash command, console flags, `coach plan`) to a validated request, or a
    PlanError. An option not given takes the request model's default (planner/options.py)."""
    typed = {
        "minutes": minutes,
        "experience": experience,
        "equipment": equipment,
        "weeks": weeks,
        "avoid": avoid,
        "owner": owner,
    }
    return make_request(
        runs=parse_runs(runs or ""),
        free_days=parse_days(free_days or ""),
        phase=phase or None,
        race_date=parse_date(race_date, "race date"),
        today=today,
        start=parse_date(start, "start"),
        **{name: value for name, value in typed.items() if value is not None},
    )


def make_plan(app: App, request: PlanRequest) -> Plan:
    return app.planner.plan(request)


def plan_reply(plan: Plan, *, max_chars: int | None = None) -> Reply:
    """The plan (shortened to `max_chars` when given) with its heading as the title."""
    text = render_markdown(plan, max_chars=max_chars)
    first, _, rest = text.partition("\n")
    title = first.removeprefix("## ").strip() if first.startswith("## ") else "Strength plan"
    body = rest if first.startswith("## ") else text
    swaps = f" · {len(plan.swaps)} swap(s)" if plan.swaps else ""
    return Reply(kind="plan", title=title, body=body.strip(), footer=f"plan {plan.plan_id}{swaps}")


def plan_pages_reply(plan: Plan) -> Reply:
    """Every detail of the plan, page by page."""
    pages = render_markdown_pages(plan, page_chars=1900)
    return Reply(kind="plan", title="Full plan", body="\n\n".join(pages), ephemeral=True)


def why_reply(app: App, plan: Plan, exercise: str | None = None) -> Reply:
    exercise_id = find_exercise(plan, exercise) if exercise else None
    title = f"Why {exercise_name(plan, exercise_id)}" if exercise_id else "Why this plan"
    text = app.planner.explain(plan, exercise_id)
    return Reply(
        kind="plan",
        title=title,
        body=text.removeprefix("**Why this plan**").strip(),
        ephemeral=True,
    )


def swap_plan(app: App, plan: Plan, exercise: str, week: int | None = None) -> Plan:
    return app.planner.swap(plan, find_exercise(plan, exercise), week)


def ics_attachment(plan: Plan, start: date | None = None) -> Attachment:
    # Written now: SEQUENCE and DTSTAMP rise with every download, so re-imports update.
    data = render_ics(plan, start=start, now=datetime.now(UTC))
    return Attachment(filename=f"strength-plan-{plan.plan_id[:8]}.ics", data=data)


def picture_attachment(plan: Plan) -> Attachment:
    """The usual week and the phase strip as a PNG (planner.week_picture)."""
    from planner.week_picture import render_week_png

    return Attachment(filename=PICTURE_NAME, data=render_week_png(plan))


def complete_list(current: str, vocabulary: Sequence[str], limit: int = 25) -> list[str]:
    """Autocomplete for comma lists: `"knee, lu"` -> `["knee, lunges"]`, never repeating a word."""
    *done, partial = [part.strip() for part in current.split(",")]
    done = [d for d in done if d]
    prefix = ", ".join(done) + (", " if done else "")
    partial = partial.lower()
    found = [w for w in vocabulary if w.startswith(partial) and w not in done]
    found += [w for w in vocabulary if partial and partial in w and w not in found + done]
    return [prefix + w for w in found][:limit]


def complete_pairs(
    current: str, keys: Sequence[str], words: Sequence[str], limit: int = 25
) -> list[str]:
    """Autocomplete for `key:word` lists (the runs' `day:kind`), one pair per key."""
    *done, partial = [part.strip() for part in current.split(",")]
    done = [d for d in done if d]
    prefix = ", ".join(done) + (", " if done else "")
    used = {d.partition(":")[0].lower() for d in done}
    key, sep, word = partial.lower().partition(":")
    if sep:
        found = [f"{key}:{w}" for w in words if w.startswith(word)] if key in keys else []
    else:
        found = [f"{k}:{w}" for k in keys if k.startswith(key) and k not in used for w in words]
    return [prefix + pair for pair in found][:limit]


def topic_choices(items: Sequence[SourceInfo], current: str, limit: int = 25) -> list[str]:
    """Tags of the known guides that contain what was typed so far."""
    tags = sorted({t.lower() for item in items for t in item.tags})
    typed = current.strip().lower()
    return [t for t in tags if typed in t][:limit]


def plan_exercises(plan: Plan) -> list[tuple[str, str]]:
    """(exercise id, name) of every swappable exercise, each once, in plan order."""
    return swappable_exercises(plan)


def exercise_name(plan: Plan, exercise_id: str) -> str:
    return dict(plan_exercises(plan)).get(exercise_id, exercise_id)


def find_exercise(plan: Plan, text: str) -> str:
    """An exercise of the plan by id or name (any case); InputError listing them otherwise."""
    wanted = " ".join(text.lower().replace("_", " ").replace("-", " ").split())
    exercises = plan_exercises(plan)
    for exercise_id, name in exercises:
        if wanted in (exercise_id.lower().replace("-", " ").replace("_", " "), name.lower()):
            return exercise_id
    matches = [(i, n) for i, n in exercises if wanted and wanted in n.lower()]
    if len(matches) == 1:
        return matches[0][0]
    listed = ", ".join(f"{name} (`{exercise_id}`)" for exercise_id, name in exercises)
    raise InputError(f"No exercise “{text}” in this plan. Pick one of: {listed}")


# -- sources, status, gaps, help ----------------------------------------------------------------


def sources_reply(items: Sequence[SourceInfo], topic: str | None = None) -> Reply:
    """The articles the bot knows (`SourceInfo`s), each with its file and origin."""
    topic = topic.strip() if topic else None
    title = f"Guides about “{trim(topic, 80)}”" if topic else "Guides I can answer from"
    if not items:
        hint = (
            "Try `/sources` without a topic to see every guide."
            if topic
            else ("The knowledge folder is empty: coaches can add Markdown articles to it.")
        )
        return Reply(kind="sources", title=title, body=f"No guides found. {hint}")
    lines = []
    for item in items:
        extra = f" · from {neutralize_mentions(item.origin)}" if item.origin else ""
        tag_text = f" · {', '.join(item.tags[:4])}" if item.tags else ""
        chunks = item.chunks
        lines.append(
            f"**{neutralize_mentions(item.title)}** — `{item.source}` "
            f"({chunks} passage{'s' if chunks != 1 else ''}{tag_text}){extra}"
        )
    noun = "guide" if len(items) == 1 else "guides"
    return Reply(kind="sources", title=title, body="\n".join(lines), footer=f"{len(items)} {noun}")


def status_reply(status: IndexStatus, *, now: datetime) -> Reply:
    """Index age, size and every skipped file with its reason (for coaches)."""
    built_at = status.built_at
    age = "never built" if built_at is None else f"built {_ago(now - built_at)} ago"
    fields = [
        ReplyField(name="Index", value=f"{age}\n{status.files} files · {status.chunks} passages"),
        ReplyField(name="Knowledge folder", value=f"`{status.knowledge_dir}`"),
    ]
    if status.abstention:
        fields.append(ReplyField(name="When answers say 'not covered'", value=status.abstention))
    if status.judge:
        fields.append(ReplyField(name="Judge model", value=status.judge))
    skipped = list(status.skipped)
    if skipped:
        lines = [
            f"• `{s.source}`{f' ({s.section})' if s.section else ''}: {s.reason}" for s in skipped
        ]
        fields.append(ReplyField(name=f"Skipped ({len(skipped)})", value="\n".join(lines)))
    else:
        fields.append(ReplyField(name="Skipped", value="Nothing: every file was indexed."))
    return Reply(kind="status", title="Knowledge base status", fields=fields, ephemeral=True)


def reindex_reply(report: IndexReport, status: IndexStatus, *, now: datetime) -> Reply:
    """What a reload changed, then the status as it is now."""
    reply = status_reply(status, now=now)
    return reply.model_copy(
        update={"title": "Knowledge base reloaded", "body": report_text(report)}
    )


def report_text(report: IndexReport) -> str:
    """One paragraph a coach can read: what the re-index added, changed, removed and reused."""
    lines = [report.summary()]
    for label, names in report.changes():
        shown = ", ".join(f"`{n}`" for n in names[:10])
        more = f" and {len(names) - 10} more" if len(names) > 10 else ""
        lines.append(f"{label}: {shown}{more}")
    return "\n".join(lines)


def gaps_reply(groups: Sequence[GapGroup], *, limit: int = 10) -> Reply:
    """Questions the guides served badly, grouped: the next articles worth writing."""
    if not groups:
        return Reply(
            kind="gaps",
            title="Knowledge gaps",
            ephemeral=True,
            body="No abstained or 👎 questions in the last 30 days.",
        )
    fields = []
    for group in groups[:limit]:
        sample = []
        for q in group.questions[:3]:
            reason = f" — “{trim(q.reasons[0], 120)}”" if q.reasons else ""
            sample.append(f"• {trim(neutralize_mentions(q.question), 200)}{reason}")
        counts = (
            f"{len(group.questions)} asked · {group.abstained} unanswered · {group.downvotes} 👎"
        )
        fields.append(ReplyField(name=f"{group.label} ({counts})", value="\n".join(sample)))
    more = len(groups) - limit
    return Reply(
        kind="gaps",
        title="Knowledge gaps",
        fields=fields,
        ephemeral=True,
        body="Recent questions the guides could not answer or that got a 👎, "
        "grouped by topic: write the top one next.",
        footer=f"{more} more group(s) not shown" if more > 0 else "",
    )


def gaps(store: FeedbackStore, *, now: datetime) -> Reply:
    return gaps_reply(group_gaps(store.gap_questions(since=now - GAP_WINDOW)))


def help_reply(*, discord: bool = True) -> Reply:
    ask_how = "`/ask`, mention me, or DM me" if discord else "`/ask <question>` or just type it"
    fields = [
        ReplyField(name="Ask", value=f"{ask_how}: a cited answer from the club's guides."),
        ReplyField(
            name="Plan",
            value="`/plan`: a strength plan around your runs, with "
            "*why*, *swap* and a calendar file."
            + ("" if discord else " `/plan --help` lists its options."),
        ),
        ReplyField(name="Sources", value="`/sources [topic]`: the guides I answer from."),
        ReplyField(
            name="Training log",
            value=(
                "📝 under a session of your plan, or `/log session`"
                if discord
                else "`/log LIFTS [--session 3:1]` (e.g. `/log squat 40kg 3x8 @7`)"
            )
            + "; `/log show`, `/why`, `/progress`, `/log export`, `/log delete`, "
            "`/log share on` (coaches see your fatigue flags). Private to you.",
        ),
    ]
    if discord:
        fields.append(
            ReplyField(
                name="Follow-ups",
                value="Press 🧵 under an answer and keep "
                "asking in the thread: I remember the conversation there.",
            )
        )
        fields.append(
            ReplyField(
                name="Coaches",
                value="`/kb add` (preview, then Add), `/kb list`, `/kb show`, `/kb remove`, "
                "`/kb history`, `/kb undo`, `/kb gaps`, `/kb status`, `/kb reload`.",
            )
        )
    else:
        fields.append(
            ReplyField(
                name="Plan follow-ups",
                value="`/why [exercise]`, `/swap <exercise> [week]`, "
                "`/ics [YYYY-MM-DD]`, `/png [PATH]` (the week as a picture) after a `/plan`.",
            )
        )
        fields.append(
            ReplyField(
                name="Knowledge base (coaches)",
                value="`/kb status`, `/kb reload`, `/kb list`, `/kb show FILE`, "
                "`/kb add PATH|URL`, `/kb remove FILE`, `/kb history`, `/kb undo N`, `/kb lint`; "
                "`/quit` to leave.",
            )
        )
    return Reply(
        kind="help",
        title="Club Coach",
        fields=fields,
        ephemeral=True,
        body="I answer strength-training questions for runners from the coaches' "
        "guides, always with sources, and build strength plans.",
    )


def notice(text: str, *, title: str = "") -> Reply:
    """A short message for one person (errors, confirmations)."""
    return Reply(kind="notice", title=title, body=text, ephemeral=True)


def _ago(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def utcnow() -> datetime:
    return datetime.now(UTC)
