"""Sets, reps, tempo, rest and load for one exercise in one week, from the phase rules."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from planner.catalogue import Exercise
from planner.layouts import Layouts
from planner.models import BlockKind, Experience, Phase, Prescription
from planner.rules import RuleBook

Cite = Callable[[str], int]

_PHASE_LOAD = {
    "base": "Moderate weight; every rep crisp and controlled through the full range.",
    "build": "Hold the weight steady or add a little; never grind a rep.",
    "in-season": "Keep the weight steady from week to week.",
    "taper": "Light: leave fresher than you arrived.",
}
# Bodyweight and band lifts: there is no weight to pick, so the version sets the effort.
_PHASE_LOAD_UNLOADED = {
    "base": "No weight to pick: choose the version that makes the last reps of each set feel "
    "like that, every rep controlled; to make it harder: {harder}.",
    "build": "Keep the version you finished the base with; never grind a rep.",
    "in-season": "Keep the same version from week to week.",
    "taper": "An easy version: leave fresher than you arrived.",
}
UNLOADED_KIT = ("bodyweight", "bands")


@dataclass(frozen=True)
class WeekContext:
    """Where a week sits in the plan, as far as loading is concerned."""

    number: int
    phase: Phase
    experience: Experience
    deload: bool
    step: int  # week within the block between deloads, from 0
    block: int  # which block between deloads, from 0
    phase_week: int  # weeks spent in this phase so far, from 1


def week_context(
    number: int, phase: Phase, experience: Experience, deload: bool, phase_week: int,
    rules: RuleBook,
) -> WeekContext:  # fmt: skip
    every = rules.param("deload", "every_weeks")
    return WeekContext(number, phase, experience, deload, (number - 1) % every,
                       (number - 1) // every, phase_week)  # fmt: skip


def progresses(ctx: WeekContext, rules: RuleBook) -> bool:
    return ctx.phase in rules.param("progression", "phases") and not ctx.deload


def main_sets(ctx: WeekContext, rules: RuleBook) -> int:
    sets = rules.phase(ctx.phase)["main"]["sets"][ctx.experience]
    if ctx.deload:
        sets = max(1, math.ceil(sets * rules.param("deload", "sets_factor")))
    return sets


def main_rpe(ctx: WeekContext, rules: RuleBook) -> float:
    rpe = float(rules.phase(ctx.phase)["main"]["rpe"][ctx.experience])
    if progresses(ctx, rules):
        steps = rules.param("progression", "rpe_steps")
        rpe += steps[min(ctx.step, len(steps) - 1)]
    if ctx.deload:
        rpe -= rules.param("deload", "rpe_drop")
    low, high = rules.param("rpe-loads", "min_rpe"), rules.param("rpe-loads", "max_rpe")
    return min(float(high), max(float(low), rpe))


def unloaded(exercise: Exercise) -> bool:
    return exercise.equipment in UNLOADED_KIT


def main_reps(ctx: WeekContext, rules: RuleBook, exercise: Exercise | None = None) -> str:
    if exercise is not None and unloaded(exercise):
        return rules.param("progression", "unloaded_reps")[ctx.phase]
    phase = rules.phase(ctx.phase)
    late = phase.get("late")
    if late and ctx.experience in late["for"] and ctx.phase_week > late["after_weeks"]:
        return late["reps"]
    return phase["main"]["reps"]


def block_rounds(kind: BlockKind, ctx: WeekContext, rules: RuleBook) -> int:
    """Circuit rounds for the accessory or core block before any trimming."""
    phase = rules.phase(ctx.phase)
    if kind != "accessory":
        return rules.param("deload", "rounds") if ctx.deload else phase["core_rounds"]
    rounds = (
        rules.param("deload", "rounds") if ctx.deload else phase["accessory_rounds"][ctx.experience]
    )
    low, high = min_rounds(kind, rules), rules.param("accessory-circuit", "max_rounds")
    return min(high, max(low, rounds))


def min_rounds(kind: BlockKind, rules: RuleBook) -> int:
    """Fewest circuit rounds a block may be trimmed to (the circuit's floor for accessories)."""
    return rules.param("accessory-circuit", "min_rounds") if kind == "accessory" else 1


def rpe_text(rpe: float) -> str:
    """RPE with the reps left in the tank it means (10 - RPE; a half gives a range)."""
    left = max(0.0, 10 - rpe)
    if left == int(left):
        reserve = f"about {int(left)} rep{'s' * (left != 1)} in reserve"
    else:
        reserve = f"{math.floor(left)}–{math.ceil(left)} reps in reserve"
    return f"RPE {rpe:g} ({reserve})"


def _amount(exercise: Exercise, reps: str, hold: str, carry: str | None = None) -> str:
    if exercise.unit == "carry":
        text = carry or hold
    elif exercise.unit == "seconds":
        text = hold
    else:
        text = reps
    return f"{text} each side" if exercise.unilateral and exercise.unit != "carry" else text


def load_key(kind: BlockKind, ctx: WeekContext, rules: RuleBook) -> tuple:
    """Everything about a week that `prescribe` reads for this block kind (for caching)."""
    if kind in ("warm-up", "cool-down"):
        return ()
    if kind != "main":
        return (ctx.deload,)
    new_block = ctx.block > 0 and ctx.step == 0
    return (ctx.phase, ctx.experience, ctx.deload, ctx.step, new_block, main_reps(ctx, rules))


def slot_rule(slot: str, layouts: Layouts) -> str:
    if slot in layouts.slots:
        return layouts.slots[slot].rule
    return "full-body"


def prescribe(
    exercise: Exercise,
    slot: str,
    kind: BlockKind,
    ctx: WeekContext,
    rounds: int,
    rules: RuleBook,
    layouts: Layouts,
    cite: Cite,
) -> Prescription:
    """One exercise's prescription; every number traces to a cited rule."""
    if kind == "main":
        return _prescribe_main(exercise, slot, ctx, rules, layouts, cite)
    if kind in ("warm-up", "cool-down"):
        return _prescribe_bookend(exercise, slot, kind, rules, cite)
    if kind == "core":
        params = rules["core-every-session"].params
        reps = _amount(exercise, params["reps"], params["hold"], params["carry"])
        rule = "core-every-session"
        load = "Quality over quantity: brace, keep the neck relaxed, breathe out smoothly."
    else:
        params = rules["accessory-circuit"].params
        reps = _amount(exercise, params["reps"], params["hold"])
        rule = "accessory-circuit"
        load = "Light to moderate: controlled reps; stop before your form fades."
    cites = [cite(rule), cite(slot_rule(slot, layouts))]
    if ctx.deload:
        cites.append(cite("deload"))
    return Prescription(
        exercise_id=exercise.id,
        name=exercise.name,
        slot=slot,
        sets=rounds,
        reps=reps,
        rest_s=0,
        load=load,
        cue=exercise.cue,
        cites=unique(cites),
    )


def _prescribe_main(
    exercise: Exercise, slot: str, ctx: WeekContext, rules: RuleBook, layouts: Layouts,
    cite: Cite,
) -> Prescription:  # fmt: skip
    rpe = main_rpe(ctx, rules)
    free = unloaded(exercise)
    load = (_PHASE_LOAD_UNLOADED if free else _PHASE_LOAD)[ctx.phase]
    if free:  # the versions this kit offers: no band or box for a runner without them
        load = load.format(harder=rules.param("progression", "harder")[exercise.equipment])
    phase = rules.phase(ctx.phase)
    cites = [cite(f"phase-{ctx.phase}"), cite("compound-first"), cite("tempo"), cite("rpe-loads")]
    if slot_rule(slot, layouts) != "compound-first":
        cites.append(cite(slot_rule(slot, layouts)))
    if ctx.deload:
        lighter = "an easier version" if free else "clearly lighter"
        load = f"Deload: fewer sets and {lighter}, so the body absorbs the training."
        cites.append(cite("deload"))
    elif progresses(ctx, rules):
        cites.append(cite("progression"))
        if ctx.block > 0 and ctx.step == 0 and free:
            harder = rules.param("progression", "harder")[exercise.equipment]
            load += f" New block: if every rep stayed crisp, make it harder: {harder}."
        elif ctx.block > 0 and ctx.step == 0:
            step = rules.param("progression", "load_step")
            load += (
                f" New block: start about {step} heavier than the last one if reps stayed crisp."
            )
    hold = exercise.unit == "seconds"
    if hold and not ctx.deload:
        load = "A hold: sink only to a pain-free depth that makes the last seconds feel like that."
    if "intent" in phase["main"] and not ctx.deload and not hold:
        load += f" Intent: {phase['main']['intent']}."
    return Prescription(
        exercise_id=exercise.id,
        name=exercise.name,
        slot=slot,
        sets=main_sets(ctx, rules),
        reps=_amount(
            exercise, main_reps(ctx, rules, exercise), rules.param("progression", "unloaded_hold")
        ),
        tempo=None if hold else rules.param("tempo", "main"),
        rest_s=phase["main"]["rest_s"],
        rpe=rpe,
        load=f"{rpe_text(rpe)}. {load}",
        cue=exercise.cue,
        cites=unique(cites),
    )


def _prescribe_bookend(
    exercise: Exercise, slot: str, kind: BlockKind, rules: RuleBook, cite: Cite
) -> Prescription:
    params = rules[kind].params
    if kind == "warm-up":
        sets, reps = params["sets"], _amount(exercise, params["reps"], params["hold"])
        load = "Easy: wake the muscles up without tiring them."
    else:
        sets = 1
        if exercise.pattern == "breathing":
            reps = params["breathing"]
        else:
            reps = _amount(exercise, params["reps"], params["hold"])
        load = "Relaxed, pain-free range."
    return Prescription(
        exercise_id=exercise.id,
        name=exercise.name,
        slot=slot,
        sets=sets,
        reps=reps,
        rest_s=0,
        load=load,
        cue=exercise.cue,
        cites=[cite(kind)],
    )


def unique(numbers: list[int]) -> list[int]:
    return list(dict.fromkeys(numbers))
