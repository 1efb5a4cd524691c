"""Prompt templates: files in `prompts/`, loaded by name and rendered with `string.Template`."""

from __future__ import annotations

import html
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from string import Template

from answering.models import Turn
from retrieval.models import Hit
from retrieval.text import trim

from .errors import ConfigError

# Shipped as package data of `prompts`, so an installed wheel finds them from any folder.
PROMPTS_DIR = Path(str(resources.files("prompts")))
SUFFIXES = (".md", ".txt")


@lru_cache(maxsize=64)
def load_prompt(name: str, prompts_dir: Path = PROMPTS_DIR) -> Template:
    """The template `prompts/<name>.md|txt`; `$field` placeholders, `$$` for a dollar sign."""
    for suffix in SUFFIXES:
        path = prompts_dir / f"{name}{suffix}"
        if path.is_file():
            return Template(path.read_text(encoding="utf-8").strip())
    raise ConfigError(f"Prompt '{name}' not found: add {prompts_dir / name}.md")


def render_prompt(name: str, prompts_dir: Path = PROMPTS_DIR, /, **fields: object) -> str:
    """Render a template; a placeholder left unfilled is a bug in the caller, so it raises."""
    try:
        return load_prompt(name, prompts_dir).substitute(**fields)
    except (KeyError, ValueError) as exc:
        raise ConfigError(f"Prompt '{name}' needs a field that was not given: {exc}") from exc


def format_passages(hits: Sequence[Hit]) -> str:
    """Each hit in its own `<passage n=...>` block; text escaped so it cannot close the block."""
    blocks = []
    for n, hit in enumerate(hits, start=1):
        source = html.escape(hit.source, quote=True)
        heading = html.escape(hit.heading or hit.title, quote=True)
        text = html.escape(hit.text.strip(), quote=False)
        blocks.append(
            f'<passage n="{n}" source="{source}" heading="{heading}">\n{text}\n</passage>'
        )
    return "\n".join(blocks)


def format_history(history: Sequence[Turn], max_chars: int = 600) -> str:
    """Earlier turns as escaped `Member:`/`Coach:` lines, answers shortened."""
    lines = []
    for turn in history:
        lines.append(f"Member: {html.escape(turn.question.strip(), quote=False)}")
        if turn.answer.strip():
            answer = trim(" ".join(turn.answer.split()), max_chars)
            lines.append(f"Coach: {html.escape(answer, quote=False)}")
    return "\n".join(lines)


def escape_text(text: str) -> str:
    """Escape user text placed inside a delimited block of a prompt."""
    return html.escape(text.strip(), quote=False)
