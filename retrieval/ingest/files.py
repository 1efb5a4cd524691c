"""The knowledge folder on disk: which files to index, and reading one file's bytes safely."""

from __future__ import annotations

import errno
import logging
import os
import stat
from pathlib import Path

from retrieval.errors import KnowledgeError
from retrieval.models import Skipped

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".md", ".markdown", ".txt", ".html", ".htm", ".pdf"}
)

SAVE_AS = "save it as .md, .txt, .html or .pdf"

# Editor and OS leftovers that are never knowledge and not worth a warning.
_SWAP_SUFFIXES = (".swp", ".swo", ".swx", ".tmp", ".part", ".crdownload")


def scan_knowledge(root: Path) -> tuple[list[Path], list[Skipped]]:
    """List the indexable files under `root` (recursive, sorted) and the files skipped, with why."""
    root = Path(root)
    if not root.is_dir():
        raise KnowledgeError(
            f"knowledge folder not found: {root} — create it or set COACH_KNOWLEDGE_DIR"
        )
    real_root = root.resolve()
    files: list[Path] = []
    skipped: list[Skipped] = []
    _walk(root, root, real_root, files, skipped)
    files.sort(key=lambda p: source_name(p, root))
    skipped.sort(key=lambda s: s.source)
    return files, skipped


def _walk(
    folder: Path, root: Path, real_root: Path, files: list[Path], skipped: list[Skipped]
) -> None:
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except PermissionError:
        skipped.append(
            Skipped(
                source=source_name(folder, root),
                reason="cannot open this folder (permission denied)",
            )
        )
        return
    except FileNotFoundError:
        return  # removed while we were scanning
    for path in entries:
        if is_ignored_name(path.name):
            continue
        source = source_name(path, root)
        if path.is_symlink():
            reason = _symlink_problem(path, real_root)
            if reason:
                skipped.append(Skipped(source=source, reason=reason))
                continue
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            continue
        except OSError as exc:
            skipped.append(Skipped(source=source, reason=f"cannot read this file ({exc.strerror})"))
            continue
        if stat.S_ISDIR(mode):
            if path.is_symlink():
                # Its target is inside the folder and indexed there; walking it would duplicate it.
                skipped.append(
                    Skipped(
                        source=source,
                        reason="symlinked folder skipped (its files are indexed where they live)",
                    )
                )
                continue
            _walk(path, root, real_root, files, skipped)
        elif not stat.S_ISREG(mode):
            skipped.append(Skipped(source=source, reason="not a regular file"))
        elif path.suffix.lower() in SUPPORTED_SUFFIXES:
            files.append(path)
        else:
            skipped.append(Skipped(source=source, reason=unsupported_reason(path)))


def is_ignored_name(name: str) -> bool:
    """Hidden files, editor swap/backup files and Office lock files: silently ignored."""
    return (
        name.startswith(".")
        or name.endswith("~")
        or name.startswith("~$")
        or (name.startswith("#") and name.endswith("#"))
        or name.lower().endswith(_SWAP_SUFFIXES)
    )


def unsupported_reason(path: Path) -> str:
    if not path.suffix:
        return f"no file extension — {SAVE_AS}"
    return f"unsupported file type '{path.suffix.lower()}' — {SAVE_AS}"


def _symlink_problem(path: Path, real_root: Path) -> str | None:
    try:
        target = path.resolve(strict=True)
    except FileNotFoundError:
        return "broken symlink (its target no longer exists)"
    except (RuntimeError, OSError):
        return "broken symlink (it points to itself in a loop)"
    if not target.is_relative_to(real_root):
        return "symlink points outside the knowledge folder"
    return None


def source_name(path: Path, root: Path) -> str:
    """The path as shown to coaches and stored in the index: relative to root, POSIX separators."""
    try:
        rel = Path(path).relative_to(root)
    except ValueError:
        try:
            rel = Path(os.path.abspath(path)).relative_to(os.path.abspath(root))
        except ValueError:
            return Path(path).name
    return rel.as_posix()


def format_size(n_bytes: int) -> str:
    return f"{n_bytes / 1_000_000:.1f} MB"


def read_file_bytes(path: Path, max_bytes: int, root: Path | None = None) -> bytes:
    """Read a file whole, with errors a coach can act on (too large, vanished, empty...).

    The file is opened without following a symlink (O_NOFOLLOW) and checked through the open
    descriptor, so a file swapped for a symlink (or a FIFO, a device) between the folder scan
    and this read is refused rather than read. A symlink the scan allowed (its target inside
    `root`) is resolved first and its target opened the same way.
    """
    target = Path(path)
    if root is not None and target.is_symlink():
        problem = _symlink_problem(target, Path(root).resolve())
        if problem:
            raise KnowledgeError(problem)
        target = target.resolve(strict=True)
    try:
        fd = os.open(target, _OPEN_FLAGS)
    except FileNotFoundError:
        raise KnowledgeError(
            "file disappeared while indexing (deleted or renamed) — "
            "it is picked up again on the next index run"
        ) from None
    except IsADirectoryError:
        raise KnowledgeError("this is a folder, not a file") from None
    except PermissionError:
        raise KnowledgeError(
            "cannot read this file (permission denied) — check its permissions"
        ) from None
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):  # O_NOFOLLOW met a symlink
            raise KnowledgeError(SWAPPED_FOR_SYMLINK) from None
        raise KnowledgeError(f"cannot read this file ({exc.strerror or exc})") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        if stat.S_ISDIR(info.st_mode):
            raise KnowledgeError("this is a folder, not a file")
        raise KnowledgeError("not a regular file (it changed since the folder was scanned)")
    if not _HAS_NOFOLLOW and os.path.islink(target):
        os.close(fd)
        raise KnowledgeError(SWAPPED_FOR_SYMLINK)
    try:
        with os.fdopen(fd, "rb") as handle:
            if info.st_size > max_bytes:
                raise KnowledgeError(too_large_reason(info.st_size, max_bytes))
            # Read one byte past the limit: the file may have grown since fstat.
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise KnowledgeError(f"cannot read this file ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise KnowledgeError(too_large_reason(len(data), max_bytes))
    if not data.strip():
        raise KnowledgeError("file is empty")
    return data


SWAPPED_FOR_SYMLINK = (
    "this file is now a symlink (it changed since the folder was scanned) — not followed; "
    "replace it with the file itself"
)
_HAS_NOFOLLOW = hasattr(os, "O_NOFOLLOW")
# Non-blocking, so a FIFO swapped in can't hang the indexer before the descriptor check.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_BINARY", 0)
)


def too_large_reason(size: int, max_bytes: int) -> str:
    limit, actual = format_size(max_bytes), format_size(size)
    return f"larger than {limit} limit ({actual}) — split it into smaller files"
