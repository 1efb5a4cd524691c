"""The training-log store: entries kept once (idempotent), across restarts, under 50 concurrent
writers, migrated up its schema ladder, exported and deleted per member, and a damaged file
reported in words a coach can act on while the bot's other store keeps working."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.feedback_store import FeedbackStore
from bot.training_log_store import (
    LOG_FILE,
    MIGRATIONS,
    SCHEMA_VERSION,
    LogStoreDamagedError,
    TrainingLogStore,
    open_log_store,
)
from planner.training_log import SessionLog

DAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def entry(member: str = "m1", week: int = 1, session: int = 1, **fields: object) -> SessionLog:
    values: dict[str, object] = {
        "member": member, "plan_id": "plan-1", "week": week, "session": session, "day": "mon",
        "date": DAY + timedelta(weeks=week - 1, days=2 * (session - 1)), "status": "done",
        "exercises": [{"exercise_id": "goblet-squat", "load": 20, "unit": "kg", "sets": 3,
                       "reps": 8, "rpe": 7}],
    }  # fmt: skip
    return SessionLog.parse(**{**values, **fields})


@pytest.fixture
def store(tmp_path: Path) -> TrainingLogStore:
    return open_log_store(tmp_path)


def test_an_entry_is_kept_once_and_a_relog_replaces_it(store: TrainingLogStore) -> None:
    assert store.add(entry(), now=NOW) is True
    assert store.add(entry(), now=NOW) is False  # the same submit again: stored once
    assert store.add(entry(status="partly"), now=NOW) is False  # re-logged: replaced
    log = store.log("m1")
    assert [e.status for e in log.entries] == ["partly"] and store.count() == 1
    assert log.entries[0].logged_at == NOW


def test_the_log_survives_a_restart(tmp_path: Path) -> None:
    store = open_log_store(tmp_path)
    store.add(entry(), now=NOW)
    store.add(entry(week=2), now=NOW)
    store.set_sharing("m1", True)
    store.close()
    again = open_log_store(tmp_path)
    assert [e.week for e in again.log("m1").entries] == [1, 2]
    assert again.sharing("m1") and again.sharing_members() == ["m1"]


def test_export_and_delete_touch_only_that_member(store: TrainingLogStore) -> None:
    store.add(entry("m1"), now=NOW)
    store.add(entry("m1", week=2, note="legs heavy"), now=NOW)
    store.add(entry("m2"), now=NOW)
    store.set_sharing("m1", True)
    exported = json.loads(store.export_json("m1"))
    assert exported["member"] == "m1" and exported["share_with_coaches"] is True
    assert [e["week"] for e in exported["entries"]] == [1, 2]
    assert exported["entries"][1]["note"] == "legs heavy"
    assert store.delete("m1") == 2
    assert store.log("m1").entries == () and not store.sharing("m1")
    assert store.members() == ["m2"] and store.count("m2") == 1


def test_fifty_members_logging_at_once_are_each_stored_once(tmp_path: Path) -> None:
    # Two stores on one file: the bot and a `coach log` next to it (two connections).
    stores = [open_log_store(tmp_path), open_log_store(tmp_path)]
    start = threading.Barrier(50)
    errors: list[BaseException] = []

    def member(i: int) -> None:
        try:
            start.wait()
            store = stores[i % 2]
            for week in (1, 2):
                store.add(entry(f"m{i}", week=week), now=NOW)
            store.add(entry(f"m{i}", week=2), now=NOW)  # a retried submit
            stores[(i + 1) % 2].add(entry(f"m{i}", week=1), now=NOW)  # doubled elsewhere
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=member, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert stores[0].count() == 100
    for i in range(50):
        assert [e.week for e in stores[1].log(f"m{i}").entries] == [1, 2]


def test_an_old_schema_is_migrated_and_its_entries_kept(tmp_path: Path) -> None:
    path = tmp_path / LOG_FILE
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    old = entry()
    db.execute(
        "INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (old.entry_id, "m1", "plan-1", 1, 1, "mon", "done", old.model_dump_json(), NOW.isoformat()),
    )
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    store = TrainingLogStore(path)
    assert store._rows("PRAGMA user_version")[0][0] == SCHEMA_VERSION
    assert store._rows("SELECT date FROM entries")[0][0] == old.date.isoformat()
    assert [e.entry_id for e in store.log("m1").entries] == [old.entry_id]


def test_a_newer_schema_is_refused_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / LOG_FILE
    open_log_store(tmp_path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(LogStoreDamagedError, match="newer Club Coach"):
        open_log_store(tmp_path)


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(b"this is not a database" * 200),
        lambda path: path.write_bytes(path.read_bytes()[:100] + b"\0" * 50),
        lambda path: path.write_bytes(
            path.read_bytes()[:4096] + bytes(b ^ 0x5A for b in path.read_bytes()[4096:])
        ),
    ],
    ids=["garbage", "truncated", "scrambled-pages"],
)
def test_a_damaged_log_is_reported_and_the_bot_store_keeps_working(tmp_path: Path, damage) -> None:
    store = open_log_store(tmp_path)
    for i in range(40):
        store.add(entry(f"m{i}", note="x" * 400), now=NOW)
    store.close()
    path = tmp_path / LOG_FILE
    for leftover in (tmp_path / f"{LOG_FILE}-wal", tmp_path / f"{LOG_FILE}-shm"):
        leftover.unlink(missing_ok=True)
    damage(path)
    with pytest.raises(LogStoreDamagedError) as caught:
        reopened = open_log_store(tmp_path)
        reopened.log("m1")  # damage found only when a page is read is reported the same way
    message = str(caught.value)
    assert str(path) in message and "damaged" in message and "everything else works" in message
    feedback = FeedbackStore(tmp_path / "bot.sqlite3")
    plan_id = feedback.save_plan('{"plan": 1}', user_id=1)
    record = feedback.plan(plan_id)
    assert record is not None and record.plan_json == '{"plan": 1}'
