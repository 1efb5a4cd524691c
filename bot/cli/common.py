"""What every `coach` command shares: settings, the app, the terminal, errors as exit codes."""

from __future__ import annotations

import errno
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console

from bot.secrets_guard import protect, redact
from bot.settings import Settings, describe_problems
from retrieval.errors import CoachError

if TYPE_CHECKING:
    from bot.app import CoachApp
    from retrieval.ingest.indexer import IndexReport

T = TypeVar("T")

out = Console()
err = Console(stderr=True)
log = logging.getLogger("coach")
# How long `coach index` waits for another writer (or the bot it handed the job to).
INDEX_WAIT_S = 30 * 60


def load_settings() -> Settings:
    try:
        settings = Settings()
    except ValidationError as exc:
        fail(f"Bad setting in the environment or .env: {describe_problems(exc)}")
    protect(settings)  # secrets in .env too, not only the environment
    problem = data_dir_problem(settings.data_dir)
    if problem:
        fail(problem)
    return settings


def data_dir_problem(folder: Path) -> str | None:
    """Why the data folder cannot be used, said as such (not later as a "damaged store")."""
    if folder.exists() and not folder.is_dir():
        return f"COACH_DATA_DIR {folder} is a file, not a folder; point it at a folder"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        next(os.scandir(folder), None)
    except OSError as exc:
        verb = "cannot be read" if folder.is_dir() else "cannot be created"
        return (
            f"COACH_DATA_DIR {folder} {verb} ({exc.strerror or exc}); point it at a folder "
            "you can write"
        )
    return None


def fail(message: str, code: int = 1) -> NoReturn:
    message = redact(message)
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def make_app(settings: Settings, *, quiet: bool = False) -> CoachApp:
    from bot.app import CoachApp

    def notify(message: str) -> None:
        if not quiet:
            err.print(f"[dim]{message}[/]", highlight=False)

    try:
        return CoachApp(settings, notify=notify)
    except CoachError as exc:
        fail(str(exc))


def run(action: Callable[[], T]) -> T:
    """Every error becomes one red line; `-v` logs the traceback of an unexpected one."""
    try:
        return action()
    except CoachError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except OSError as exc:
        log.debug("system error", exc_info=True)
        fail(_os_problem(exc))
    except Exception as exc:
        log.debug("unexpected error", exc_info=True)
        fail(
            f"unexpected {exc.__class__.__name__}: {' '.join(str(exc).split())[:200]} "
            "(run with -v for details)"
        )


def _os_problem(exc: OSError) -> str:
    """A disk or permission failure, said the way a person fixes it."""
    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno == errno.ENOSPC:
        return f"No space left on the disk{where}; free some space and try again."
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return (
            f"Cannot write{where}: the folder is read-only; make it writable or set "
            "COACH_DATA_DIR to a writable folder."
        )
    return f"{exc.strerror or exc}{where}"


def hand_over(
    settings: Settings, *, rebuild: bool = False, timeout: float = INDEX_WAIT_S
) -> IndexReport:
    """Hand the index job to the running bot that owns the embedded index, and wait for it."""
    from retrieval.ingest.indexer import IndexReport
    from retrieval.ingest.writer import request_index

    result = request_index(settings.data_dir, rebuild=rebuild, timeout=timeout)
    if not result.ok:
        raise CoachError(result.error or "the bot could not re-index; see its log")
    return IndexReport.model_validate(result.report)


def write_output(path: Path, data: bytes, what: str) -> None:
    """Write a file the runner asked for; a folder or an unwritable place is one clear line."""
    if path.is_dir():
        raise CoachError(f"--{what} {path} is a folder: give a file name, e.g. {path / 'plan'}")
    try:
        path.write_bytes(data)
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise CoachError(f"can't write {path}: {reason.lower()}; choose another file") from None
