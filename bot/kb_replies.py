"""Replies of the coaches' library (`/kb`, `coach kb`, the console's `/kb`): its results as
surface-neutral `Reply` objects, which each surface styles."""

from __future__ import annotations

from collections.abc import Sequence

from answering.sanitise import neutralize_mentions
from bot.replies import Reply, ReplyField
from library.admin import ChangeResult, FileSummary, Staged
from library.gap_digest import DigestGroup
from library.gaps import GapGroup
from library.history import Change
from library.lint import LintIssue
from library.plan_citations import CitationReport
from library.preview import Preview, describe_size
from retrieval.text import trim

PAGE_SIZE = 10
LIST_ITEMS = 15


def _bullets(items: Sequence[str], limit: int = LIST_ITEMS, chars: int = 200) -> str:
    shown = [f"• {trim(neutralize_mentions(item), chars)}" for item in items[:limit]]
    if len(items) > limit:
        shown.append(f"… and {len(items) - limit} more")
    return "\n".join(shown)


def outline_fields(preview: Preview) -> list[ReplyField]:
    """Title, headings, passages, clutter, skipped parts and overlaps of a parsed file."""
    how = " (recovered from plain text: check them)" if preview.headings_recovered else ""
    fields = [
        ReplyField(
            name=f"Headings ({len(preview.headings)}){how}",
            value=_bullets(preview.headings) or "none: the whole file is one passage",
        ),
        ReplyField(
            name="Passages",
            value=f"{preview.passages} passage(s) to index from {describe_size(preview.size)}",
        ),
    ]
    if preview.removed:
        removed = [f"{count} × {kind}" for kind, count in preview.removed.items()]
        fields.append(ReplyField(name="Clutter removed", value=_bullets(removed)))
    if preview.skipped:
        skipped = [f"{s.section or s.source}: {s.reason}" for s in preview.skipped]
        fields.append(ReplyField(name=f"Skipped ({len(skipped)})", value=_bullets(skipped)))
    if preview.overlaps:
        lines = [
            f"`{o.source}`: {o.passages} of {o.of} passages nearly repeat it"
            for o in preview.overlaps
        ]
        fields.append(ReplyField(name="⚠️ Overlaps existing articles", value=_bullets(lines)))
    return fields


def preview_reply(staged: Staged) -> Reply:
    preview = staged.preview
    notes = []
    if not preview.front_matter and preview.source.endswith((".md", ".markdown")):
        notes.append("No front matter: answers can't credit the original source.")
    if preview.replaces:
        notes.append(
            f"**Replaces** the current `{preview.source}` (kept in the history: undo restores it)."
        )
    body = "\n".join([f"**{neutralize_mentions(preview.title)}**", *notes])
    return Reply(
        kind="status",
        title=trim(f"Preview: {preview.source}", 200),
        body=body,
        fields=outline_fields(preview),
        footer="Add writes it into the knowledge base and indexes it; Cancel forgets it.",
        ephemeral=True,
    )


def outline_reply(preview: Preview) -> Reply:
    return Reply(
        kind="status",
        title=trim(f"{preview.source}", 200),
        body=f"**{neutralize_mentions(preview.title)}**",
        fields=outline_fields(preview),
        ephemeral=True,
    )


def citation_field(report: CitationReport) -> ReplyField | None:
    if not report.broken:
        return None
    return ReplyField(
        name=f"⚠️ Planner rules lost their heading ({len(report.broken)})",
        value=_bullets(report.lines(), limit=3, chars=330),
    )


def change_reply(result: ChangeResult, *, now_answered: Sequence[str] = ()) -> Reply:
    change = result.change
    source = f"`{change.source}`"
    if change.action == "remove":
        title, body = "Removed", f"Removed {source}. `/kb undo {change.id}` puts it back."
    elif change.action == "undo":
        title = "Undone"
        body = (
            f"Undid #{change.undoes}: {source} is back as it was "
            f"({result.passages} passage(s) live)."
            if change.after
            else f"Undid #{change.undoes}: {source} is gone again."
        )
    else:
        verb = "Replaced" if change.action == "replace" else "Added"
        title = verb
        topic = change.source.rsplit(".", 1)[0].replace("-", " ")
        body = (
            f"{verb} {source}: **{result.passages} passage(s) live**. "
            f"Members can see it with `/sources {trim(topic, 40)}`; "
            f"`/kb undo {change.id}` reverts this."
        )
    if result.skipped_reason:
        body += f"\n⚠️ The indexer skipped it: {result.skipped_reason}"
    fields = [f for f in [citation_field(result.citations)] if f]
    if now_answered:
        fields.append(
            ReplyField(
                name=f"Last week's unanswered questions it now answers ({len(now_answered)})",
                value=_bullets(now_answered, limit=8),
            )
        )
    return Reply(
        kind="notice",
        title=f"{title} · change #{change.id}",
        body=body,
        fields=fields,
        ephemeral=True,
    )


