from __future__ import annotations

import pytest

from answering.models import Answer, Citation
from bot.discord_bot.render import (
    ABSTAINED_COLOR,
    COLORS,
    render_embeds,
    render_messages,
    source_fields,
)
from bot.replies import Attachment, Reply, ReplyField, SourceLine, answer_reply
from bot.text_limits import (
    EMBED_DESCRIPTION,
    EMBED_FIELDS,
    EMBED_TITLE,
    EMBED_TOTAL,
    EMBEDS_PER_MESSAGE,
    FIELD_NAME,
    FIELD_VALUE,
)


def _check_limits(reply: Reply) -> list:
    messages = render_messages(reply)
    for message in messages:
        assert 1 <= len(message.embeds) <= EMBEDS_PER_MESSAGE
        assert sum(len(e) for e in message.embeds) <= EMBED_TOTAL
        for embed in message.embeds:
            assert len(embed.title or "") <= EMBED_TITLE
            assert len(embed.description or "") <= EMBED_DESCRIPTION
            assert len(embed.fields) <= EMBED_FIELDS
            for f in embed.fields:
                assert 0 < len(f.name) <= FIELD_NAME
                assert 0 < len(f.value) <= FIELD_VALUE
    return messages


@pytest.mark.parametrize(
    "reply",
    [
        Reply(kind="answer", title="t" * 400, body="word " * 3000),
        Reply(
            kind="plan",
            title="Plan",
            body="\n\n".join(f"Week {i}\n" + "x " * 400 for i in range(30)),
        ),
        Reply(
            kind="gaps",
            title="Gaps",
            fields=[ReplyField(name="n" * 300, value="v " * 900) for _ in range(40)],
        ),
        Reply(
            kind="answer",
            title="Many sources",
            body="b",
            sources=[
                SourceLine(n=i, title="Title " * 20, heading="Heading " * 20, source=f"file-{i}.md")
                for i in range(1, 60)
            ],
        ),
        Reply(kind="notice", title="", body=""),
    ],
    ids=["long-body", "long-plan", "many-fields", "many-sources", "empty"],
)
def test_every_reply_fits_discord_limits(reply: Reply) -> None:
    _check_limits(reply)


def test_nothing_is_lost_when_a_body_is_split() -> None:
    body = " ".join(f"w{i}" for i in range(3000))
    embeds = [
        e for m in render_messages(Reply(kind="answer", title="T", body=body)) for e in m.embeds
    ]
    joined = " ".join((e.description or "") for e in embeds)
    assert joined.split() == body.split()
    assert embeds[0].title == "T"
    assert all(e.title is None for e in embeds[1:])


def test_sources_are_numbered_title_heading_file() -> None:
    answer = Answer(
        question="How often?",
        answer="Twice a week [1], heavy [2].",
        citations=[
            Citation(
                n=1, chunk_id="a", source="freq.md", title="Frequency", heading="Weekly", quote="q"
            ),
            Citation(n=2, chunk_id="b", source="loads.md", title="Loads", heading="", quote="q"),
        ],
        abstained=False,
    )
    (embed,) = render_embeds(answer_reply(answer))
    sources = [f for f in embed.fields if f.name == "Sources"]
    assert sources[0].value.splitlines() == [
        "`[1]` Frequency › Weekly › freq.md",
        "`[2]` Loads › loads.md",
    ]
    assert embed.color.value == COLORS["answer"]
    assert embed.footer.text


def test_abstained_answer_suggests_covered_topics_in_amber() -> None:
    answer = Answer(
        question="Quantum?",
        answer="Not covered.",
        citations=[],
        abstained=True,
        suggestions=["Calf raises", "Warm-ups"],
    )
    (embed,) = render_embeds(answer_reply(answer), abstained=True)
    assert embed.color.value == ABSTAINED_COLOR
    topics = next(f for f in embed.fields if "cover" in f.name)
    assert "Calf raises" in topics.value and "Warm-ups" in topics.value
    assert not [f for f in embed.fields if f.name == "Sources"]


def test_source_lines_pack_into_few_fields() -> None:
    reply = Reply(
        kind="answer",
        title="t",
        sources=[SourceLine(n=i, title="T", source=f"f{i}.md") for i in range(1, 80)],
    )
    fields = source_fields(reply)
    assert fields[0].name == "Sources" and fields[1].name == "Sources (cont.)"
    assert sum(len(f.value.splitlines()) for f in fields) == 79


def test_attachments_ride_on_the_last_message() -> None:
    reply = Reply(
        kind="plan",
        title="Plan",
        body="x " * 5000,
        attachments=[Attachment(filename="plan.ics", data=b"BEGIN:VCALENDAR")],
    )
    messages = render_messages(reply)
    assert len(messages) > 1
    assert [m.files for m in messages[:-1]] == [[] for _ in messages[:-1]]
    assert messages[-1].files == [("plan.ics", b"BEGIN:VCALENDAR")]
    assert messages[-1].discord_files()[0].filename == "plan.ics"
