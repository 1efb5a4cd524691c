"""The bot's SQLite store: answers sent, 👍/👎 feedback, 👎 reason prompts, threads and plans.

Buttons outlive the process, so everything a button refers to (an answer, a plan) is
stored when the message is sent and looked up again by id when the button is pressed.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from answering.models import Answer, Turn
from bot.sqlite_file import connect
from library.gaps import GapQuestion

Vote = Literal[1, -1]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    user_id INTEGER,
    channel_id INTEGER,
    message_id INTEGER,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    chunk_ids TEXT NOT NULL,
    abstained INTEGER NOT NULL,
    mode TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS answers_channel ON answers (channel_id, created_at);
CREATE TABLE IF NOT EXISTS feedback (
    answer_id TEXT NOT NULL REFERENCES answers (id),
    user_id INTEGER NOT NULL,
    vote INTEGER NOT NULL,
    reason TEXT,
    created_at TEXT NOT NULL,
    review_message_id INTEGER,
    PRIMARY KEY (answer_id, user_id)
);
-- The reason form a 👎 opened, so a reason lost to a restart can be asked for again once.
-- state: pending -> reasking (claimed by a sweep) -> reasked | refused (DM 403) | failed;
-- answered once a reason (or an empty form) arrives.
CREATE TABLE IF NOT EXISTS reason_prompts (
    answer_id TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    channel_id INTEGER,
    guild_id INTEGER,
    token TEXT,
    prompted_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    interrupted INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    reasked_via TEXT,
    reasked_at TEXT,
    reask_channel_id INTEGER,
    reask_message_id INTEGER,
    PRIMARY KEY (answer_id, user_id)
);
CREATE INDEX IF NOT EXISTS reason_prompts_state ON reason_prompts (state, prompted_at);
CREATE TABLE IF NOT EXISTS threads (
    thread_id INTEGER PRIMARY KEY,
    answer_id TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS plans (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    user_id INTEGER,
    plan TEXT NOT NULL
);
"""


class AnswerRecord(BaseModel):
    id: str
    created_at: datetime
    user_id: int | None
    channel_id: int | None
    message_id: int | None
    question: str
    answer: str
    chunk_ids: list[str]
    abstained: bool
    mode: str


class FeedbackRecord(BaseModel):
    answer_id: str
    user_id: int
    vote: int
    reason: str | None
    created_at: datetime
    review_message_id: int | None = None


PromptState = Literal["pending", "reasking", "reasked", "refused", "failed", "answered"]


class ReasonPrompt(BaseModel):
    """The 👎 reason form shown to one member for one answer, and what became of it."""

    answer_id: str
    user_id: int
    channel_id: int | None
    guild_id: int | None
    token: str | None
    prompted_at: datetime
    state: PromptState
    interrupted: bool = False
    attempts: int = 0
    reasked_via: str | None = None
    reasked_at: datetime | None = None
    reask_channel_id: int | None = None
    reask_message_id: int | None = None
    question: str = ""  # the answer's question, for the re-ask message


class PlanRecord(BaseModel):
    id: str
    user_id: int | None
    plan_json: str


def _now() -> datetime:
    return datetime.now(UTC)


