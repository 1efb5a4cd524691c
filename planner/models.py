"""Pydantic models of the planner: the runner's request in, the cited plan out (no I/O here)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from planner.errors import PlanError

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
RunKind = Literal["easy", "recovery", "long", "tempo", "intervals", "hills", "race"]
Experience = Literal["new", "some", "experienced"]
Equipment = Literal["none", "bands", "dumbbells", "gym"]
Phase = Literal["base", "build", "in-season", "taper"]
Avoid = Literal[
    "ankle", "achilles", "calf", "shin", "knee", "hamstring", "hip", "groin", "lower-back",
    "shoulder", "elbow", "wrist", "lunges", "kneeling", "overhead", "spinal-load",
]  # fmt: skip
BlockKind = Literal["warm-up", "main", "accessory", "core", "cool-down"]
Status = Literal["pass", "fail", "n/a"]

DAYS: tuple[Day, ...] = get_args(Day)
DAY_NAMES = dict(zip(DAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                            "Saturday", "Sunday"), strict=True))  # fmt: skip
RUN_KINDS: tuple[RunKind, ...] = get_args(RunKind)
EXPERIENCES: tuple[Experience, ...] = get_args(Experience)
EQUIPMENT: tuple[Equipment, ...] = get_args(Equipment)
PHASES: tuple[Phase, ...] = get_args(Phase)
AVOID: tuple[Avoid, ...] = get_args(Avoid)
MIN_MINUTES, MAX_MINUTES, MAX_WEEKS = 20, 120, 16
MAX_DAYS_AHEAD = 2 * 366  # a start or race further ahead than two years is a typo
LAST_TODAY = date(9000, 1, 1)  # later "today"s overflow the calendar maths of a 16-week plan

# Words runners actually type, mapped onto the planner's vocabulary.
_ALIASES: dict[str, dict[str, str]] = {
    "day": {"monday": "mon", "tuesday": "tue", "tues": "tue", "wednesday": "wed",
            "thursday": "thu", "thur": "thu", "thurs": "thu", "friday": "fri",
            "saturday": "sat", "sunday": "sun"},
    "run": {"threshold": "tempo", "interval": "intervals", "speed": "intervals",
            "track": "intervals", "workout": "intervals", "hill": "hills", "long-run": "long",
            "lsr": "long", "recovery-run": "recovery", "easy-run": "easy"},
    "experience": {"beginner": "new", "novice": "new", "new-to-lifting": "new",
                   "intermediate": "some", "advanced": "experienced", "expert": "experienced"},
    "equipment": {"bodyweight": "none", "no-equipment": "none", "band": "bands",
                  "resistance-bands": "bands", "dumbbell": "dumbbells", "kettlebell": "dumbbells",
                  "kettlebells": "dumbbells", "full-gym": "gym"},
    "phase": {"off-season": "base", "offseason": "base", "base-phase": "base",
              "race-build": "build", "in season": "in-season", "inseason": "in-season",
              "season": "in-season", "racing": "in-season"},
    "avoid": {"knees": "knee", "ankles": "ankle", "achilles-tendon": "achilles",
              "calves": "calf", "shins": "shin", "shin-splints": "shin",
              "hamstrings": "hamstring", "hips": "hip", "adductor": "groin",
              "adductors": "groin", "back": "lower-back", "low-back": "lower-back",
              "lowerback": "lower-back", "shoulders": "shoulder", "elbows": "elbow",
              "wrists": "wrist", "lunge": "lunges", "lunging": "lunges",
              "overhead-pressing": "overhead", "heavy-spinal-load": "spinal-load"},
}  # fmt: skip


def normalize_token(kind: str, value: object, choices: Iterable[str]) -> str:
    """Map one typed word onto the vocabulary, or raise ValueError naming the valid words."""
    text = "-".join(str(value).strip().lower().replace("_", " ").split())
    text = _ALIASES.get(kind, {}).get(text, text)
    allowed = tuple(choices)
    if text not in allowed:
        raise ValueError(f"unknown {kind} {value!r}: use one of {', '.join(allowed)}")
    return text


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in value.replace(";", ",").split(",") if part.strip()]
    return list(value)  # type: ignore[call-overload]


def monday_of(day: date) -> date:
    return date.fromordinal(day.toordinal() - day.weekday())


class PlanRequest(BaseModel):
    """A runner's week and wishes; every field is checked with a message that says what to fix."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # The one declaration of the plan's options: `coach plan`, Discord's `/plan` and the
    # console's `/plan --flags` are generated from these fields (planner/options.py). The
    # description is the help text; limits, default and choices are added per surface.
    runs: dict[Day, RunKind] = Field(
        default_factory=dict,
        description="Your running week as day:kind",
        examples=["tue:easy,thu:intervals,sun:long"],
        json_schema_extra={"chars": [1, 200]},
    )
    free_days: tuple[Day, ...] = Field(
        description="Days you can lift",
        examples=["mon,thu"],
        json_schema_extra={"flag": "--free", "chars": [3, 100]},
    )
    minutes: int = Field(45, ge=MIN_MINUTES, le=MAX_MINUTES, description="Minutes per session")
    experience: Experience = Field("some", description="Your lifting experience")
    equipment: tuple[Equipment, ...] = Field(
        ("none",), description="What you can train with; none means bodyweight only"
    )
    phase: Phase | None = Field(
        None, description="Your training phase (base = off-season), or a race date instead"
    )
    race_date: date | None = Field(
        None, description="Your next race, instead of a phase: the phases count back from it"
    )
    weeks: int = Field(8, ge=1, le=MAX_WEEKS, description="Plan length in weeks")
    avoid: tuple[Avoid, ...] = Field(
        (),
        description="Injured areas or movements to avoid",
        examples=["knee,lunges"],
        json_schema_extra={"chars": [1, 200]},
    )
    today: date = Field(
        description="Today's date; the clock's when not given",
        json_schema_extra={"cli_only": True},
    )
    start: date | None = Field(None, description="First day of the plan; today when not given")
    owner: str | None = Field(
        None,
        max_length=100,
        description="Whose plan: keeps calendar event ids stable on updates",
        json_schema_extra={"cli_only": True},
    )

    @field_validator("runs", mode="before")
    @classmethod
    def _runs(cls, value: object) -> dict[str, str]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise ValueError("give runs as day: kind pairs, e.g. tue:easy,thu:intervals")
        runs: dict[str, str] = {}
        for day, kind in value.items():
            runs[normalize_token("day", day, DAYS)] = normalize_token("run", kind, RUN_KINDS)
        return {day: runs[day] for day in DAYS if day in runs}

    @field_validator("free_days", mode="before")
    @classmethod
    def _free_days(cls, value: object) -> tuple[str, ...]:
        days = {normalize_token("day", item, DAYS) for item in _as_list(value)}
        if not days:
            raise ValueError("no free day: give at least one day you can lift, e.g. mon,thu")
        return tuple(day for day in DAYS if day in days)

    @field_validator("minutes", mode="before")
    @classmethod
    def _minutes(cls, value: object) -> int:
        minutes = _whole_number(value, "minutes")
        if not MIN_MINUTES <= minutes <= MAX_MINUTES:
            raise ValueError(
                f"{minutes} minutes is outside {MIN_MINUTES}-{MAX_MINUTES}: "
                f"give a session length between {MIN_MINUTES} and {MAX_MINUTES} minutes"
            )
        return minutes

    @field_validator("weeks", mode="before")
    @classmethod
    def _weeks(cls, value: object) -> int:
        weeks = _whole_number(value, "weeks")
        if not 1 <= weeks <= MAX_WEEKS:
            raise ValueError(f"{weeks} weeks is not possible: ask for 1 to {MAX_WEEKS} weeks")
        return weeks

    @field_validator("experience", mode="before")
    @classmethod
    def _experience(cls, value: object) -> str:
        return normalize_token("experience", value, EXPERIENCES)

    @field_validator("equipment", mode="before")
    @classmethod
    def _equipment(cls, value: object) -> tuple[str, ...]:
        kinds = {normalize_token("equipment", item, EQUIPMENT) for item in _as_list(value)}
        kinds = kinds or {"none"}
        if len(kinds) > 1:
            kinds.discard("none")
        return tuple(kind for kind in EQUIPMENT if kind in kinds)

    @field_validator("phase", mode="before")
    @classmethod
    def _phase(cls, value: object) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return normalize_token("phase", value, PHASES)

    @field_validator("avoid", mode="before")
    @classmethod
    def _avoid(cls, value: object) -> tuple[str, ...]:
        tags = {normalize_token("avoid", item, AVOID) for item in _as_list(value)}
        return tuple(tag for tag in AVOID if tag in tags)

    @model_validator(mode="after")
    def _dates(self) -> PlanRequest:
        if self.phase is not None and self.race_date is not None:
            raise ValueError("give either a phase or a race date, not both")
        if self.today >= LAST_TODAY:
            raise ValueError(f"today {self.today.isoformat()} is not a date a plan can start from")
        for name, when in (("start", self.start), ("race date", self.race_date)):
            if when is not None and (when - self.today).days > MAX_DAYS_AHEAD:
                raise ValueError(
                    f"{name} {when.isoformat()} is more than two years after today "
                    f"({self.today.isoformat()}): give a date within two years"
                )
        if self.start is not None and self.start < self.today:
            raise ValueError(
                f"start {self.start.isoformat()} is in the past (today is "
                f"{self.today.isoformat()}): give today or a later date"
            )
        if self.race_date is not None:
            if self.race_date < self.today:
                raise ValueError(
                    f"race date {self.race_date.isoformat()} is in the past (today is "
                    f"{self.today.isoformat()}): give your next race, or use phase in-season"
                )
            if self.race_date < self.start_date:
                raise ValueError(
                    f"race date {self.race_date.isoformat()} is before the plan starts "
                    f"({self.start_date.isoformat()}): give an earlier start or a later race"
                )
        return self

    @property
    def start_date(self) -> date:
        return self.start or self.today

    @property
    def effective_phase(self) -> Phase:
        return self.phase or "base"

    @classmethod
    def parse(cls, **fields: Any) -> PlanRequest:
        """Validate fields into a request, turning pydantic's report into one readable PlanError."""
        try:
            return cls(**fields)
        except ValidationError as err:
            raise PlanError(describe_validation_error(err)) from None


