"""`coach kb ...`: the knowledge-base admin for coaches on the machine (same core as `/kb`)."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.common import err, fail, hand_over, load_settings, make_app, out, run
from bot.render_cli import render_reply

if TYPE_CHECKING:
    from bot.replies import Reply
    from library.admin import KnowledgeAdmin

kb_app = typer.Typer(
    name="kb",
    help="Coaches: add, remove, list, show, history, undo and lint knowledge articles.",
    no_args_is_help=True,
)


def _who() -> str:
    try:
        return f"{getpass.getuser()} (CLI)"
    except Exception:  # no user name in some containers
        return "CLI"


def _admin() -> KnowledgeAdmin:
    import os

    from library.admin import KnowledgeAdmin
    from retrieval.ingest.writer import store_owner

    settings = load_settings()
    owner = None if settings.chroma_url else store_owner(settings.data_dir)
    if owner is None or owner.pid == os.getpid():
        return KnowledgeAdmin(make_app(settings))

    def bot_reindexes() -> None:
        # The running bot owns the embedded index: it re-indexes, this process only writes files.
        hand_over(settings, timeout=600)

    return KnowledgeAdmin(make_app(settings), hand_over=bot_reindexes)


def _show(reply: Reply) -> None:
    render_reply(out, reply)


def _is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://")) or "://" in text


@kb_app.command("add")
def add(
    target: Annotated[str, typer.Argument(help="A .md, .txt, .html or .pdf file, or a URL.")],
    name: Annotated[
        str | None, typer.Option("--as", help="Save under this file name instead.")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Add without asking.")] = False,
) -> None:
    """Preview an article, then add it to the knowledge base and index it."""
    from bot import kb_replies as replies

    admin = _admin()
    who = _who()
    if _is_url(target):
        staged = run(lambda: admin.preview_url(target, who=who))
    else:
        path = Path(target)
        if not path.is_file():
            fail(f"no file {target}; give a file path or an http(s) URL", 2)
        if path.stat().st_size > admin.settings.kb_max_fetch_bytes * 4:
            fail(f"{target} is far too large for an article; split it into smaller files")
        data = path.read_bytes()
        staged = run(lambda: admin.preview_bytes(data, name or path.name, who=who))
    _show(replies.preview_reply(staged))
    if not yes and not typer.confirm(f"Add {staged.preview.source}?", default=True):
        admin.cancel(staged.id)
        err.print("Cancelled: nothing was written.")
        raise typer.Exit(1)
    result = run(lambda: admin.add(staged.id, who=who))
    _show(replies.change_reply(result))


@kb_app.command("list")
def list_files(
    page: Annotated[int, typer.Option(min=1, help="Page of 10 files.")] = 1,
) -> None:
    """Files with their passages and last change."""
    from bot import kb_replies as replies

    admin = _admin()
    _show(replies.list_reply(run(admin.list_files), page))


@kb_app.command("show")
def show(file: Annotated[str, typer.Argument(help="File name as `coach kb list` shows it.")]):
    """The outline recovered from one file: title, headings, passages, clutter removed."""
    from bot import kb_replies as replies

    admin = _admin()
    _show(replies.outline_reply(run(lambda: admin.show(file))))


@kb_app.command("remove")
def remove(
    file: Annotated[str, typer.Argument(help="File name as `coach kb list` shows it.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Remove without asking.")] = False,
) -> None:
    """Remove a file (its last version is kept: `coach kb undo` brings it back)."""
    from bot import kb_replies as replies

    admin = _admin()
    path = run(lambda: admin.path_of(file))
    if not yes and not typer.confirm(f"Remove {admin.source_of(path)}?", default=False):
        raise typer.Exit(1)
    _show(replies.change_reply(run(lambda: admin.remove(file, who=_who()))))


@kb_app.command("history")
def history(
    file: Annotated[str | None, typer.Argument(help="Only this file's changes.")] = None,
) -> None:
    """Every add, replace, remove and undo, newest first, with who and when."""
    from bot import kb_replies as replies

    admin = _admin()
    _show(replies.history_reply(admin.changes(file), file))


@kb_app.command("undo")
def undo(change: Annotated[int, typer.Argument(help="Change number (`coach kb history`).")]):
    """Put a file back as it was before a change, and re-index."""
    from bot import kb_replies as replies

    admin = _admin()
    _show(replies.change_reply(run(lambda: admin.undo(change, who=_who()))))


@kb_app.command("lint")
def lint(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per finding.")] = False,
) -> None:
    """Problems in the knowledge folder, each with its fix (writes nothing)."""
    from bot import kb_replies as replies
    from library.lint import lint_knowledge

    settings = load_settings()
    issues = run(lambda: lint_knowledge(settings.knowledge_dir))
    if as_json:
        for issue in issues:
            print(issue.model_dump_json())
        return
    _show(replies.lint_reply(issues))
