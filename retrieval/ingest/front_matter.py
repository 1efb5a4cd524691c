"""YAML front matter of a Markdown article, read so that no file can make it large.

YAML aliases (`*name`) let a few hundred bytes describe billions of values (a "billion
laughs" file: 8 levels of 9 aliases is 43 million strings once expanded), and PyYAML shares
the nodes only until something walks them, like writing the index manifest. So the loader
refuses aliases and anchors outright, caps the front matter's size and nesting, and what it
returns is no bigger than the text it read. Such a file is skipped with a reason; ordinary
bad YAML is only logged and dropped, as before, since the article itself is fine.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any

import yaml
from yaml.events import AliasEvent

from retrieval.ingest.limits import MAX_FRONT_MATTER_BYTES, MAX_FRONT_MATTER_DEPTH, LimitError, kb

log = logging.getLogger(__name__)

_OPENING = re.compile(r"\A---[ \t]*\n")
# The closing line, searched from the end of the opening one (line by line: linear time).
_CLOSING = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)

ALIAS_REASON = (
    "front matter uses YAML anchors or aliases (&name / *name) — write the values out in full"
)


class _PlainLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors and aliases and stops at a nesting depth."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None) is not None:
            raise LimitError(ALIAS_REASON)
        self._depth += 1
        try:
            if self._depth > MAX_FRONT_MATTER_DEPTH + 1:  # +1: the top-level mapping
                raise LimitError(
                    f"front matter is nested more than {MAX_FRONT_MATTER_DEPTH} levels deep — "
                    "keep it to simple fields (title, tags, date, source)"
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split YAML front matter from a Markdown body; bad YAML is logged and dropped.

    Raises LimitError (the file is skipped) for front matter over the size limit, nested too
    deep, or using aliases.
    """
    text = text.lstrip("\ufeff")
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    opening = _OPENING.match(normalized)
    if not opening:
        return {}, text
    closing = _CLOSING.search(normalized, opening.end())
    if not closing:
        return {}, text  # a thematic break at the top, not front matter
    raw = normalized[opening.end() : closing.start()]
    body = normalized[closing.end() + 1 :]
    size = len(raw.encode("utf-8", "surrogatepass"))
    if size > MAX_FRONT_MATTER_BYTES:
        raise LimitError(
            f"front matter is {kb(size)}, over the {kb(MAX_FRONT_MATTER_BYTES)} limit — "
            "keep it to a few lines (title, tags, date, source), or close it with a --- line"
        )
    try:
        data = yaml.load(raw, Loader=_PlainLoader)  # a SafeLoader subclass
    except (yaml.YAMLError, ValueError, OverflowError, RecursionError) as exc:
        # ValueError: a date like 2024-13-45, an integer of thousands of digits.
        log.warning("front matter is not valid YAML, ignoring it: %s", _one_line(exc))
        return {}, body
    if not isinstance(data, dict):
        return {}, body
    return {str(k): plain_value(v) for k, v in data.items()}, body


def plain_value(value: Any) -> Any:
    """YAML values as JSON-friendly data (dates become ISO strings)."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_value(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200]
