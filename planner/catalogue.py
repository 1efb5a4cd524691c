"""The exercise catalogue and the filters that decide what a runner may be given."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from planner.data_files import read_data
from planner.errors import PlanError
from planner.models import Avoid

CATALOGUE_FILE = "exercises.yaml"
Role = Literal["warm-up", "main", "accessory", "core", "prehab", "cool-down"]
Kit = Literal["bodyweight", "bands", "dumbbells", "gym"]
Pattern = Literal[
    "squat", "lunge", "step-up", "hinge", "bridge", "knee-flexion", "push", "pull", "calf-raise",
    "tib-raise", "hip-abduction", "hip-adduction", "anti-rotation", "anti-extension",
    "anti-lateral-flexion", "carry", "mobility", "activation", "breathing", "stretch",
]  # fmt: skip
PATTERNS: tuple[str, ...] = get_args(Pattern)
# Avoiding an area also rules out the movements that load it (kneeling puts weight on the knee).
AVOID_IMPLIES: dict[str, tuple[str, ...]] = {"knee": ("kneeling",)}
KIT_TIER: dict[str, int] = {"bodyweight": 0, "bands": 1, "dumbbells": 2, "gym": 3}
# What each answer to "what equipment do you have" puts within reach.
KIT_FOR_EQUIPMENT: dict[str, frozenset[str]] = {
    "none": frozenset({"bodyweight"}),
    "bands": frozenset({"bodyweight", "bands"}),
    "dumbbells": frozenset({"bodyweight", "dumbbells"}),
    "gym": frozenset({"bodyweight", "bands", "dumbbells", "gym"}),
}


class Exercise(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str
    pattern: Pattern
    region: Literal["lower", "upper", "core"]
    direction: Literal["push", "pull", "none"]
    equipment: Kit
    laterality: Literal["bilateral", "unilateral"]
    role: Role
    difficulty: int = Field(ge=1, le=3)
    unit: Literal["reps", "seconds", "carry"]
    primary: tuple[str, ...]
    secondary: tuple[str, ...] = ()
    avoid: tuple[Avoid, ...] = ()
    substitute_for: tuple[Avoid, ...] = ()
    cue: str = ""

    @cached_property
    def muscles(self) -> frozenset[str]:
        return frozenset(self.primary) | frozenset(self.secondary)

    @property
    def unilateral(self) -> bool:
        return self.laterality == "unilateral"


class Catalogue:
    """Exercises in file order, looked up by their stable id."""

    def __init__(self, exercises: Iterable[Exercise]) -> None:
        self.exercises = tuple(exercises)
        self._by_id = {exercise.id: exercise for exercise in self.exercises}
        self.order = {exercise.id: index for index, exercise in enumerate(self.exercises)}
        if len(self._by_id) != len(self.exercises):
            raise PlanError(f"{CATALOGUE_FILE} has a repeated exercise id; ids must be unique")

    def __getitem__(self, exercise_id: str) -> Exercise:
        return self._by_id[exercise_id]

    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self._by_id

    def __len__(self) -> int:
        return len(self.exercises)

    def allowed(self, kit: frozenset[str], avoid: Iterable[str], max_difficulty: int) -> Pool:
        """The exercises this runner may be given at all."""
        blocked = expand_avoid(avoid)
        return Pool(
            exercise
            for exercise in self.exercises
            if exercise.equipment in kit
            and exercise.difficulty <= max_difficulty
            and not blocked.intersection(exercise.avoid)
            and (not exercise.substitute_for or blocked.intersection(exercise.substitute_for))
        )


class Pool(tuple[Exercise, ...]):
    """Exercises allowed for one runner, in catalogue order."""

    def __new__(cls, exercises: Iterable[Exercise]) -> Pool:
        return super().__new__(cls, tuple(exercises))

    def matching(
        self,
        patterns: Sequence[str] | None = None,
        roles: Sequence[str] | None = None,
        laterality: str | None = None,
    ) -> list[Exercise]:
        return [
            exercise
            for exercise in self
            if (patterns is None or exercise.pattern in patterns)
            and (roles is None or exercise.role in roles)
            and (laterality is None or exercise.laterality == laterality)
        ]

    def training(self, muscles: Iterable[str], roles: Sequence[str]) -> list[Exercise]:
        wanted = frozenset(muscles)
        return [e for e in self if e.role in roles and wanted.intersection(e.muscles)]


def expand_avoid(avoid: Iterable[str]) -> frozenset[str]:
    """The avoid list with what each entry implies (knee -> kneeling)."""
    tags = set(avoid)
    for tag in list(tags):
        tags.update(AVOID_IMPLIES.get(tag, ()))
    return frozenset(tags)


def kit_for(equipment: Iterable[str]) -> frozenset[str]:
    kit: set[str] = set()
    for item in equipment:
        kit |= KIT_FOR_EQUIPMENT[item]
    return frozenset(kit or KIT_FOR_EQUIPMENT["none"])


def load_catalogue(data: Sequence[dict[str, Any]] | None = None) -> Catalogue:
    """The catalogue from `planner/data/exercises.yaml` (or given data), checked for shape."""
    raw = read_data(CATALOGUE_FILE) if data is None else data
    if not isinstance(raw, list):
        raise PlanError(f"{CATALOGUE_FILE} must be a list of exercises, one block per exercise")
    exercises = []
    for number, item in enumerate(raw, start=1):
        name = item.get("id", "?") if isinstance(item, dict) else "?"
        try:
            exercises.append(Exercise.model_validate(item))
        except ValidationError as err:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'entry'}: {e['msg']}" for e in err.errors()
            )
            raise PlanError(
                f"{CATALOGUE_FILE} entry {number} ({name}) is malformed: {problems}"
            ) from None
    return Catalogue(exercises)
