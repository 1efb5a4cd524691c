"""Markdown for a plan and its audit card, sized for Discord when asked."""

from __future__ import annotations

import re
from collections.abc import Sequence

from planner.models import DAY_NAMES, AuditItem, Block, Plan, Prescription, Session, Week

SHORTENED = "… shortened: `coach plan --json` or the calendar file has every detail."
MARKS = {"pass": "✓", "fail": "✗", "n/a": "–"}


def cites(numbers: Sequence[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)


def render_markdown(plan: Plan, *, max_chars: int | None = None) -> str:
    """The plan as Markdown; within `max_chars` by dropping detail, then by cutting the body and
    listing only the sources it still cites (every [n] left resolves)."""
    for compact, week_limit in ((False, None), (True, None), (True, 6), (True, 2)):
        sections = _sections(plan, compact=compact, week_limit=week_limit)
        text = "\n\n".join(sections)
        if max_chars is None or len(text) <= max_chars:
            return text
    assert max_chars is not None  # without a limit the first pass returned
    body = "\n\n".join(sections[:-1])
    head = body[: max(0, max_chars - len(SHORTENED) - 2)]
    head = head[: head.rfind("\n") + 1 or len(head)]
    # Drop the body's last line until it and the sources it cites fit: a shorter head cites a
    # subset, so this ends, at worst with no body (cutting by the sources' length could empty
    # the body at once when they alone are longer than the room left).
    while True:
        cited = {int(n) for n in re.findall(r"\[(\d+)\]", head)}
        sources = _sources(plan, only=cited) if cited else ""
        text = head + SHORTENED + (f"\n\n{sources}" if sources else "")
        if len(text) <= max_chars or not head:
            return text
        head = head[: head.rstrip("\n").rfind("\n") + 1]


def render_markdown_pages(plan: Plan, page_chars: int = 1900) -> list[str]:
    """The full plan split into messages of at most `page_chars`, breaking between lines."""
    pages: list[str] = []
    current = ""
    for line in "\n\n".join(_sections(plan, compact=False, week_limit=None)).split("\n"):
        while len(line) > page_chars:
            if current:
                pages.append(current)
                current = ""
            pages.append(line[:page_chars])
            line = line[page_chars:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > page_chars:
            pages.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        pages.append(current)
    return [page for page in pages if page.strip()]


def render_audit(plan: Plan, items: Sequence[AuditItem]) -> str:
    counts = {status: sum(item.status == status for item in items) for status in MARKS}
    lines = [f"**Audit card**: {counts['pass']} pass · {counts['fail']} fail · {counts['n/a']} n/a"]
    lines += [
        f"{MARKS[item.status]} **{item.rule_id}** {item.text} — {item.detail} [{item.cite}]"
        for item in items
    ]
    return "\n".join(lines)


def _sections(plan: Plan, *, compact: bool, week_limit: int | None) -> list[str]:
    sections = [_header(plan)]
    if plan.adaptations:
        sections.append(changes_text(plan))
    sections += [_session(plan, week, session, compact) for week, session in _distinct(plan)]
    sections.append(_weeks(plan, week_limit))
    if plan.notes:
        sections.append("**Notes**\n" + "\n".join(f"- {note}" for note in plan.notes))
    sections.append(_sources(plan))
    return sections


def changes_text(plan: Plan) -> str:
    """The changes the training log made, each with the rule's source."""
    dated = {(w.number, s.number): s for w, s in plan.sessions()}
    lines = [f"**Changes from your training log** (as of {plan.adapted_on:%a %d %b})"]
    for change in plan.adaptations:
        session = dated.get((change.week, change.session or 0))
        when = f"week {change.week}"
        if session is not None:
            when += f", {session.date.strftime('%a %d %b')}"
        lines.append(f"- {when}: {change.text} [{change.cite}]")
    return "\n".join(lines)


def _header(plan: Plan) -> str:
    request = plan.request
    runs = " · ".join(f"{day.capitalize()} {kind}" for day, kind in request.runs.items())
    lifting = sorted({s.day for _, s in plan.sessions()}, key=list(DAY_NAMES).index)
    lines = [
        f"## Strength plan · {len(plan.weeks)} week{'s' * (len(plan.weeks) > 1)} "
        f"from {plan.start_date.strftime('%a %d %b %Y')}",
        f"Runs: {runs or 'none given'} | Lifting: "
        f"{', '.join(d.capitalize() for d in lifting)} | {request.minutes} min | "
        f"equipment: {', '.join(request.equipment)} | lifting experience: {request.experience}"
        + (f" | avoid: {', '.join(request.avoid)}" if request.avoid else ""),
        plan.phase_reason,
    ]
    if plan.swaps:
        lines.append("Swapped: " + ", ".join(f"{s.old_id} → {s.new_id}" for s in plan.swaps))
    return "\n".join(lines)


def _distinct(plan: Plan) -> list[tuple[Week, Session]]:
    """Each different session once, as first met (exercises stay put from week to week)."""
    seen: set[tuple] = set()
    found = []
    for week, session in plan.sessions():
        key = (session.label, session.focus, _exercise_ids(session))
        if key not in seen:
            seen.add(key)
            found.append((week, session))
    return found


def _exercise_ids(session: Session) -> tuple[str, ...]:
    return tuple(x.exercise_id for block in session.blocks for x in block.exercises)


def _session(plan: Plan, week: Week, session: Session, compact: bool) -> str:
    lines = [
        f"**Session {session.label} · {DAY_NAMES[session.day]} · {session.focus}** "
        f"(from week {week.number}, ≈{minutes_text(session.minutes)}) {cites(session.cites)}",
        f"{session.placement.text} {cites(session.placement.cites)}",
    ]
    for block in session.blocks:
        lines.append(_block(block, compact))
    if session.tests:
        lines += [f"Baseline test, **{t.name}**: {t.how} {cites(t.cites)}" for t in session.tests]
    if session.strides:
        lines.append(f"Then strides: {session.strides} [{plan.cite('strides')}]")
    lines.append(session.log_prompt + f" [{plan.cite('training-log')}]")
    return "\n".join(lines)


_BLOCK_TITLES = {
    "warm-up": "Warm-up",
    "main": "Main lifts",
    "accessory": "Accessory circuit",
    "core": "Core",
    "cool-down": "Cool-down",
}


def _block(block: Block, compact: bool) -> str:
    title = _BLOCK_TITLES[block.kind]
    if block.rounds:
        title += f", {block.rounds} round{'s' * (block.rounds > 1)}"
    title += f" (≈{minutes_text(block.minutes)}) {cites(block.cites)}"
    if block.kind == "main":
        items = [f"- {_main_line(x, compact)}" for x in block.exercises]
        # The note says what the tempo means (rules.yaml `tempo.meaning`); dropped when short.
        note = "" if compact or not block.note else f" {block.note}"
        return f"*{title}*{note}\n" + "\n".join(items)
    return f"*{title}*: " + " · ".join(_short_line(x, block) for x in block.exercises)


def _main_line(x: Prescription, compact: bool) -> str:
    tempo = f", tempo {x.tempo}" if x.tempo else ""
    text = f"**{x.name}** {x.sets}×{x.reps}{tempo}, rest {x.rest_s} s"
    load = x.load if not compact else (x.load.split(". ")[0] + ".")
    return f"{text}: {load} {cites(x.cites)}"


def _short_line(x: Prescription, block: Block) -> str:
    amount = x.reps if block.format == "circuit" or x.sets == 1 else f"{x.sets}×{x.reps}"
    return f"{x.name} {amount} {cites(x.cites)}"


def _weeks(plan: Plan, limit: int | None) -> str:
    lines = ["**Week by week**"]
    weeks = plan.weeks
    shown = weeks if limit is None or len(weeks) <= limit else [*weeks[: limit - 1], weeks[-1]]
    for week in shown:
        if limit is not None and week is weeks[-1] and len(shown) < len(weeks):
            lines.append(f"- weeks {shown[-2].number + 1}–{week.number - 1}: same pattern")
        lines.append(_week_line(week))
    return "\n".join(lines)


def _week_line(week: Week) -> str:
    parts = [f"- **W{week.number}** {week.phase}" + (" (deload)" if week.deload else "")]
    if week.sessions:
        days = ", ".join(f"{s.day.capitalize()} {s.label}" for s in week.sessions)
        parts.append(days)
        main = next((b.exercises[0] for b in week.sessions[0].blocks if b.kind == "main"), None)
        if main is not None:
            # The week line names no lift, so "each side" would wrongly cover bilateral ones.
            reps = main.reps.removesuffix(" each side")
            parts.append(f"main {main.sets}×{reps} @ RPE {main.rpe:g}")
        rounds = max((b.rounds or 0) for s in week.sessions for b in s.blocks)
        parts.append(f"circuits ×{rounds}")
        if any(s.tests for s in week.sessions):
            parts.append("baseline tests")
        strides = [s.day.capitalize() for s in week.sessions if s.strides]
        if strides:
            parts.append(f"strides after {', '.join(strides)}")
    parts += week.notes if not week.sessions or week.race_week else []
    return " · ".join(parts) + f" {cites(week.cites)}"


def minutes_text(minutes: float) -> str:
    """Whole minutes for people ("≈2 min"), never "≈2.2 min"; at least 1."""
    return f"{max(1, round(minutes))} min"


def _sources(plan: Plan, only: set[int] | None = None) -> str:
    return "**Sources**\n" + "\n".join(
        f"[{ref.n}] {ref.title} › {ref.heading} — {ref.source}"
        for ref in plan.sources
        if only is None or ref.n in only
    )