def list_reply(files: Sequence[FileSummary], page: int = 1) -> Reply:
    pages = max(1, -(-len(files) // PAGE_SIZE))
    page = min(max(1, page), pages)
    shown = files[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    lines = []
    for item in shown:
        last = item.last_change
        when = (
            f"#{last.id} {last.action} by {last.who}, {last.at:%Y-%m-%d}" if last else "no change"
        )
        lines.append(
            f"`{item.source}` · {item.passages} passage(s) · {when}\n"
            f"  {trim(neutralize_mentions(item.title), 90)}"
        )
    total = sum(f.passages for f in files)
    return Reply(
        kind="status",
        title=f"Knowledge base · page {page} of {pages}",
        body="\n".join(lines) or "No files indexed yet. Add one with `/kb add`.",
        footer=f"{len(files)} files · {total} passages"
        + (f" · next: `/kb list page:{page + 1}`" if page < pages else ""),
        ephemeral=True,
    )


def history_reply(changes: Sequence[Change], source: str | None = None) -> Reply:
    lines = [change.describe() for change in changes[:20]]
    more = len(changes) - 20
    return Reply(
        kind="status",
        title=f"History of {source}" if source else "Knowledge base history",
        body="\n".join(lines) or "No changes recorded yet.",
        footer=("Undo one with `/kb undo N` (CLI: `coach kb undo N`)." if lines else "")
        + (f" {more} older change(s) not shown." if more > 0 else ""),
        ephemeral=True,
    )


def lint_reply(issues: Sequence[LintIssue]) -> Reply:
    if not issues:
        return Reply(kind="status", title="Knowledge lint", body="Nothing to fix. 👍")
    by_kind: dict[str, list[LintIssue]] = {}
    for issue in issues:
        by_kind.setdefault(issue.kind, []).append(issue)
    fields = [
        ReplyField(
            name=f"{kind} ({len(items)})",
            value="\n".join(
                f"• `{i.source}`: {i.problem}\n  → {i.fix}" for i in items[:LIST_ITEMS]
            ),
        )
        for kind, items in by_kind.items()
    ]
    return Reply(
        kind="status",
        title="Knowledge lint",
        body=f"{len(issues)} finding(s), each with its fix.",
        fields=fields,
    )


def digest_replies(groups: Sequence[GapGroup], *, limit: int = 5) -> list[Reply]:
    """The weekly digest: a summary, then one message per topic (each gets a button)."""
    asked = sum(len(g.questions) for g in groups)
    if not groups:
        return [
            Reply(
                kind="gaps",
                title="Weekly knowledge gaps",
                body="No unanswered or 👎 questions this week. 🎉",
            )
        ]
    header = Reply(
        kind="gaps",
        title="Weekly knowledge gaps",
        body=f"{asked} question(s) in the last 7 days went unanswered or got a 👎, in "
        f"{len(groups)} topic(s). Press **Write the article** under a topic to open a thread, "
        "then run `/kb add` there with the file or a link: it goes through the usual preview.",
        footer=f"{len(groups) - limit} smaller topic(s) not shown; see `/kb gaps`"
        if len(groups) > limit
        else "",
    )
    out = [header]
    for group in groups[:limit]:
        examples = [
            q.question + (f" — “{trim(q.reasons[0], 120)}”" if q.reasons else "")
            for q in group.questions
        ]
        out.append(
            Reply(
                kind="gaps",
                title=trim(group.label, 200),
                body=f"{len(group.questions)} asked · {group.abstained} unanswered · "
                f"{group.downvotes} 👎\n" + _bullets(list(dict.fromkeys(examples)), limit=5),
            )
        )
    return out


def thread_intro(group: DigestGroup) -> str:
    questions = _bullets(group.questions, limit=5)
    return (
        f"Let's fill the gap **{neutralize_mentions(group.label)}**. A coach can run `/kb add` "
        "here with the article attached (or `url:` for a web page): you'll see a preview first, "
        f"then Add or Cancel. Questions it should answer:\n{questions}"
    )


def now_answered_text(source: str, questions: Sequence[str]) -> str:
    if not questions:
        return f"`{source}` was added; none of last week's unanswered questions is answered yet."
    return (
        f"`{source}` was added. Last week's unanswered questions that now get an answer:\n"
        + _bullets(questions, limit=8)
    )


def citations_alert(report: CitationReport) -> Reply:
    """For the review channel when an article edit broke (or mended) planner citations."""
    if not report.broken:
        return Reply(
            kind="notice",
            title="Planner citations mended",
            body="Every planner rule finds its cited heading again.",
        )
    return Reply(
        kind="gaps",
        title="Planner rules lost their heading",
        body="An article edit removed or renamed headings the planner cites. `/plan` keeps "
        "working with the last good passages; fix each rule:",
        fields=[f for f in [citation_field(report)] if f],
    )
