"""The gap report: questions the guides served badly, grouped by topic for coaches (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from library.gaps import GapQuestion, group_gaps

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def test_group_gaps_clusters_by_shared_keywords() -> None:
    def q(text: str, downvotes: int = 0) -> GapQuestion:
        return GapQuestion(
            question=text, abstained=not downvotes, downvotes=downvotes, asked_at=NOW
        )

    groups = group_gaps(
        [
            q("Is yoga good for runners?"),
            q("How often should I do yoga?"),
            q("yoga stretches after running", downvotes=1),
            q("What about swimming as cross-training?"),
            q("Does swimming help runners?"),
            q("Best shoes for trails?"),
        ]
    )
    labels = [g.label.split(", ")[0] for g in groups]
    assert labels[:2] == ["yoga", "swimming"]
    assert [len(g.questions) for g in groups] == [3, 2, 1]
    assert groups[0].downvotes == 1 and groups[0].abstained == 2