def _whole_number(value: object, name: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a whole number")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None


_FIELD_LABELS = {"free_days": "free days", "race_date": "race date"}


def describe_validation_error(err: ValidationError) -> str:
    """One line per problem, led by the field a person would recognise."""
    parts: list[str] = []
    for problem in err.errors():
        message = str(problem.get("msg", "")).removeprefix("Value error, ")
        loc = [str(part) for part in problem.get("loc", ()) if part != "__root__"]
        if problem.get("type") == "missing":
            message = "is required"
        field = _FIELD_LABELS.get(loc[0], loc[0]) if loc else ""
        parts.append(f"{field}: {message}" if field else message)
    return "; ".join(parts)


class SourceRef(BaseModel):
    """One numbered entry of the plan's source list: a knowledge passage and the rules it backs."""

    n: int
    source: str
    title: str
    heading: str
    chunk_id: str
    rule_ids: list[str]


class Prescription(BaseModel):
    exercise_id: str
    name: str
    slot: str
    sets: int
    reps: str
    tempo: str | None = None
    rest_s: int
    rpe: float | None = None
    load: str
    cue: str = ""
    cites: list[int]
    # What the training log says to use next (e.g. "21 kg", "next band up"); set by adapt.
    suggestion: str | None = None


class Block(BaseModel):
    kind: BlockKind
    format: Literal["straight", "circuit"]
    rounds: int | None = None
    rest_s: int | None = None
    minutes: float
    exercises: list[Prescription]
    note: str = ""
    cites: list[int]


class Placement(BaseModel):
    """Where a session sits in the running week, and what that means for the day."""

    kind: Literal["rest-day", "same-day"]
    run_today: RunKind | None = None
    run_before: RunKind | None = None
    run_after: RunKind | None = None
    order: Literal["lift-first", "run-first"] | None = None
    min_hours_apart: int | None = None
    text: str
    cites: list[int]


class BaselineTest(BaseModel):
    test_id: str
    name: str
    how: str
    cites: list[int]


class Session(BaseModel):
    number: int = Field(description="Place in the usual week (1 = first lifting day); stable.")
    label: str
    focus: str
    day: Day
    date: date
    placement: Placement
    blocks: list[Block]
    tests: list[BaselineTest] = Field(default_factory=list)
    strides: str | None = None
    minutes: float
    trimmed: list[str] = Field(default_factory=list)
    log_prompt: str
    cites: list[int]


class Week(BaseModel):
    number: int
    start: date
    phase: Phase
    deload: bool = False
    retest: bool = False
    partial: bool = False
    race_week: bool = False
    sessions: list[Session]
    notes: list[str] = Field(default_factory=list)
    cites: list[int]


class DayChoice(BaseModel):
    day: Day
    run: RunKind | None = None
    status: Literal["chosen", "spare", "rejected"]
    reason: str
    cites: list[int]


ChangeKind = Literal[
    "progress", "hold", "back-off", "trim-accessories", "deload", "red-flag", "re-placed",
    "dropped", "retest",
]  # fmt: skip


class Change(BaseModel):
    """One change the training log made to a plan: the rule behind it and its [n] source."""

    rule_id: str
    kind: ChangeKind
    week: int
    session: int | None = Field(None, description="Session number in that week, if one.")
    exercise_id: str | None = None
    area: str | None = Field(None, description="Body area of a red flag.")
    text: str
    cite: int


class SwapRecord(BaseModel):
    old_id: str
    new_id: str
    week: int | None = None


class Plan(BaseModel):
    plan_id: str
    request: PlanRequest
    start_date: date
    phase_reason: str
    weeks: list[Week]
    days: list[DayChoice]
    sources: list[SourceRef]
    rule_sources: dict[str, int] = Field(description="Rule id to its [n] in `sources`.")
    log_fields: list[str]
    notes: list[str] = Field(default_factory=list)
    revision: int = 0
    swaps: list[SwapRecord] = Field(default_factory=list)
    adaptations: list[Change] = Field(default_factory=list, description="From the training log.")
    adapted_on: date | None = None

    def cite(self, rule_id: str) -> int:
        return self.rule_sources[rule_id]

    def sessions(self) -> list[tuple[Week, Session]]:
        return [(week, session) for week in self.weeks for session in week.sessions]


class AuditItem(BaseModel):
    rule_id: str
    text: str
    status: Status
    detail: str
    cite: int
