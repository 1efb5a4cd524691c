"""The plan's options as every surface types them, read from `PlanRequest`'s fields.

The request model is the one declaration (default, limits, help, choices); `coach plan`,
Discord's `/plan` and the console's `/plan --flags` are generated from these specs, so a new
field cannot be forgotten on one of them. Pure: no Typer, no discord.py.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, Union, get_args, get_origin

from pydantic.fields import FieldInfo

from planner.models import PlanRequest

# How a value is typed: a whole number, one word of a vocabulary, a comma list of words,
# a comma list of `key:word` pairs, a YYYY-MM-DD date, or free text.
Shape = Literal["number", "word", "words", "pairs", "date", "text"]


@dataclass(frozen=True)
class PlanOption:
    """One field of the request as a surface offers it (always as typed text or a number)."""

    name: str  # the request field, and the Discord option
    flag: str  # `--free`: the command line's and the console's spelling
    shape: Shape
    help: str  # the field's description, without limits, default or choices
    default: int | str | None  # as typed: "none" for ("none",); None when there is none
    required: bool
    cli_only: bool  # the CLI's `--today`, `--owner`: Discord and the console fill these in
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()  # the words it takes (for pairs: the word after the colon)
    keys: tuple[str, ...] = ()  # for pairs: the word before the colon
    example: str | None = None
    chars: tuple[int, int] | None = None  # how long its typed text may be

    def describe(self, *, default: bool, choices: bool, quotes: str = "") -> str:
        """The help text: description, example, limits or date format, default, choices.

        `default=False` where the surface shows the default itself (Typer); `quotes` are the
        marks around the example (Discord's “”)."""
        text = self.help
        if self.example:
            text += f", e.g. {quotes[:1]}{self.example}{quotes[1:]}"
        notes = []
        if self.minimum is not None and self.maximum is not None:
            notes.append(f"{self.minimum}-{self.maximum}")
        if self.shape == "date":
            notes.append("YYYY-MM-DD")
        if default and self.default is not None:
            notes.append(f"default {self.default}")
        if notes:
            text += f" ({', '.join(notes)})"
        if choices and self.choices:
            text += (
                "; "
                + {
                    "word": "one of " + " | ".join(self.choices),
                    "words": "comma-separated: " + ", ".join(self.choices),
                    "pairs": "after the colon: " + ", ".join(self.choices),
                }[self.shape]
            )
        return text


def plan_options(*, cli: bool = False) -> tuple[PlanOption, ...]:
    """The request's options in declaration order; `cli=True` adds the command line's own."""
    found = (_option(name, field) for name, field in PlanRequest.model_fields.items())
    return tuple(option for option in found if cli or not option.cli_only)


def _option(name: str, field: FieldInfo) -> PlanOption:
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    if not field.description:
        raise TypeError(f"PlanRequest.{name} needs a description: it is the option's help")
    shape, keys, choices = _shape(field.annotation)
    minimum = maximum = None
    for rule in field.metadata:  # annotated_types Ge, Le
        minimum = getattr(rule, "ge", minimum)
        maximum = getattr(rule, "le", maximum)
    chars = extra.get("chars")
    if chars is None and shape == "date":
        chars = [8, 10]  # YYYY-MM-DD, or the compact YYYYMMDD date.fromisoformat also reads
    low, high = chars if isinstance(chars, list) else (None, None)
    return PlanOption(
        name=name,
        flag=str(extra.get("flag") or "--" + name.replace("_", "-")),
        shape=shape,
        help=field.description,
        default=_typed_default(field),
        required=field.is_required(),
        cli_only=bool(extra.get("cli_only")),
        minimum=minimum,
        maximum=maximum,
        choices=choices,
        keys=keys,
        example=str(field.examples[0]) if field.examples else None,
        chars=(low, high) if isinstance(low, int) and isinstance(high, int) else None,
    )


def _shape(annotation: Any) -> tuple[Shape, tuple[str, ...], tuple[str, ...]]:
    """(shape, keys, choices) of a field's type; TypeError for a type no surface can type."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, types.UnionType):  # `X | None`: optional, typed as X
        (annotation,) = [arg for arg in args if arg is not type(None)]
        origin, args = get_origin(annotation), get_args(annotation)
    if annotation is int:
        return "number", (), ()
    if annotation is date:
        return "date", (), ()
    if annotation is str:
        return "text", (), ()
    if origin is Literal:
        return "word", (), tuple(args)
    if origin is tuple and get_origin(args[0]) is Literal:
        return "words", (), get_args(args[0])
    if origin is dict and all(get_origin(arg) is Literal for arg in args):
        return "pairs", get_args(args[0]), get_args(args[1])
    raise TypeError(f"no surface can type a plan option of type {annotation!r}")


def _typed_default(field: FieldInfo) -> int | str | None:
    if field.is_required():
        return None
    value = field.get_default(call_default_factory=True)
    if isinstance(value, dict):
        value = [f"{key}:{word}" for key, word in value.items()]
    if isinstance(value, list | tuple):
        return ",".join(value) or None
    return value if isinstance(value, int | str) else None
