"""The planner's one domain error, with messages that tell the runner what to change."""

from __future__ import annotations

from retrieval.errors import CoachError


class PlanError(CoachError):
    """A plan cannot be made from this input, or a rule or exercise no longer resolves."""
