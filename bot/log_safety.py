"""The red-flag matcher the planner's adaptation takes as a seam (planner never imports answering).

`Planner.adapt(..., warning_signs=warning_signs)` checks a training-log note with the same
matcher that guards answers, besides the warning words in `planner/data/adapt_rules.yaml`.
"""

from __future__ import annotations

# A log entry scores each niggle 0-10 and the planner acts on the score; in the note, these
# signs are that niggle in words ("calf niggle", "knee sore"), not a warning of their own.
SCORED_AS_NIGGLES = frozenset(
    {
        "a twinge or niggle",
        "pain in a joint, bone or tendon",
        "moderate pain (4 out of 10 or more)",
        "pain of 5 out of 10 or more",
        "a clicking, creaking or grating joint or tendon",
    }
)


def warning_signs(note: str) -> list[str]:
    """Labels of the injury warning signs `answering.safety` finds in a note ([] for none)."""
    from answering.safety import detect_red_flags

    return [f.label for f in detect_red_flags(note) if f.label not in SCORED_AS_NIGGLES]
