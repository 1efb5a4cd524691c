"""The one loader of the planner's data files (YAML shipped inside the package)."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

# libyaml's loader when present: the catalogue parses several times faster with it.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_data(name: str) -> Any:
    """Parse `planner/data/<name>`; the only file access the planner core has."""
    text = resources.files("planner").joinpath("data", name).read_text(encoding="utf-8")
    return yaml.load(text, Loader=_LOADER)
