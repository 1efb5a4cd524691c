"""How long blocks and sessions take, so a session fits the runner's time."""

from __future__ import annotations

from collections.abc import Sequence

from planner.catalogue import Catalogue
from planner.layouts import Timing
from planner.models import Block, BlockKind, Prescription
from planner.rules import RuleBook

ROUND_REST_RULE = {"accessory": "accessory-circuit", "core": "core-every-session"}


def block_minutes(
    kind: BlockKind,
    prescriptions: Sequence[Prescription],
    rounds: int,
    catalogue: Catalogue,
    rules: RuleBook,
    timing: Timing,
) -> float:
    """Estimated minutes of one block, rounded to a tenth."""
    if kind in ("warm-up", "cool-down"):
        return float(rules.param(kind, "minutes"))
    if not prescriptions:
        return 0.0
    sides = [
        timing.unilateral_factor if catalogue[p.exercise_id].unilateral else 1
        for p in prescriptions
    ]
    if kind == "main":
        seconds = sum(
            p.sets * (timing.main_set_s * side + p.rest_s)
            for p, side in zip(prescriptions, sides, strict=True)
        )
    else:
        round_rest = rules.param(ROUND_REST_RULE[kind], "round_rest_s")
        seconds = rounds * timing.circuit_item_s * sum(sides) + (rounds - 1) * round_rest
    return round(seconds / 60, 1)


def session_minutes(blocks: Sequence[Block], extra: float = 0.0) -> float:
    return round(sum(block.minutes for block in blocks) + extra, 1)
