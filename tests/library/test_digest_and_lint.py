"""The digest's weekly slot, near-duplicate detection and lint findings (pure parts)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from library.gap_digest import DigestSlot, digest_due, last_slot, parse_digest_slot
from library.lint import lint_knowledge

MONDAY = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(
    ("text", "slot"),
    [
        ("mon 08:00", DigestSlot(weekday=0, hour=8, minute=0)),
        ("Friday 17:30", DigestSlot(weekday=4, hour=17, minute=30)),
        ("off", None),
    ],
)
def test_digest_slots(text: str, slot: DigestSlot | None) -> None:
    assert parse_digest_slot(text) == slot


@pytest.mark.parametrize("text", ["someday", "mon 25:00", "mon 8", "xyz 08:00"])
def test_bad_digest_slots_say_what_to_write(text: str) -> None:
    with pytest.raises(ValueError, match=r"mon 08:00|between 00:00"):
        parse_digest_slot(text)


@pytest.mark.parametrize(
    ("now", "last_posted", "due"),
    [
        (MONDAY.replace(hour=9), MONDAY.replace(day=4), True),  # Monday 09:00, last on Sunday
        (MONDAY.replace(hour=9), MONDAY.replace(hour=8, minute=5), False),  # already posted
        (MONDAY.replace(hour=7), MONDAY.replace(day=1), False),  # before this week's slot
        (MONDAY.replace(day=8), MONDAY.replace(day=2), True),  # Thursday, last week's missed
    ],
)
def test_digest_is_due_once_a_week(now: datetime, last_posted: datetime, due: bool) -> None:
    slot = DigestSlot(weekday=0, hour=8, minute=0)
    assert digest_due(slot, now, last_posted) is due
    assert last_slot(slot, now) <= now


def test_lint_finds_duplicates_missing_front_matter_and_short_sections(tmp_path: Path) -> None:
    shared = (
        "Calf raises on a step, three sets of fifteen slow repetitions, build the lower leg "
        "strength that runners need for hills and for the last miles of a long run.\n"
    )
    (tmp_path / "calves.md").write_text(
        f"---\ntitle: Calves\n---\n\n# Calves\n\n## Calf raises\n\n{shared}", encoding="utf-8"
    )
    (tmp_path / "copy.md").write_text(
        f"# Copy\n\n## Raises for calves\n\n{shared}\n## Tiny\n\nToo short.\n", encoding="utf-8"
    )
    issues = lint_knowledge(tmp_path)
    found = {(i.kind, i.source) for i in issues}
    assert ("front matter", "copy.md") in found and ("front matter", "calves.md") not in found
    assert ("too short", "copy.md") in found
    duplicates = [i for i in issues if i.kind == "near duplicate"]
    assert len(duplicates) == 1 and "Calf raises" in duplicates[0].problem + duplicates[0].source
    # The planner rules cite the bundled guides, none of which is in this folder.
    assert any(i.kind == "planner citation" for i in issues)
