"""Session layouts: which slots each weekly session fills, by number of sessions a week."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from planner.catalogue import PATTERNS
from planner.data_files import read_data
from planner.errors import PlanError

LAYOUTS_FILE = "layouts.yaml"


class Slot(BaseModel):
    """A place in a session and what may fill it (patterns and roles in order of preference)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str
    rule: str
    patterns: tuple[str, ...]
    roles: tuple[str, ...]
    laterality: Literal["bilateral", "unilateral"] | None = None
    fallback: str | None = None


class SessionLayout(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str
    focus: str
    main: tuple[str, ...]
    accessory: tuple[str, ...]
    core: tuple[str, ...]


class Timing(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    main_set_s: int
    unilateral_factor: int
    circuit_item_s: int


class Layouts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    slots: dict[str, Slot]
    layouts: dict[int, tuple[SessionLayout, ...]]
    timing: Timing

    @model_validator(mode="after")
    def _known_slots(self) -> Layouts:
        for sessions in self.layouts.values():
            for layout in sessions:
                for used in (*layout.main, *layout.accessory, *layout.core):
                    if used not in self.slots:
                        raise ValueError(f"layout {layout.label} uses unknown slot {used!r}")
        for name, slot in self.slots.items():
            unknown = [p for p in slot.patterns if p not in PATTERNS]
            if unknown:
                raise ValueError(f"slot {name} uses unknown pattern {unknown[0]!r}")
            if slot.fallback is not None and slot.fallback not in self.slots:
                raise ValueError(f"slot {name} falls back to unknown slot {slot.fallback!r}")
        return self

    def for_sessions(self, count: int) -> tuple[SessionLayout, ...]:
        return self.layouts[count]


def load_layouts(data: dict[str, Any] | None = None) -> Layouts:
    raw = read_data(LAYOUTS_FILE) if data is None else data
    try:
        return Layouts.model_validate(raw)
    except ValidationError as err:
        raise PlanError(f"{LAYOUTS_FILE} is malformed: {err}") from None
