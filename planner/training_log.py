"""The training log: what a member did in each planned session (pure pydantic models, no I/O).

One `SessionLog` per planned session (plan id, week, session number): status, per-exercise load
or version, sets, reps and effort, niggles, how the next run felt and a note. The guides ask for
exactly this ("Keeping a training log", rule `training-log`); `planner.adapt` reads it.
Validation errors are `PlanError`s that name the field and say what to type.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from planner.errors import PlanError
from planner.models import AVOID, DAYS, Day, normalize_token

SessionStatus = Literal["done", "partly", "skipped"]
LoadUnit = Literal["kg", "lb"]
RunFeel = Literal["easier", "normal", "harder"]
# Where a niggle is: the body areas of the planner's injury vocabulary (not the movements).
BodyArea = Literal[
    "ankle", "achilles", "calf", "shin", "knee", "hamstring", "hip", "groin", "lower-back",
    "shoulder", "elbow", "wrist",
]  # fmt: skip
STATUSES: tuple[SessionStatus, ...] = get_args(SessionStatus)
BODY_AREAS: tuple[BodyArea, ...] = get_args(BodyArea)
RUN_FEELS: tuple[RunFeel, ...] = get_args(RunFeel)
MAX_NOTE = 500
LOG_NAMESPACE = uuid.UUID("0f7b5f3e-2a8c-4d6b-9a41-5c3e7d2b1f90")
LB_PER_KG = 2.20462

_STATUS_WORDS = {
    "yes": "done", "complete": "done", "completed": "done", "full": "done", "partial": "partly",
    "part": "partly", "half": "partly", "partly-done": "partly", "no": "skipped",
    "missed": "skipped", "skip": "skipped", "not-done": "skipped",
}  # fmt: skip
_FEEL_WORDS = {"easy": "easier", "easier-than-usual": "easier", "fine": "normal", "same": "normal",
               "usual": "normal", "ok": "normal", "hard": "harder", "heavy": "harder",
               "heavier": "harder", "tired": "harder"}  # fmt: skip
# A 1-5 scale for "how did the next run feel": 1-2 easier, 3 normal, 4-5 harder.
_FEEL_SCALE = {1: "easier", 2: "easier", 3: "normal", 4: "harder", 5: "harder"}


def session_key(member: str, plan_id: str, week: int, session: int) -> str:
    """The idempotency key of one planned session's log: re-logging it replaces the entry."""
    return str(uuid.uuid5(LOG_NAMESPACE, f"{member}|{plan_id}|{week}|{session}"))


def _half_steps(value: float, name: str, low: float, high: float, what: str) -> float:
    if not low <= value <= high or value * 2 != int(value * 2):
        raise ValueError(f"{value:g} is not {what}: give {name} {low:g}-{high:g} in halves")
    return value