class FeedbackStore:
    """One SQLite file under the data dir; safe to call from worker threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = connect(path)
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _rows(self, sql: str, args: Sequence[object] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # -- answers ---------------------------------------------------------------------------------

    def record_answer(
        self,
        answer: Answer,
        *,
        user_id: int | None = None,
        channel_id: int | None = None,
        now: datetime | None = None,
    ) -> str:
        """Store an answer about to be sent; the returned id goes into its buttons."""
        answer_id = uuid.uuid4().hex[:16]
        chunk_ids = json.dumps([c.chunk_id for c in answer.citations])
        with self._tx() as db:
            db.execute(
                "INSERT INTO answers VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?)",
                (
                    answer_id,
                    (now or _now()).isoformat(),
                    user_id,
                    channel_id,
                    answer.question,
                    answer.answer,
                    chunk_ids,
                    int(answer.abstained),
                    answer.mode,
                ),
            )
        return answer_id

    def set_message(self, answer_id: str, message_id: int, channel_id: int | None = None) -> None:
        """Remember where the answer landed (its channel may be a thread started for it)."""
        with self._tx() as db:
            db.execute(
                "UPDATE answers SET message_id = ?, channel_id = COALESCE(?, channel_id) "
                "WHERE id = ?",
                (message_id, channel_id, answer_id),
            )

    def answer(self, answer_id: str) -> AnswerRecord | None:
        rows = self._rows("SELECT * FROM answers WHERE id = ?", (answer_id,))
        return _answer(rows[0]) if rows else None

    # -- feedback --------------------------------------------------------------------------------

    def record_vote(
        self, answer_id: str, user_id: int, vote: Vote, *, now: datetime | None = None
    ) -> FeedbackRecord:
        """One vote per person per answer; voting again replaces the earlier vote."""
        if self.answer(answer_id) is None:
            raise KeyError(answer_id)
        with self._tx() as db:
            db.execute(
                "INSERT INTO feedback (answer_id, user_id, vote, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (answer_id, user_id) DO UPDATE SET vote = excluded.vote, "
                "created_at = excluded.created_at, "
                "reason = CASE WHEN excluded.vote = feedback.vote THEN feedback.reason END",
                (answer_id, user_id, vote, (now or _now()).isoformat()),
            )
        record = self.feedback(answer_id, user_id)
        assert record is not None
        return record

    def set_reason(self, answer_id: str, user_id: int, reason: str) -> FeedbackRecord | None:
        """Store the reason (blank: none) and close the member's reason prompt for the answer."""
        with self._tx() as db:
            db.execute(
                "UPDATE feedback SET reason = ? WHERE answer_id = ? AND user_id = ?",
                (reason.strip() or None, answer_id, user_id),
            )
            # The token is only good for re-asking; a closed prompt keeps no credential.
            db.execute(
                "UPDATE reason_prompts SET state = 'answered', token = NULL "
                "WHERE answer_id = ? AND user_id = ?",
                (answer_id, user_id),
            )
        return self.feedback(answer_id, user_id)

    def set_review_message(self, answer_id: str, user_id: int, message_id: int) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE feedback SET review_message_id = ? WHERE answer_id = ? AND user_id = ?",
                (message_id, answer_id, user_id),
            )

    def feedback(self, answer_id: str, user_id: int) -> FeedbackRecord | None:
        rows = self._rows(
            "SELECT * FROM feedback WHERE answer_id = ? AND user_id = ?", (answer_id, user_id)
        )
        return FeedbackRecord(**dict(rows[0])) if rows else None

    # -- 👎 reason prompts ----------------------------------------------------------------------

    def open_reason_prompt(
        self,
        answer_id: str,
        user_id: int,
        *,
        token: str,
        channel_id: int | None = None,
        guild_id: int | None = None,
        now: datetime | None = None,
    ) -> None:
        """Remember the reason form just shown; a vote already re-asked is never re-asked again."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO reason_prompts (answer_id, user_id, channel_id, guild_id, token,"
                " prompted_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (answer_id, user_id) DO UPDATE SET channel_id = excluded.channel_id,"
                " guild_id = excluded.guild_id, token = excluded.token,"
                " prompted_at = excluded.prompted_at, interrupted = 0,"
                " state = CASE WHEN reason_prompts.state = 'answered' THEN 'pending'"
                " ELSE reason_prompts.state END",
                (answer_id, user_id, channel_id, guild_id, token, (now or _now()).isoformat()),
            )

    def reason_prompt(self, answer_id: str, user_id: int) -> ReasonPrompt | None:
        rows = self._rows(
            "SELECT p.*, COALESCE(a.question, '') AS question FROM reason_prompts p"
            " LEFT JOIN answers a ON a.id = p.answer_id WHERE p.answer_id = ? AND p.user_id = ?",
            (answer_id, user_id),
        )
        return ReasonPrompt(**dict(rows[0])) if rows else None

    def flag_interrupted(self, *, opened_after: datetime, opened_before: datetime) -> int:
        """Mark open prompts shown in a span the bot was unreachable (a lost gateway connection)."""
        with self._tx() as db:
            cursor = db.execute(
                "UPDATE reason_prompts SET interrupted = 1"
                " WHERE state = 'pending' AND prompted_at >= ? AND prompted_at < ?",
                (opened_after.isoformat(), opened_before.isoformat()),
            )
        return cursor.rowcount

    def claim_reasks(
        self, *, restarted_at: datetime, settled_before: datetime, since: datetime
    ) -> list[ReasonPrompt]:
        """Claim the prompts to re-ask, so no other sweep (or restart) asks them again.

        Due: still pending, its 👎 stands without a reason, shown after `since` and before
        `settled_before`, and either shown before this process started (`restarted_at`) or
        flagged as interrupted.
        """
        keys = (
            "SELECT p.answer_id, p.user_id FROM reason_prompts p"
            " JOIN feedback f ON f.answer_id = p.answer_id AND f.user_id = p.user_id"
            " WHERE p.state = 'pending' AND f.vote < 0 AND f.reason IS NULL"
            " AND p.prompted_at >= ? AND p.prompted_at < ?"
            " AND (p.prompted_at < ? OR p.interrupted = 1)"
        )
        args = (since.isoformat(), settled_before.isoformat(), restarted_at.isoformat())
        with self._tx() as db:
            due = db.execute(keys, args).fetchall()
            for row in due:
                db.execute(
                    "UPDATE reason_prompts SET state = 'reasking'"
                    " WHERE answer_id = ? AND user_id = ?",
                    (row["answer_id"], row["user_id"]),
                )
        claimed = [self.reason_prompt(r["answer_id"], r["user_id"]) for r in due]
        return [p for p in claimed if p is not None]

    def finish_reask(
        self,
        answer_id: str,
        user_id: int,
        state: PromptState,
        *,
        via: str | None = None,
        channel_id: int | None = None,
        message_id: int | None = None,
        now: datetime | None = None,
    ) -> None:
        """Record how a claimed re-ask ended: reasked (via followup/dm), refused or failed."""
        with self._tx() as db:
            db.execute(
                "UPDATE reason_prompts SET state = ?, reasked_via = ?, reasked_at = ?,"
                " reask_channel_id = ?, reask_message_id = ?, token = CASE WHEN ? = 'reasked'"
                " THEN token END WHERE answer_id = ? AND user_id = ? AND state = 'reasking'",
                (
                    state,
                    via,
                    (now or _now()).isoformat(),
                    channel_id,
                    message_id,
                    state,
                    answer_id,
                    user_id,
                ),
            )

    def retry_reask_later(self, answer_id: str, user_id: int, *, max_attempts: int) -> bool:
        """A re-ask that failed for a passing reason goes back to pending, up to `max_attempts`.

        Returns False when it has used them all (the prompt is then `failed`).
        """
        with self._tx() as db:
            db.execute(
                "UPDATE reason_prompts SET attempts = attempts + 1, state = CASE"
                " WHEN attempts + 1 >= ? THEN 'failed' ELSE 'pending' END"
                " WHERE answer_id = ? AND user_id = ? AND state = 'reasking'",
                (max_attempts, answer_id, user_id),
            )
        prompt = self.reason_prompt(answer_id, user_id)
        return prompt is not None and prompt.state == "pending"

    # -- conversations ---------------------------------------------------------------------------

    def mark_thread(
        self, thread_id: int, answer_id: str | None, *, now: datetime | None = None
    ) -> None:
        """Record a thread the bot started; `answer_id` is the answer it grew from."""
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO threads VALUES (?, ?, ?)",
                (thread_id, answer_id, (now or _now()).isoformat()),
            )

    def is_bot_thread(self, thread_id: int) -> bool:
        return bool(self._rows("SELECT 1 FROM threads WHERE thread_id = ?", (thread_id,)))

    def turns(self, thread_id: int, limit: int = 6) -> list[Turn]:
        """The latest exchanges of a bot thread, oldest first, starting from its seed answer."""
        rows = self._rows(
            "SELECT question, answer FROM ("
            "  SELECT a.question, a.answer, a.created_at FROM answers a"
            "  JOIN threads t ON a.id = t.answer_id WHERE t.thread_id = ?"
            "  UNION ALL"
            "  SELECT question, answer, created_at FROM answers WHERE channel_id = ?"
            "  ORDER BY created_at DESC LIMIT ?"
            ") ORDER BY created_at",
            (thread_id, thread_id, limit),
        )
        return [Turn(question=r["question"], answer=r["answer"]) for r in rows]

    # -- plans -----------------------------------------------------------------------------------

    def save_plan(
        self, plan_json: str, *, user_id: int | None = None, now: datetime | None = None
    ) -> str:
        plan_id = uuid.uuid4().hex[:16]
        with self._tx() as db:
            db.execute(
                "INSERT INTO plans VALUES (?, ?, ?, ?)",
                (plan_id, (now or _now()).isoformat(), user_id, plan_json),
            )
        return plan_id

    def plan(self, plan_id: str) -> PlanRecord | None:
        rows = self._rows("SELECT id, user_id, plan FROM plans WHERE id = ?", (plan_id,))
        if not rows:
            return None
        return PlanRecord(id=rows[0]["id"], user_id=rows[0]["user_id"], plan_json=rows[0]["plan"])

    # -- gaps ------------------------------------------------------------------------------------

    def gap_questions(self, *, since: datetime, limit: int = 200) -> list[GapQuestion]:
        """Recent questions that were abstained on or got a 👎, newest first."""
        rows = self._rows(
            "SELECT a.question, a.abstained, a.created_at,"
            " SUM(CASE WHEN f.vote < 0 THEN 1 ELSE 0 END) AS downvotes,"
            " GROUP_CONCAT(CASE WHEN f.vote < 0 THEN f.reason END, char(31)) AS reasons"
            " FROM answers a LEFT JOIN feedback f ON f.answer_id = a.id"
            " WHERE a.created_at >= ? GROUP BY a.id"
            " HAVING a.abstained = 1 OR downvotes > 0"
            " ORDER BY a.created_at DESC LIMIT ?",
            (since.isoformat(), limit),
        )
        return [
            GapQuestion(
                question=r["question"],
                abstained=bool(r["abstained"]),
                downvotes=r["downvotes"] or 0,
                reasons=[x for x in (r["reasons"] or "").split("\x1f") if x],
                asked_at=datetime.fromisoformat(r["created_at"]),
            )
            for r in rows
        ]


def _answer(row: sqlite3.Row) -> AnswerRecord:
    data = dict(row)
    data["chunk_ids"] = json.loads(data["chunk_ids"])
    return AnswerRecord(**data)
