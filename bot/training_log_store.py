"""The members' training logs in SQLite: one file beside the bot's feedback database.

Safe under concurrent writes (WAL, one connection behind a lock, a busy timeout for other
processes such as `coach log` next to the bot): every entry is keyed by its idempotency key
(`SessionLog.entry_id`), so a retried or doubled submit is stored once, and re-logging a session
replaces its entry. The schema is migrated up a `PRAGMA user_version` ladder. A damaged file is
reported as `LogStoreDamagedError` with what to do; nothing else in the bot depends on it.
"""

from __future__ import annotations

import getpass
import json
import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.sqlite_file import connect
from planner.models import Plan
from planner.training_log import SessionLog, TrainingLog
from retrieval.errors import CoachError

log = logging.getLogger(__name__)


def default_member() -> str:
    """Whose log the CLI and console use when no --member is given: the OS user name."""
    try:
        return getpass.getuser() or "me"
    except (OSError, KeyError):  # no user name in a bare container
        return "me"


LOG_FILE = "training_log.sqlite3"
EXPORT_FORMAT = 1

# Migration n takes the file from user_version n to n + 1; append, never edit a shipped step.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE entries (
        entry_id TEXT PRIMARY KEY,
        member TEXT NOT NULL,
        plan_id TEXT NOT NULL,
        week INTEGER NOT NULL,
        session INTEGER NOT NULL,
        day TEXT NOT NULL,
        status TEXT NOT NULL,
        entry TEXT NOT NULL,
        logged_at TEXT NOT NULL
    );
    CREATE INDEX entries_member ON entries (member, plan_id, week, session);
    """,
    """
    ALTER TABLE entries ADD COLUMN date TEXT NOT NULL DEFAULT '';
    UPDATE entries SET date = json_extract(entry, '$.date');
    CREATE INDEX entries_member_date ON entries (member, date);
    CREATE TABLE members (
        member TEXT PRIMARY KEY,
        share_with_coaches INTEGER NOT NULL DEFAULT 0,
        plan TEXT,
        updated_at TEXT NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class LogStoreDamagedError(CoachError):
    """The training-log database cannot be read; the message says where it is and what to do."""


def _now() -> datetime:
    return datetime.now(UTC)


class TrainingLogStore:
    """One SQLite file of every member's log; call it from any thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            self._db = connect(path)
            # WAL + NORMAL: a commit survives the process dying (kill -9, a crash); only a power
            # cut may lose the last few, and the file is never left damaged. FULL fsyncs every
            # log entry, which capped writes at a few hundred a second.
            self._db.execute("PRAGMA synchronous=NORMAL")
            check = self._db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(check)
            self._migrate()
        except sqlite3.DatabaseError as err:
            raise LogStoreDamagedError(damaged_message(path, err)) from None

    def _migrate(self) -> None:
        with self._tx() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise LogStoreDamagedError(
                    f"the training log {self.path} was written by a newer Club Coach (schema "
                    f"{version}, this one knows {SCHEMA_VERSION}); upgrade Club Coach to read it"
                )
            for step in range(version, SCHEMA_VERSION):
                log.info("training log: migrating schema %d -> %d", step, step + 1)
                for statement in _statements(MIGRATIONS[step]):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {step + 1}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._damage():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _rows(self, sql: str, args: Sequence[object] = ()) -> list[sqlite3.Row]:
        with self._lock, self._damage():
            return self._db.execute(sql, args).fetchall()

    @contextmanager
    def _damage(self) -> Iterator[None]:
        """A file damaged while open is reported like one damaged at start; a busy or locked
        database (OperationalError) is not damage and passes through."""
        try:
            yield
        except sqlite3.OperationalError:
            raise
        except sqlite3.DatabaseError as err:
            if isinstance(err, sqlite3.IntegrityError):
                raise
            log.error("training log %s is damaged: %s", self.path, err)
            raise LogStoreDamagedError(damaged_message(self.path, err)) from None

    # -- entries -----------------------------------------------------------------------------
    def add(self, entry: SessionLog, *, now: datetime | None = None) -> bool:
        """Store one entry; True if new, False if it replaced the same session's earlier entry."""
        stamped = entry.model_copy(update={"logged_at": entry.logged_at or now or _now()})
        with self._tx() as db:
            existed = db.execute(
                "SELECT 1 FROM entries WHERE entry_id = ?", (entry.entry_id,)
            ).fetchone()
            db.execute(
                "INSERT INTO entries (entry_id, member, plan_id, week, session, day, status, "
                "entry, logged_at, date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (entry_id) DO UPDATE SET status = excluded.status, "
                "day = excluded.day, entry = excluded.entry, logged_at = excluded.logged_at, "
                "date = excluded.date",
                (stamped.entry_id, stamped.member, stamped.plan_id, stamped.week,
                 stamped.session, stamped.day, stamped.status, stamped.model_dump_json(),
                 stamped.logged_at.isoformat(), stamped.date.isoformat()),  # type: ignore[union-attr]
            )  # fmt: skip
        return existed is None

    def log(self, member: str, plan_id: str | None = None) -> TrainingLog:
        """The member's log (one plan's entries when `plan_id` is given), oldest first."""
        sql = "SELECT entry FROM entries WHERE member = ?"
        args: list[object] = [member]
        if plan_id is not None:
            sql += " AND plan_id = ?"
            args.append(plan_id)
        rows = self._rows(sql + " ORDER BY date, week, session, entry_id", args)
        return TrainingLog.of(member, (SessionLog.model_validate_json(r["entry"]) for r in rows))

    def count(self, member: str | None = None) -> int:
        if member is None:
            return int(self._rows("SELECT COUNT(*) FROM entries")[0][0])
        return int(self._rows("SELECT COUNT(*) FROM entries WHERE member = ?", (member,))[0][0])

    def members(self) -> list[str]:
        """Every member with an entry or a setting, sorted."""
        rows = self._rows(
            "SELECT member FROM entries UNION SELECT member FROM members ORDER BY member"
        )
        return [row["member"] for row in rows]

    # -- the member's plan and sharing -------------------------------------------------------
    def _upsert_member(self, member: str, column: str, value: object) -> None:
        with self._tx() as db:
            db.execute(
                f"INSERT INTO members (member, {column}, updated_at) VALUES (?, ?, ?) "
                f"ON CONFLICT (member) DO UPDATE SET {column} = excluded.{column}, "
                "updated_at = excluded.updated_at",
                (member, value, _now().isoformat()),
            )

    def save_plan(self, member: str, plan: Plan) -> None:
        """The plan the member logs against (as made or swapped, not adapted)."""
        self._upsert_member(member, "plan", plan.model_dump_json())

    def plan(self, member: str) -> Plan | None:
        rows = self._rows("SELECT plan FROM members WHERE member = ?", (member,))
        if not rows or rows[0]["plan"] is None:
            return None
        return Plan.model_validate_json(rows[0]["plan"])

    def set_sharing(self, member: str, share: bool) -> None:
        """Opt in (or out) of the coaches' weekly fatigue and niggle summary."""
        self._upsert_member(member, "share_with_coaches", int(share))

    def sharing(self, member: str) -> bool:
        rows = self._rows("SELECT share_with_coaches FROM members WHERE member = ?", (member,))
        return bool(rows and rows[0]["share_with_coaches"])

    def sharing_members(self) -> list[str]:
        rows = self._rows("SELECT member FROM members WHERE share_with_coaches = 1 ORDER BY member")
        return [row["member"] for row in rows]

    # -- a member's own data -----------------------------------------------------------------
    def export(self, member: str) -> dict[str, Any]:
        """Everything stored about the member, as JSON-ready data."""
        plan = self.plan(member)
        return {
            "format": EXPORT_FORMAT,
            "member": member,
            "share_with_coaches": self.sharing(member),
            "plan": None if plan is None else plan.model_dump(mode="json"),
            "entries": [e.model_dump(mode="json") for e in self.log(member).entries],
        }

    def export_json(self, member: str) -> str:
        return json.dumps(self.export(member), indent=2, ensure_ascii=False)

    def delete(self, member: str) -> int:
        """Delete the member's entries, plan and sharing choice; the number of entries deleted."""
        with self._tx() as db:
            deleted = db.execute("DELETE FROM entries WHERE member = ?", (member,)).rowcount
            db.execute("DELETE FROM members WHERE member = ?", (member,))
        return int(deleted)


def _statements(script: str) -> list[str]:
    return [part.strip() for part in script.split(";") if part.strip()]


def damaged_message(path: Path, err: Exception) -> str:
    return (
        f"The training log database {path} is damaged ({err}). Logging, progress and the coaches' "
        "summary are off until it is fixed; everything else works. Restore it from a backup, or "
        "move it aside (it is not deleted) and a new, empty log starts."
    )


def open_log_store(data_dir: Path) -> TrainingLogStore:
    """The store in the data dir; LogStoreDamagedError (a readable message) if it is damaged."""
    return TrainingLogStore(data_dir / LOG_FILE)