class Niggle(BaseModel):
    """A small ache: where, and how bad on a 0-10 scale."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    area: BodyArea = Field(description="Body area: " + ", ".join(BODY_AREAS) + ".")
    score: int = Field(description="0 (nothing) to 10 (worst).")

    @field_validator("area", mode="before")
    @classmethod
    def _area(cls, value: object) -> str:
        try:  # the avoid vocabulary's aliases (knees, calves, back...) name areas too
            return normalize_token("avoid", value, BODY_AREAS)
        except ValueError:
            raise ValueError(
                f"unknown area {value!r}: use one of {', '.join(BODY_AREAS)}"
            ) from None

    @field_validator("score", mode="before")
    @classmethod
    def _score(cls, value: object) -> int:
        try:
            score = float(str(value).strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a number: give a score from 0 to 10") from None
        if not 0 <= score <= 10 or score != int(score):
            raise ValueError(f"{value} is not a whole number from 0 to 10")
        return int(score)


class ExerciseLog(BaseModel):
    """One exercise as done: a load (number + unit) or a version (band colour, variation)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    exercise_id: str = Field(min_length=1, max_length=80)
    load: float | None = Field(None, description="Weight used, with `unit`.")
    unit: LoadUnit | None = None
    version: str | None = Field(
        None, max_length=60, description="Band colour or variation, e.g. 'green band', 'one leg'."
    )
    sets: int | None = Field(None, ge=0, le=20)
    reps: int | None = Field(None, ge=0, le=100)
    rpe: float | None = Field(None, description="Effort, RPE 1-10 in halves (10 = nothing left).")
    rir: float | None = Field(None, description="Reps in reserve (0-9); RPE = 10 - RIR.")

    @field_validator("exercise_id", mode="before")
    @classmethod
    def _exercise_id(cls, value: object) -> str:
        return "-".join(str(value).strip().lower().replace("_", " ").split())

    @field_validator("unit", mode="before")
    @classmethod
    def _unit(cls, value: object) -> str | None:
        if value is None or not str(value).strip():
            return None
        text = str(value).strip().lower().rstrip("s").replace("pound", "lb").replace("kilo", "kg")
        if text not in ("kg", "lb"):
            raise ValueError(f"unknown unit {value!r}: use kg or lb")
        return text

    @field_validator("load")
    @classmethod
    def _load(cls, value: float | None) -> float | None:
        if value is not None and not 0 < value <= 500:
            raise ValueError(f"{value:g} is not a weight: give the load in kg or lb, e.g. 20")
        return value

    @field_validator("rpe")
    @classmethod
    def _rpe(cls, value: float | None) -> float | None:
        return None if value is None else _half_steps(value, "RPE", 1, 10, "an RPE")

    @field_validator("rir")
    @classmethod
    def _rir(cls, value: float | None) -> float | None:
        if value is None:
            return None
        return _half_steps(value, "reps in reserve", 0, 9, "reps in reserve")

    @model_validator(mode="after")
    def _consistent(self) -> ExerciseLog:
        if self.load is not None and self.unit is None:
            raise ValueError(f"load {self.load:g} needs a unit: add kg or lb")
        if self.rpe is not None and self.rir is not None and self.rpe != 10 - self.rir:
            raise ValueError(
                f"RPE {self.rpe:g} and {self.rir:g} reps in reserve disagree (RPE = 10 - reps in "
                "reserve): give one of them"
            )
        return self

    @property
    def effort(self) -> float | None:
        """Effort as RPE, whichever way it was logged."""
        if self.rpe is not None:
            return self.rpe
        return None if self.rir is None else 10 - self.rir

    @property
    def load_kg(self) -> float | None:
        if self.load is None:
            return None
        return self.load if self.unit == "kg" else round(self.load / LB_PER_KG, 2)


