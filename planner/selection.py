"""Filling each session's slots with exercises, then topping up what the week still lacks."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from planner.catalogue import KIT_TIER, Exercise, Pool
from planner.coverage import (
    PUSH_PULL_REGIONS,
    TRAINING_ROLES,
    WEEKLY_NEEDS,
    Predicate,
    coverable_groups,
    has_pattern,
    missing_groups,
    possible,
    push_pull,
)
from planner.layouts import Layouts, SessionLayout, Slot
from planner.rules import RuleBook

MAX_TOP_UPS = 8


@dataclass(frozen=True)
class Pick:
    slot: str
    exercise: Exercise


@dataclass
class SessionPicks:
    label: str
    focus: str
    main: list[Pick] = field(default_factory=list)
    accessory: list[Pick] = field(default_factory=list)
    core: list[Pick] = field(default_factory=list)
    warm_up: list[Exercise] = field(default_factory=list)
    cool_down: list[Exercise] = field(default_factory=list)
    why: list[str] = field(default_factory=list)  # choices the runner should be told about

    def trained(self) -> list[Exercise]:
        return [pick.exercise for pick in (*self.main, *self.accessory, *self.core)]

    def ids(self) -> set[str]:
        return {exercise.id for exercise in self.trained()}


@dataclass(frozen=True)
class WeekPicks:
    sessions: tuple[SessionPicks, ...]
    gaps: tuple[str, ...]


class Selector:
    """Chooses exercises for a runner's pool: the same inputs always give the same picks."""

    def __init__(self, pool: Pool, layouts: Layouts, rules: RuleBook, order: dict[str, int]):
        self.pool = pool
        self.layouts = layouts
        self.rules = rules
        self.order = order
        self.reachable = coverable_groups(pool, rules.param("full-body", "groups"))
        self._week_mains: set[str] = set()

    def choose_week(
        self,
        count: int,
        prior: frozenset[str] = frozenset(),
        main_lifts: int = 2,
        max_accessories: int | None = None,
    ) -> WeekPicks:
        """Picks for a week of `count` sessions, preferring exercises already in the plan.

        `max_accessories` keeps only the first few accessories (calf raises lead): maintenance.
        """
        gaps: list[str] = []
        week_ids: set[str] = set()
        # Main lifts already given this week: another session takes a different one for the
        # same pattern when the pool has it (a lift used as an accessory is second choice).
        self._week_mains = set()
        sessions = [
            self._fill_layout(layout, week_ids, prior, gaps, main_lifts)
            for layout in self.layouts.for_sessions(count)
        ]
        self._top_up_needs(sessions, week_ids, prior)
        self._top_up_groups(sessions, week_ids, prior)
        self._balance(sessions, week_ids, prior)
        for session in sessions:
            if max_accessories is not None:
                session.accessory = session.accessory[:max_accessories]
            session.warm_up = self._warm_up()
            session.cool_down = self._cool_down(session)
        return WeekPicks(tuple(sessions), tuple(dict.fromkeys(gaps)))

    def fill(
        self,
        slot_name: str,
        taken: set[str],
        week_ids: set[str],
        prior: frozenset[str],
        roles: tuple[str, ...] | None = None,
        patterns: Collection[str] | None = None,
    ) -> Pick | None:
        """Best exercise for a slot (or its fallbacks) that is not already in the session.

        With `roles` given (main lifts), a one-sided slot first tries two-sided versions of its
        own patterns before falling back: a knee-friendly squat beats no knee-dominant lift.
        """
        seen: set[str] = set()
        name: str | None = slot_name
        while name is not None and name not in seen:
            seen.add(name)
            slot = self.layouts.slots[name]
            lateralities = [slot.laterality]
            if roles is not None and slot.laterality is not None:
                lateralities.append(None)
            for laterality in lateralities:
                candidates = [
                    exercise
                    for exercise in self.pool.matching(
                        slot.patterns, roles or slot.roles, laterality
                    )
                    if exercise.id not in taken
                    and (patterns is None or exercise.pattern in patterns)
                ]
                if candidates:
                    best = min(
                        candidates,
                        key=lambda e: (
                            roles is not None and e.id in self._week_mains,
                            *self._rank(e, slot, week_ids, prior),
                        ),
                    )
                    return Pick(name, best)
            name = slot.fallback
        return None

    def _rank(self, exercise: Exercise, slot: Slot, week_ids: set[str], prior: frozenset[str]):
        return (
            exercise.id in week_ids,
            exercise.id not in prior,
            slot.roles.index(exercise.role),
            slot.patterns.index(exercise.pattern),
            -KIT_TIER[exercise.equipment],
            -exercise.difficulty,
            self.order[exercise.id],
        )

    def _fill_layout(
        self,
        layout: SessionLayout,
        week_ids: set[str],
        prior: frozenset[str],
        gaps: list[str],
        main_lifts: int,
    ) -> SessionPicks:
        session = SessionPicks(layout.label, layout.focus)
        taken: set[str] = set()
        for block, slots in (("main", layout.main[:main_lifts]), ("accessory", layout.accessory),
                             ("core", layout.core)):  # fmt: skip
            for slot_name in slots:
                if block == "main":
                    pick = self.fill_main(slot_name, taken, week_ids, prior, session)
                else:
                    pick = self.fill(slot_name, taken, week_ids, prior)
                if pick is None:
                    gaps.append(self.layouts.slots[slot_name].label)
                    continue
                taken.add(pick.exercise.id)
                week_ids.add(pick.exercise.id)
                if block == "main":
                    self._week_mains.add(pick.exercise.id)
                getattr(session, block).append(pick)
        return session

    def fill_main(
        self,
        slot_name: str,
        taken: set[str],
        week_ids: set[str],
        prior: frozenset[str],
        session: SessionPicks,
    ) -> Pick | None:
        """A real compound lift for a main slot: the slot's own patterns, then any compound
        pattern; an accessory move only when the equipment allows no compound (said in `why`)."""
        patterns = self.rules.param("compound-first", "patterns")
        pick = self.fill(slot_name, taken, week_ids, prior, roles=("main",), patterns=patterns)
        if pick is not None:
            return pick
        slot = self.layouts.slots[slot_name]
        # Keep the slot's side of the body (a hinge slot stays a pull): push/pull balance.
        directions = {e.direction for e in self.pool if e.pattern in slot.patterns}
        compound = [
            e for e in self.pool.matching(patterns, ("main",))
            if e.id not in taken and e.region == "lower" and e.direction in directions
        ]  # fmt: skip
        if compound:
            best = min(
                compound,
                key=lambda e: (
                    e.id in self._week_mains,
                    *self._loose_rank(e, slot, week_ids, prior),
                ),
            )
            return Pick(slot_name, best)
        pick = self.fill(slot_name, taken, week_ids, prior, patterns=patterns)
        if pick is not None:
            session.why.append(
                f"No compound {self.layouts.slots[slot_name].label} fits your equipment and "
                f"injuries, so {pick.exercise.name} fills that main-lift slot."
            )
        return pick

    def _add(
        self, session: SessionPicks, pick: Pick, week_ids: set[str], block: str = "accessory"
    ) -> None:
        # Main-role exercises added to meet a need still go in the accessory circuit.
        getattr(session, "core" if block == "core" else "accessory").append(pick)
        week_ids.add(pick.exercise.id)

    def _lightest(self, sessions: list[SessionPicks]) -> SessionPicks:
        return min(sessions, key=lambda s: (len(s.accessory) + len(s.core), s.label))

    def _top_up_needs(
        self, sessions: list[SessionPicks], week_ids: set[str], prior: frozenset[str]
    ) -> None:
        calf = has_pattern("calves")
        per_session = self.rules.param("calves", "per_session")
        for session in sessions:
            for _ in range(MAX_TOP_UPS):
                if sum(calf(e, self.rules) for e in session.trained()) >= per_session:
                    break
                if not self._top_up(session, calf, "calf", week_ids, prior):
                    break
        for rule_id, param, predicate, slot_name in WEEKLY_NEEDS:
            minimum = self.rules.param(rule_id, param)
            if not possible(predicate, self.pool, self.rules):
                continue
            for _ in range(MAX_TOP_UPS):
                trained = [e for s in sessions for e in s.trained()]
                if sum(predicate(e, self.rules) for e in trained) >= minimum:
                    break
                ordered = sorted(sessions, key=lambda s: (len(s.accessory) + len(s.core), s.label))
                if not any(
                    self._top_up(target, predicate, slot_name, week_ids, prior)
                    for target in ordered
                ):
                    break

    def _top_up(
        self,
        target: SessionPicks,
        predicate: Predicate,
        slot_name: str,
        week_ids: set[str],
        prior: frozenset[str],
    ) -> bool:
        """Add the best exercise meeting `predicate` to `target`; False when none is left."""
        slot = self.layouts.slots[slot_name]
        taken = target.ids()
        candidates = [
            e for e in self.pool
            if predicate(e, self.rules) and e.role in TRAINING_ROLES and e.id not in taken
        ]  # fmt: skip
        if not candidates:
            return False
        best = min(candidates, key=lambda e: self._loose_rank(e, slot, week_ids, prior))
        block = "core" if best.role == "core" else "accessory"
        self._add(target, Pick(slot_name, best), week_ids, block)
        return True

    def _loose_rank(self, exercise: Exercise, slot: Slot, week_ids: set[str], prior: frozenset):
        return (
            exercise.id in week_ids,
            exercise.id not in prior,
            exercise.role not in slot.roles,
            exercise.pattern not in slot.patterns,
            -KIT_TIER[exercise.equipment],
            -exercise.difficulty,
            self.order[exercise.id],
        )

    def _top_up_groups(
        self, sessions: list[SessionPicks], week_ids: set[str], prior: frozenset[str]
    ) -> None:
        groups = self.rules.param("full-body", "groups")
        for session in sessions:
            for group in missing_groups(session.trained(), groups):
                if group not in self.reachable:
                    continue
                muscles = set(groups[group])
                candidates = [
                    e for e in self.pool.training(muscles, TRAINING_ROLES)
                    if e.id not in session.ids()
                ]  # fmt: skip
                if not candidates:
                    continue
                best = min(
                    candidates,
                    key=lambda e: (
                        not muscles.intersection(e.primary),
                        e.role == "main",
                        e.id in week_ids,
                        e.id not in prior,
                        self.order[e.id],
                    ),
                )
                block = "core" if best.role == "core" else "accessory"
                self._add(session, Pick("full-body", best), week_ids, block)

    def _balance(
        self, sessions: list[SessionPicks], week_ids: set[str], prior: frozenset[str]
    ) -> None:
        for region in PUSH_PULL_REGIONS:
            slot = self.layouts.slots["pull" if region == "upper" else "posterior"]
            for _ in range(MAX_TOP_UPS):
                trained = [e for s in sessions for e in s.trained()]
                push, pull = push_pull(trained, region)
                if pull >= push * self.rules.param("push-pull", "min_pull_per_push"):
                    break
                target = self._lightest(sessions)
                candidates = [
                    e for e in self.pool
                    if e.region == region and e.direction == "pull"
                    and e.role in TRAINING_ROLES and e.id not in target.ids()
                ]  # fmt: skip
                if not candidates:
                    break
                best = min(candidates, key=lambda e: self._loose_rank(e, slot, week_ids, prior))
                self._add(target, Pick(slot_name_for(region), best), week_ids)

    def _warm_up(self) -> list[Exercise]:
        limit = self.rules.param("warm-up", "max_items")
        candidates = [e for e in self.pool if e.role == "warm-up"]
        chosen: list[Exercise] = []
        for region in ("upper", "lower"):
            first = next((e for e in candidates if e.region == region), None)
            if first is not None:
                chosen.append(first)
        chosen += [e for e in candidates if e not in chosen][: max(0, limit - len(chosen))]
        return sorted(chosen, key=lambda e: self.order[e.id])

    def _cool_down(self, session: SessionPicks) -> list[Exercise]:
        """Breathing, then mobility for what was trained, the upper back and the rest."""
        limit = self.rules.param("cool-down", "max_items")
        trained = {muscle for e in session.trained() for muscle in e.primary}
        candidates = [e for e in self.pool if e.role == "cool-down"]
        chosen = [e for e in candidates if e.pattern == "breathing"][:1]
        mobility = sorted(
            (e for e in candidates if e.pattern != "breathing"),
            key=lambda e: (not trained.intersection(e.primary), self.order[e.id]),
        )
        for region in ("lower", "upper"):
            first = next((e for e in mobility if e.region == region), None)
            if first is not None and len(chosen) < limit:
                chosen.append(first)
        chosen += [e for e in mobility if e not in chosen][: max(0, limit - len(chosen))]
        return chosen


def slot_name_for(region: str) -> str:
    return "pull" if region == "upper" else "posterior"


def exercise_ids(picks: Iterable[SessionPicks]) -> frozenset[str]:
    return frozenset(e.id for session in picks for e in session.trained())
