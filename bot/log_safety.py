"""The red-flag matcher the planner's adaptation takes as a seam (planner never imports answering).

`Planner.adapt(..., warning_signs=warning_signs)` checks a training-log note with the same
matcher that guards answers, besides the warning words in `planner/data/adapt_rules.yaml`.
"""

from __future__ import annotations


def warning_signs(note: str) -> list[str]:
    """Labels of the injury warning signs `answering.safety` finds in a note ([] for none)."""
    from answering.safety import detect_red_flags

    return [flag.label for flag in detect_red_flags(note)]