class TestResult(BaseModel):
    """A baseline test as logged: the test id (from the plan) and what was measured."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    test_id: str = Field(min_length=1, max_length=60)
    value: str = Field(min_length=1, max_length=100, description="e.g. '45 cm box', '4:35/km'.")


class SessionLog(BaseModel):
    """One planned session as the member did it (or didn't)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    entry_id: str = Field("", max_length=80, description="Idempotency key; see session_key().")
    member: str = Field(min_length=1, max_length=100)
    plan_id: str = Field(min_length=1, max_length=80)
    week: int = Field(ge=1, le=16)
    session: int = Field(ge=1, le=7, description="The session's number in the plan's week.")
    day: Day
    date: date
    status: SessionStatus
    exercises: tuple[ExerciseLog, ...] = ()
    niggles: tuple[Niggle, ...] = ()
    tests: tuple[TestResult, ...] = ()
    next_run: int | None = Field(None, description="1-5: 1-2 easier, 3 normal, 4-5 harder.")
    note: str = Field("", max_length=MAX_NOTE)
    logged_at: datetime | None = Field(None, description="Set by the adapter that stores it.")

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: object) -> str:
        text = "-".join(str(value).strip().lower().split())
        text = _STATUS_WORDS.get(text, text)
        if text not in STATUSES:
            raise ValueError(f"unknown status {value!r}: use one of {', '.join(STATUSES)}")
        return text

    @field_validator("day", mode="before")
    @classmethod
    def _day(cls, value: object) -> str:
        return normalize_token("day", value, DAYS)

    @field_validator("next_run", mode="before")
    @classmethod
    def _next_run(cls, value: object) -> int | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        text = "-".join(str(value).strip().lower().split())
        text = _FEEL_WORDS.get(text, text)
        if text in RUN_FEELS:
            return {"easier": 2, "normal": 3, "harder": 4}[text]
        try:
            number = float(text)
        except ValueError:
            number = -1.0
        if number != int(number) or int(number) not in _FEEL_SCALE:
            raise ValueError(
                f"{value!r} is not a feeling: use easier, normal or harder, or 1-5 (3 = normal)"
            )
        return int(number)

    @field_validator("note", mode="before")
    @classmethod
    def _note(cls, value: object) -> str:
        return " ".join(str(value or "").split())

    @model_validator(mode="after")
    def _key(self) -> SessionLog:
        if not self.entry_id:
            key = session_key(self.member, self.plan_id, self.week, self.session)
            object.__setattr__(self, "entry_id", key)
        return self

    @property
    def run_feel(self) -> RunFeel | None:
        return None if self.next_run is None else _FEEL_SCALE[self.next_run]  # type: ignore[return-value]

    @property
    def worst_niggle(self) -> Niggle | None:
        return max(self.niggles, key=lambda n: (n.score, n.area), default=None)

    def exercise(self, exercise_id: str) -> ExerciseLog | None:
        return next((x for x in self.exercises if x.exercise_id == exercise_id), None)

    @classmethod
    def parse(cls, **fields: Any) -> SessionLog:
        """Validate fields into a log entry; one readable PlanError listing what to change."""
        try:
            return cls(**fields)
        except ValidationError as err:
            raise PlanError(describe_log_error(err)) from None


class TrainingLog(BaseModel):
    """A member's entries, oldest first; a re-logged session keeps only its latest entry."""

    model_config = ConfigDict(frozen=True)

    member: str
    entries: tuple[SessionLog, ...] = ()

    @classmethod
    def of(cls, member: str, entries: Iterable[SessionLog]) -> TrainingLog:
        """The log from entries in any order; later entries for the same session win."""
        latest: dict[str, SessionLog] = {}
        for entry in entries:
            latest[entry.entry_id] = entry
        ordered = sorted(latest.values(), key=lambda e: (e.date, e.week, e.session, e.entry_id))
        return cls(member=member, entries=tuple(ordered))

    def for_plan(self, plan_id: str) -> list[SessionLog]:
        return [entry for entry in self.entries if entry.plan_id == plan_id]

    def entry(self, plan_id: str, week: int, session: int) -> SessionLog | None:
        return next(
            (e for e in self.entries if (e.plan_id, e.week, e.session) == (plan_id, week, session)),
            None,
        )


_LOG_LABELS = {"rpe": "RPE", "rir": "reps in reserve", "next_run": "next run",
               "exercise_id": "exercise", "entry_id": "entry id", "plan_id": "plan id"}  # fmt: skip


def describe_log_error(err: ValidationError) -> str:
    """One line per problem, led by the field as a member would name it (exercise 2 rpe: ...)."""
    parts: list[str] = []
    for problem in err.errors():
        message = str(problem.get("msg", "")).removeprefix("Value error, ")
        if problem.get("type") == "missing":
            message = "is required"
        words: list[str] = []
        loc = list(problem.get("loc", ()))
        for i, part in enumerate(loc):
            if isinstance(part, int) and i > 0:
                words[-1] = f"{str(loc[i - 1]).rstrip('s')} {part + 1}"
            else:
                words.append(_LOG_LABELS.get(str(part), str(part).replace("_", " ")))
        field = " ".join(words)
        parts.append(f"{field}: {message}" if field else message)
    return "; ".join(parts)


# The avoid vocabulary holds body areas and movements; BodyArea is the area part of it.
assert set(BODY_AREAS) <= set(AVOID)
