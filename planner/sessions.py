"""Assembling one session: blocks of prescriptions, baseline tests and strides, fitted to time."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import timedelta

from planner.catalogue import Exercise
from planner.errors import PlanError
from planner.models import (
    BaselineTest,
    Block,
    BlockKind,
    PlanRequest,
    Prescription,
    Session,
)
from planner.phases import WeekFrame
from planner.playbook import Playbook
from planner.prescribe import WeekContext, block_rounds, load_key, min_rounds, prescribe, unique
from planner.rules import RuleBook
from planner.schedule import DayOption, place
from planner.selection import SessionPicks
from planner.timing import block_minutes, session_minutes

Cite = Callable[[str], int]

BLOCK_NOTES: dict[str, str] = {
    "warm-up": "Whole body: upper back, hip flexors and glutes.",
    "main": "Compound lifts first, while you are fresh.",
    "accessory": "Circuit: back to back, rest only between rounds.",
    "core": "Last, so the core is fresh for the big lifts.",
    "cool-down": "Mobility and breathing; stretch what you trained.",
}


TRIMMABLE: dict[str, BlockKind] = {"accessory rounds": "accessory", "core rounds": "core"}


class SessionTooLong(PlanError):
    """The runner's minutes can't hold a session's main lifts and essentials."""


class SessionMaker:
    """Builds the sessions of one plan; weeks repeat prescriptions, so it reuses them."""

    def __init__(self, request: PlanRequest, book: Playbook) -> None:
        self.request = request
        self.book = book
        self.cite: Cite = book.rule_sources.__getitem__
        self._prescriptions: dict[tuple, Prescription] = {}

    def session(
        self,
        frame: WeekFrame,
        ctx: WeekContext,
        option: DayOption,
        picks: SessionPicks,
        tests: Sequence[dict],
        *,
        number: int,
        rotating: bool,
    ) -> Session:
        """One session's blocks, trimmed (accessories first) to fit the runner's minutes."""
        rules, cite, limit = self.book.rules, self.cite, self.request.minutes
        rounds = {kind: block_rounds(kind, ctx, rules) for kind in ("accessory", "core")}
        test_minutes = float(sum(test["minutes"] for test in tests))
        trimmed: list[str] = []
        blocks = self.blocks(picks, ctx, rounds)
        # Trimmed in the rule's order (accessory rounds first, by default); strides are only
        # ever added when they fit, so they need no trimming here.
        for label in rules.param("trim-accessories-first", "order"):
            kind = TRIMMABLE.get(label)
            if kind is None:
                continue
            floor = min_rounds(kind, rules)
            while session_minutes(blocks, test_minutes) > limit and rounds[kind] > floor:
                rounds[kind] -= 1
                if label not in trimmed:
                    trimmed.append(label)
                blocks = self.blocks(picks, ctx, rounds)
        minutes = session_minutes(blocks, test_minutes)
        if minutes > limit:
            need = 5 * math.ceil(minutes / 5)
            raise SessionTooLong(
                f"{limit} minutes is too short: a {picks.focus.lower()} session needs about "
                f"{need} minutes for its main lift and essentials, even with accessories cut to "
                f"one round. Give a session length of at least {need} minutes."
            )
        session_cites = [cite("session-order"), cite("full-body"), cite("training-log")]
        if rotating:
            session_cites.append(cite("rotate-focus"))
        if trimmed:
            session_cites.append(cite("trim-accessories-first"))
        return Session(
            number=number,
            label=picks.label,
            focus=picks.focus,
            day=option.day,
            date=frame.start + timedelta(days=option.index),
            placement=place(option, frame.phase, rules, cite),
            blocks=blocks,
            tests=[self.test(test) for test in tests],
            minutes=minutes,
            trimmed=trimmed,
            log_prompt=log_prompt(rules.param("training-log", "fields")),
            cites=unique(session_cites),
        )

    def blocks(self, picks: SessionPicks, ctx: WeekContext, rounds: dict[str, int]) -> list[Block]:
        rules, cite = self.book.rules, self.cite
        block_cites: dict[BlockKind, list[int]] = {
            "warm-up": [cite("warm-up"), cite("session-order")],
            "main": [cite("compound-first"), cite(f"phase-{ctx.phase}")],
            "accessory": [cite("accessory-circuit"), cite("session-order")],
            "core": [cite("core-every-session"), cite("session-order")],
            "cool-down": [cite("cool-down"), cite("session-order")],
        }
        content: dict[str, list[tuple[str, Exercise]]] = {
            "warm-up": [("warm-up", e) for e in picks.warm_up],
            "main": [(p.slot, p.exercise) for p in picks.main],
            "accessory": [(p.slot, p.exercise) for p in picks.accessory],
            "core": [(p.slot, p.exercise) for p in picks.core],
            "cool-down": [("cool-down", e) for e in picks.cool_down],
        }
        blocks: list[Block] = []
        for kind in rules.param("session-order", "order"):
            items = content[kind]
            block_round = rounds.get(kind, 1)
            prescriptions = [
                self.prescription(exercise, slot, kind, ctx, block_round)
                for slot, exercise in items
            ]
            circuit = kind in ("accessory", "core")
            round_rule = "accessory-circuit" if kind == "accessory" else "core-every-session"
            blocks.append(
                Block(
                    kind=kind,
                    format="circuit" if circuit else "straight",
                    rounds=block_round if circuit else None,
                    rest_s=rules.param(round_rule, "round_rest_s") if circuit else None,
                    minutes=block_minutes(
                        kind, prescriptions, block_round, self.book.catalogue, rules,
                        self.book.layouts.timing,
                    ),
                    exercises=prescriptions,
                    note=self.block_note(kind),
                    cites=unique(block_cites[kind]),
                )
            )  # fmt: skip
        return blocks

    def block_note(self, kind: BlockKind) -> str:
        if kind != "main":
            return BLOCK_NOTES[kind]
        tempo = self.book.rules["tempo"].params
        return f"{BLOCK_NOTES[kind]} Tempo {tempo['main']}: {tempo['meaning']}."

    def prescription(
        self, exercise: Exercise, slot: str, kind: BlockKind, ctx: WeekContext, rounds: int
    ) -> Prescription:
        # Weeks repeat the same prescriptions; sharing them keeps a 16-week plan fast.
        key = (exercise.id, slot, kind, rounds, load_key(kind, ctx, self.book.rules))
        found = self._prescriptions.get(key)
        if found is None:
            book = self.book
            found = prescribe(exercise, slot, kind, ctx, rounds, book.rules, book.layouts,
                              self.cite)  # fmt: skip
            self._prescriptions[key] = found
        return found

    def test(self, test: dict) -> BaselineTest:
        return BaselineTest(test_id=test["id"], name=test["name"], how=test["how"],
                            cites=[self.cite("retest")])  # fmt: skip

    def add_strides(self, sessions: list[Session], frame: WeekFrame) -> None:
        add_strides(sessions, frame.phase, frame.deload, self.request.minutes, self.book.rules,
                    self.cite)  # fmt: skip


