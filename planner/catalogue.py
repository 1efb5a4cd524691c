"""The exercise catalogue and the filters that decide what a runner may be given."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from planner.data_files import read_data
from planner.errors import PlanError
from planner.models import Avoid

CATALOGUE_FILE = "exercises.yaml"
Role = Literal["warm-up", "main", "accessory", "core", "prehab", "cool-down"]
Kit = Literal["bodyweight", "bands", "dumbbells", "gym"]
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
    pattern: str
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
        blocked = frozenset(avoid)
        return Pool(
            exercise
            for exercise in self.exercises
            if exercise.equipment in kit
            and exercise.difficulty <= max_difficulty
            and not blocked.intersection(exercise.avoid)
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


def kit_for(equipment: Iterable[str]) -> frozenset[str]:
    kit: set[str] = set()
    for item in equipment:
        kit |= KIT_FOR_EQUIPMENT[item]
    return frozenset(kit or KIT_FOR_EQUIPMENT["none"])


def load_catalogue(data: Sequence[dict[str, Any]] | None = None) -> Catalogue:
    """The catalogue from `planner/data/exercises.yaml` (or given data), checked for shape."""
    raw = read_data(CATALOGUE_FILE) if data is None else data
    try:
        return Catalogue(Exercise.model_validate(item) for item in raw)
    except ValidationError as err:
        raise PlanError(f"{CATALOGUE_FILE} is malformed: {err}") from None
