"""What a set of exercises covers, as the rules define it (shared by the builder and the audit)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from planner.catalogue import Exercise, Pool
from planner.rules import RuleBook

TRAINING_ROLES = ("main", "accessory", "prehab", "core")
# The push-pull rule covers both halves of the body ("for the upper and the lower body").
PUSH_PULL_REGIONS = ("upper", "lower")
Predicate = Callable[[Exercise, RuleBook], bool]


def is_single_leg(exercise: Exercise, rules: RuleBook) -> bool:
    return (
        exercise.unilateral
        and exercise.region == "lower"
        and exercise.pattern in rules.param("single-leg", "patterns")
    )


def has_pattern(rule_id: str) -> Predicate:
    """A predicate: the exercise's pattern is one the rule lists."""

    def check(exercise: Exercise, rules: RuleBook) -> bool:
        return exercise.pattern in rules.param(rule_id, "patterns")

    return check


def is_upper(direction: str) -> Predicate:
    def check(exercise: Exercise, rules: RuleBook) -> bool:
        return exercise.region == "upper" and exercise.direction == direction

    return check


def is_lower_main(exercise: Exercise, rules: RuleBook) -> bool:
    return exercise.region == "lower" and exercise.role == "main"


# Weekly needs the builder tops up: (rule id, its parameter holding the weekly minimum,
# predicate, slot whose ranking picks the exercise).
WEEKLY_NEEDS: tuple[tuple[str, str, Predicate, str], ...] = (
    ("single-leg", "min_per_week", is_single_leg, "single-leg-hinge"),
    ("lateral-hip", "min_per_week", has_pattern("lateral-hip"), "lateral-hip"),
    ("tibialis", "min_per_week", has_pattern("tibialis"), "tibialis"),
    ("anti-rotation", "min_per_week", has_pattern("anti-rotation"), "anti-rotation"),
    ("upper-lower", "min_upper_push", is_upper("push"), "push"),
    ("upper-lower", "min_upper_pull", is_upper("pull"), "pull"),
    ("upper-lower", "min_lower_main", is_lower_main, "hinge"),
)


def possible(predicate: Predicate, pool: Pool, rules: RuleBook) -> bool:
    """Whether any exercise this runner may do meets the need at all."""
    return any(predicate(e, rules) for e in pool if e.role in TRAINING_ROLES)


def missing_groups(exercises: Iterable[Exercise], groups: dict[str, Sequence[str]]) -> list[str]:
    trained: set[str] = set()
    for exercise in exercises:
        trained |= exercise.muscles
    return [name for name, muscles in groups.items() if not trained.intersection(muscles)]


def coverable_groups(pool: Pool, groups: dict[str, Sequence[str]]) -> set[str]:
    trainable = [e for e in pool if e.role in TRAINING_ROLES]
    return {name for name in groups if name not in missing_groups(trainable, {name: groups[name]})}


def push_pull(exercises: Iterable[Exercise], region: str) -> tuple[int, int]:
    push = pull = 0
    for exercise in exercises:
        if exercise.region == region:
            push += exercise.direction == "push"
            pull += exercise.direction == "pull"
    return push, pull
