from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from answering.config import MAX_QUESTION_CHARS
from answering.models import Answer
from answering.sanitise import ZWSP
from bot import replies
from bot.replies import InputError
from library.gaps import GapGroup, GapQuestion
from retrieval.ingest.indexer import IndexReport
from retrieval.inventory import IndexStatus, SourceInfo
from retrieval.models import Skipped

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("  how   often  ", "how often"), ("squats?", "squats?"), ("x" * 500, "x" * 500)],
)
def test_clean_question(text: str, expected: str) -> None:
    assert replies.clean_question(text) == expected


@pytest.mark.parametrize("text", ["", "  ", "hi"])
def test_clean_question_refuses_empty_input(text: str) -> None:
    with pytest.raises(InputError, match="/ask"):
        replies.clean_question(text)


def test_clean_question_refuses_an_essay_and_says_the_limit() -> None:
    with pytest.raises(InputError, match=f"keep it under {MAX_QUESTION_CHARS}"):
        replies.clean_question("x" * (MAX_QUESTION_CHARS + 1))


def test_discord_ask_option_has_the_same_limit() -> None:
    from bot.discord_bot.cogs.ask import AskCog

    (question,) = AskCog.ask_command.parameters
    assert question.max_value == MAX_QUESTION_CHARS


def test_answer_reply_never_echoes_a_ping() -> None:
    answer = Answer(
        question="@everyone <@123> squats?", answer="Ask @here [1]", citations=[], abstained=False
    )
    reply = replies.answer_reply(answer)
    assert "@everyone" not in reply.title and f"@{ZWSP}everyone" in reply.title
    assert "<@123>" not in reply.title
    assert "@here" not in reply.body


def test_sources_reply_lists_files_and_origins() -> None:
    items = [
        SourceInfo(
            source="calves.md", title="Calves", origin="Coach Ann", tags=["calves"], chunks=1
        )
    ]
    reply = replies.sources_reply(items, None)
    assert "**Calves** — `calves.md` (1 passage · calves) · from Coach Ann" in reply.body
    assert reply.footer == "1 guide"


@pytest.mark.parametrize(("topic", "hint"), [("yoga", "without a topic"), (None, "empty")])
def test_sources_reply_explains_an_empty_list(topic: str | None, hint: str) -> None:
    assert hint in replies.sources_reply([], topic).body


@pytest.mark.parametrize(
    ("built_at", "age"),
    [
        (None, "never built"),
        (NOW - timedelta(minutes=5), "built 5 minutes ago"),
        (NOW - timedelta(days=1, hours=2), "built 1 day ago"),
        (NOW, "built 0 seconds ago"),
    ],
)
def test_status_reply_shows_age_and_skipped(built_at: datetime | None, age: str) -> None:
    status = IndexStatus(
        knowledge_dir="knowledge",
        built_at=built_at,
        files=3,
        chunks=12,
        skipped=[Skipped(source="bad.pdf", reason="encrypted PDF")],
        collection="c",
        store="embedded",
    )
    reply = replies.status_reply(status, now=NOW)
    index = reply.fields[0].value
    assert age in index and "3 files · 12 passages" in index
    assert reply.fields[-1].name == "Skipped (1)"
    assert "`bad.pdf`: encrypted PDF" in reply.fields[-1].value
    assert reply.ephemeral


def test_report_text_lists_changes() -> None:
    report = IndexReport(
        files=3,
        chunks=12,
        embedded=2,
        reused=10,
        added=["new.md"],
        removed=["old.md"],
        seconds=1.26,
        collection="c",
        switched=True,
    )
    text = replies.report_text(report)
    assert "Indexed 3 files, 12 passages (2 embedded, 10 reused) in 1.3 s." in text
    assert "Added: `new.md`" in text and "Removed: `old.md`" in text
    unchanged = report.model_copy(update={"switched": False})
    assert replies.report_text(unchanged).startswith("Up to date: 3 files, 12 passages")


def test_gaps_reply_groups_with_counts_and_reasons() -> None:
    q = GapQuestion(question="yoga for runners?", abstained=True, asked_at=NOW)
    bad = GapQuestion(
        question="yoga twice a week?",
        abstained=False,
        downvotes=2,
        reasons=["no sets given"],
        asked_at=NOW,
    )
    reply = replies.gaps_reply([GapGroup(label="yoga", questions=[q, bad])])
    (field,) = reply.fields
    assert field.name == "yoga (2 asked · 1 unanswered · 2 👎)"
    assert "“no sets given”" in field.value
    assert "No abstained" in replies.gaps_reply([]).body


@pytest.mark.parametrize("discord", [True, False])
def test_help_mentions_every_command(discord: bool) -> None:
    text = " ".join(f.value for f in replies.help_reply(discord=discord).fields)
    for command in ("/ask", "/plan", "/sources", "/log", "/progress", "/why"):
        assert command in text
    assert ("/kb" in text) and (("mention" in text) or not discord)


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        ("", ["knee", "lunges", "lower-back"]),
        ("lu", ["lunges"]),
        ("knee, lo", ["knee, lower-back"]),
        ("knee, ", ["knee, lunges", "knee, lower-back"]),
        ("back", ["lower-back"]),
        ("yoga", []),
    ],
)
def test_complete_list(current: str, expected: list[str]) -> None:
    assert replies.complete_list(current, ["knee", "lunges", "lower-back"]) == expected


def test_topic_choices() -> None:
    items = [
        SourceInfo(source="a.md", title="A", origin="", tags=["Calves", "shins"], chunks=1),
        SourceInfo(source="b.md", title="B", origin="", tags=["calves"], chunks=1),
    ]
    assert replies.topic_choices(items, "ca") == ["calves"]
    assert replies.topic_choices(items, "") == ["calves", "shins"]
