"""Progress at a glance as a PNG: main-lift load (or version level) and effort by week, with the
plan's phases and deloads shaded, niggles and baseline tests marked.

Pure: `ProgressData` in, PNG bytes out (matplotlib's Agg backend, no display, no files), like
`planner.week_picture`. Colours are Okabe-Ito and every mark also has a text label.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from planner.progress import ProgressData
from planner.week_picture import DPI, OKABE_ITO, PHASE_COLOURS

WIDTH_PX, HEIGHT_PX = 1200, 900
MAX_LIFTS = 6  # more lines than this are unreadable on a phone: the most-logged lifts show
LIFT_COLOURS = ("blue", "vermillion", "green", "orange", "purple", "sky")


def render_progress_png(data: ProgressData) -> bytes:
    """The picture as PNG bytes, WIDTH_PX × HEIGHT_PX; a note when nothing is logged yet."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor="white")
    lifts_ax, effort_ax = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    fig.subplots_adjust(left=0.09, right=0.9, top=0.88, bottom=0.1, hspace=0.12)
    logged = data.done + data.partly
    fig.suptitle("Your strength progress", fontsize=13, weight="bold", x=0.09, ha="left", y=0.97)
    fig.text(
        0.09, 0.915,
        f"{logged} of {data.planned} planned sessions logged ({data.partly} partly), "
        f"{data.skipped} skipped · shaded: phase; hatched: deload",
        fontsize=8, color="#333333",
    )  # fmt: skip
    _shade(data, (lifts_ax, effort_ax))
    _draw_lifts(data, lifts_ax)
    _draw_effort(data, effort_ax)
    if not data.points:
        note = "Nothing logged yet: log a session to see it here."
        lifts_ax.text(0.5, 0.5, note, transform=lifts_ax.transAxes, ha="center", va="center")
    effort_ax.xaxis.set_major_formatter(_week_formatter())
    buffer = io.BytesIO()
    # Fast zlib level: the picture is mostly flat colour, so it stays small and saves ~10 %.
    fig.savefig(buffer, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def _shade(data: ProgressData, axes: tuple) -> None:
    """Phases as light bands (labelled at their start), deloads hatched, across both panels.

    Runs of weeks are merged into one band and the deloads drawn as one collection per panel:
    a year is some 50 weeks, and a patch per week was most of the picture's drawing time.
    """
    runs: list[tuple[str, date, date]] = []
    for week in data.weeks:
        end = week.start + timedelta(days=7)
        if runs and runs[-1][0] == week.phase and runs[-1][2] == week.start:
            runs[-1] = (week.phase, runs[-1][1], end)
        else:
            runs.append((week.phase, week.start, end))
    deloads = [(_num(w.start), 7.0) for w in data.weeks if w.deload]
    for ax in axes:
        for phase, start, end in runs:
            ax.axvspan(start, end, color=OKABE_ITO[PHASE_COLOURS[phase]], alpha=0.15, lw=0)
        if deloads:
            ax.broken_barh(deloads, (0, 1), transform=ax.get_xaxis_transform(),
                           facecolor="none", edgecolor="#777777", hatch="///", lw=0)  # fmt: skip
    labelled: set[tuple[str, date]] = set()
    for phase, start, _ in runs:
        if (phase, start) not in labelled:
            labelled.add((phase, start))
            axes[1].text(start, 0.02, f" {phase}", transform=axes[1].get_xaxis_transform(),
                         fontsize=7.5, color="#333333", va="bottom")  # fmt: skip
    if data.weeks:
        axes[0].set_xlim(data.weeks[0].start, data.weeks[-1].start + timedelta(days=7))


def _num(day: date) -> float:
    from matplotlib.dates import date2num

    return float(date2num(day))


def _draw_lifts(data: ProgressData, ax) -> None:
    counts = {lift: sum(p.exercise_id == lift for p in data.points) for lift in data.lifts}
    shown = sorted(counts, key=lambda lift: (-counts[lift], lift))[:MAX_LIFTS]
    loaded = [
        lift for lift in shown if any(p.load_kg for p in data.points if p.exercise_id == lift)
    ]
    versioned = [lift for lift in shown if lift not in loaded]
    version_ax = ax.twinx() if versioned else None
    for i, lift in enumerate(shown):
        points = [p for p in data.points if p.exercise_id == lift]
        target = ax if lift in loaded else version_ax
        values = [(p.date, p.load_kg if lift in loaded else p.level) for p in points]
        values = [(x, y) for x, y in values if y is not None]
        if not values or target is None:
            continue
        style = "-o" if lift in loaded else "--s"
        target.plot([x for x, _ in values], [y for _, y in values], style, markersize=3,
                    color=OKABE_ITO[LIFT_COLOURS[i % len(LIFT_COLOURS)]], lw=1.4,
                    label=data.lifts[lift] + ("" if lift in loaded else " (version)"))  # fmt: skip
    ax.set_ylabel("load (kg)" if loaded else "", fontsize=8)
    if version_ax is not None:
        version_ax.set_ylabel("version level (1 = first used)", fontsize=8)
        version_ax.tick_params(labelsize=7)
    for test in data.retests:
        ax.axvline(test.date, color=OKABE_ITO["black"], lw=0.8, ls=":")
        ax.text(test.date, 0.03, f" test: {test.value}"[:28], transform=ax.get_xaxis_transform(),
                fontsize=6.5, va="bottom", rotation=90)  # fmt: skip
    handles = [
        h for a in (ax, version_ax) if a is not None for h in a.get_legend_handles_labels()[0]
    ]
    if handles:
        ax.legend(handles=handles, fontsize=7, loc="upper left", frameon=False)
    ax.set_title("Main lifts", fontsize=9, loc="left")
    ax.tick_params(labelsize=7)


def _draw_effort(data: ProgressData, ax) -> None:
    if data.efforts:
        days = [e.week_start + timedelta(days=3) for e in data.efforts]
        ax.plot(days, [e.effort for e in data.efforts], "-o", markersize=3, lw=1.4,
                color=OKABE_ITO["vermillion"], label="logged effort (RPE)")  # fmt: skip
        targets = [(d, e.target) for d, e in zip(days, data.efforts, strict=True) if e.target]
        ax.plot([d for d, _ in targets], [t for _, t in targets], "--", lw=1.1,
                color=OKABE_ITO["black"], label="target RPE")  # fmt: skip
    for niggle in data.niggles:
        ax.plot([niggle.date], [niggle.score], "^", color=OKABE_ITO["purple"], markersize=5)
        ax.annotate(f"{niggle.area} {niggle.score}", (niggle.date, niggle.score), fontsize=6.5,
                    xytext=(2, 3), textcoords="offset points")  # fmt: skip
    if data.niggles:
        ax.plot([], [], "^", color=OKABE_ITO["purple"], label="niggle (0-10)")
    ax.set_ylim(0, 10.5)
    ax.set_ylabel("RPE / niggle", fontsize=8)
    ax.set_title("Effort by week", fontsize=9, loc="left")
    ax.tick_params(labelsize=7)
    if data.efforts or data.niggles:
        ax.legend(fontsize=7, loc="upper left", frameon=False, ncols=3)


def _week_formatter():
    from matplotlib.dates import num2date
    from matplotlib.ticker import FuncFormatter

    def label(value: float, _: int) -> str:
        day: date = num2date(value).date()
        return day.strftime("%d %b")

    return FuncFormatter(label)
