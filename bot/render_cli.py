"""Rich renderers for the CLI and the console: the only place that prints to the terminal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from answering.models import Answer
from retrieval.ingest.indexer import IndexReport
from retrieval.inventory import IndexStatus
from retrieval.models import SearchResult, Skipped

if TYPE_CHECKING:
    from rich.markdown import Markdown

    from bot.replies import Reply

T = TypeVar("T")


def with_progress(console: Console, work: Callable[[Callable[[int, int], None]], T]) -> T:
    """Run `work(progress)` under a progress bar fed with (done, total) passages."""
    with Progress(
        TextColumn("indexing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("index", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return work(progress)


def index_report(console: Console, report: IndexReport, seconds: float) -> None:
    console.print(f"[green]{escape(report.summary(seconds))}[/]")
    for label, names in report.changes():
        console.print(f"  {label.lower()}: {escape(', '.join(names))}")
    skipped(console, report.skipped)


def skipped(console: Console, items: Sequence[Skipped]) -> None:
    if not items:
        return
    console.print(f"[yellow]Skipped {len(items)}:[/]")
    for item in items:
        console.print(f"  [yellow]•[/] {escape(item.where)}: {escape(item.reason)}")


def search_result(console: Console, result: SearchResult) -> None:
    if result.abstained:
        console.print("[yellow]Weak evidence: our guides probably don't cover this.[/]")
    elif result.support == "partial":
        console.print("[yellow]Moderate evidence: our guides touch on this, but not directly.[/]")
    for hit in result.hits:
        console.print(
            f"[bold]{hit.rank}.[/] [cyan]{escape(hit.title)}[/] › {escape(hit.heading or '-')} "
            f"[dim]({escape(hit.source)}, score {hit.score:.2f})[/]"
        )
        text = hit.text if len(hit.text) <= 300 else hit.text[:297] + "..."
        console.print(f"   {escape(text)}", highlight=False)
    console.print(f"[dim]{result.timings_ms.get('total', 0):.1f} ms[/]")


def answer(console: Console, answer: Answer) -> None:
    console.print(escape(answer.answer), highlight=False)
    if answer.suggestions:
        console.print(f"[dim]Our guides do cover: {escape('; '.join(answer.suggestions))}[/]")
    if answer.citations:
        console.print("\n[bold]Sources[/]")
        for c in answer.citations:
            heading = f" › {c.heading}" if c.heading else ""
            console.print(
                f"  [{c.n}] {escape(c.title + heading)} [dim]({escape(c.source)})[/]",
                highlight=False,
            )


def status(console: Console, info: IndexStatus) -> None:
    owner = info.owner or "nobody (no bot running against this data folder)"
    writer = info.writer or "free"
    if info.built_at is None:
        console.print(f"No index yet for {escape(info.knowledge_dir)}: run `coach index`.")
        console.print(f"store owner: {escape(owner)}; writer lock: {escape(writer)}")
        if info.judge:
            console.print(f"judge: {escape(info.judge)}")
        return
    table = Table(show_header=False, box=None)
    table.add_row("knowledge", escape(info.knowledge_dir))
    table.add_row("built", f"{info.built_at:%Y-%m-%d %H:%M:%S} UTC")
    table.add_row("files", str(info.files))
    table.add_row("passages", str(info.chunks))
    table.add_row("store", escape(info.store))
    table.add_row("collection", escape(info.collection or "-"))
    table.add_row("owner", escape(owner))
    table.add_row("writer lock", escape(writer))
    if info.abstention:
        table.add_row("abstention", escape(info.abstention))
    if info.judge:
        table.add_row("judge", escape(info.judge))
    console.print(table)
    skipped(console, info.skipped)


def eval_report(console: Console, report) -> None:
    table = Table(
        title=f"Retrieval eval: {report.eval_set} ({report.in_scope} in scope, "
        f"{report.out_of_scope} out of scope)"
    )
    table.add_column("system", no_wrap=True)
    for name in ("R@1", "R@3", "R@5", "MRR", "abstain P", "abstain R", "wrong abstain"):
        table.add_column(name, justify="right")
    for row in report.systems:
        table.add_row(
            row.name,
            *(
                f"{v:.3f}"
                for v in (
                    row.recall_at_1,
                    row.recall_at_3,
                    row.recall_at_5,
                    row.mrr,
                    row.abstain_precision,
                    row.abstain_recall,
                    row.wrong_abstain_rate,
                )
            ),
        )
    console.print(table)
    if report.misses:
        console.print("[yellow]Club Coach misses at 5:[/]")
        for miss in report.misses:
            console.print(f"  • {escape(miss)}", highlight=False)


def markdown(text: str) -> Markdown:
    """Discord-flavoured text: a single newline is a line break there, so keep it one here."""
    from rich.markdown import Markdown  # markdown-it: only a command that prints a reply pays

    return Markdown(text.replace("\n", "  \n"))


def render_reply(console: Console, reply: Reply) -> None:
    """A reply as rich text: title, body, fields, numbered sources, footer."""
    if reply.title:
        console.print(f"[bold cyan]{escape(reply.title)}[/]")
    if reply.body:
        console.print(markdown(reply.body))
    for item in reply.fields:
        console.print(f"[bold]{escape(item.name)}[/]")
        console.print(markdown(item.value))
    if reply.sources:
        console.print("[bold]Sources[/]")
        for source in reply.sources:
            console.print(f"  [{source.n}] {escape(source.label())}", highlight=False)
    if reply.footer:
        console.print(f"[dim]{escape(reply.footer)}[/]")
    console.print()