def add_strides(
    sessions: list[Session], phase: str, deload: bool, limit: int, rules: RuleBook, cite: Cite
) -> None:
    """Finish one session a week with strides when fatigue tolerance is high and time allows.

    Not after a hard run the day before: legs are not fresh enough for fast, relaxed strides.
    Any strides already there are taken off first, so a changed week (a swap) is re-decided.
    """
    params = rules["strides"].params
    for session in sessions:
        if session.strides:
            session.strides = None
            session.minutes = round(session.minutes - params["minutes"], 1)
            session.cites = [n for n in session.cites if n != cite("strides")]
    if phase not in params["phases"] or (deload and params["skip_deload"]):
        return
    hard = set(rules.param("hard-run-recovery", "hard_runs"))
    fits = [
        s for s in sessions
        if s.minutes + params["minutes"] <= limit and s.placement.run_before not in hard
    ]  # fmt: skip
    fits.sort(key=lambda s: (s.placement.kind != "rest-day", s.minutes))
    for session in fits[: params["per_week"]]:
        session.strides = params["what"]
        session.minutes = round(session.minutes + params["minutes"], 1)
        session.cites = unique([*session.cites, cite("strides")])


def available_tests(request: PlanRequest, book: Playbook) -> list[dict]:
    """Baseline tests this runner can do (injuries and run types permitting)."""
    kinds = set(request.runs.values())
    found = []
    for test in book.rules.param("retest", "tests"):
        if set(test.get("avoid", ())).intersection(request.avoid):
            continue
        if test.get("needs_runs") and not kinds.intersection(test["needs_runs"]):
            continue
        found.append(test)
    return found


def log_prompt(fields: Sequence[str]) -> str:
    return "Log it: " + ", ".join(fields) + "."
