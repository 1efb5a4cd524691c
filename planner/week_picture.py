"""A plan's usual week at a glance, as a PNG: seven days of runs and lifting sessions, then the
phase, deload and retest strip across the weeks.

Pure: Plan in, PNG bytes out (matplotlib's Agg backend, no display, no files). `week_picture`
gives the data the image is drawn from, so tests can check what it shows. Colours are the
Okabe-Ito palette (safe for colour-blind readers) and every colour also carries a text label.
"""

from __future__ import annotations

import io
from typing import Literal

from pydantic import BaseModel

from planner.models import DAY_NAMES, DAYS, Day, Plan, Session, Week

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}
RUN_COLOURS = {
    "easy": "sky", "recovery": "sky", "long": "blue", "tempo": "orange",
    "intervals": "vermillion", "hills": "purple", "race": "black",
}  # fmt: skip
PHASE_COLOURS = {"base": "sky", "build": "orange", "in-season": "green", "taper": "purple"}
LIFT_COLOUR = "green"
DARK = {"blue", "vermillion", "black", "green"}  # white text on these (contrast)
WIDTH_PX, HEIGHT_PX, DPI = 1080, 1350, 150  # 4:5 portrait, sharp on a phone


class Chip(BaseModel):
    kind: Literal["run", "lift"]
    text: str
    detail: str = ""
    colour: str


class DayRow(BaseModel):
    day: Day
    chips: list[Chip]


class WeekCell(BaseModel):
    number: int
    phase: str
    deload: bool
    retest: bool
    race_week: bool
    sessions: int


class WeekPicture(BaseModel):
    """What the picture shows: the usual week's days and the strip of weeks."""

    title: str
    subtitle: str
    week_number: int
    days: list[DayRow]
    weeks: list[WeekCell]


def usual_week(plan: Plan) -> Week:
    """The first full week with sessions (else the first week with any): the runner's routine."""
    lifting = [week for week in plan.weeks if week.sessions]
    full = [week for week in lifting if not week.partial and not week.race_week]
    return (full or lifting or plan.weeks)[0]


def week_picture(plan: Plan) -> WeekPicture:
    week = usual_week(plan)
    sessions: dict[Day, Session] = {session.day: session for session in week.sessions}
    rows = []
    for day in DAYS:
        chips: list[Chip] = []
        run = plan.request.runs.get(day)
        session = sessions.get(day)
        if run is not None:
            chips.append(Chip(kind="run", text=f"{run.capitalize()} run",
                              colour=RUN_COLOURS[run]))  # fmt: skip
        if session is not None:
            chips.append(
                Chip(
                    kind="lift",
                    # "Posterior chain (glutes and hamstrings)" -> "Posterior chain": phone width.
                    text=f"Strength {session.label}: {session.focus.split(' (')[0]}",
                    detail=_lift_detail(session),
                    colour=LIFT_COLOUR,
                )
            )
        if run is not None and session is not None and session.placement.order == "lift-first":
            chips.reverse()
        rows.append(DayRow(day=day, chips=chips))
    weeks = [
        WeekCell(number=w.number, phase=w.phase, deload=w.deload, retest=w.retest,
                 race_week=w.race_week, sessions=len(w.sessions))
        for w in plan.weeks
    ]  # fmt: skip
    request = plan.request
    return WeekPicture(
        title=f"Your usual week (week {week.number}, {week.phase})",
        subtitle=f"{len(week.sessions)} strength session{'s' * (len(week.sessions) != 1)}, "
        f"about {request.minutes} min · equipment: {', '.join(request.equipment)}",
        week_number=week.number,
        days=rows,
        weeks=weeks,
    )


def _lift_detail(session: Session) -> str:
    mains = next((b.exercises for b in session.blocks if b.kind == "main"), [])
    parts = [f"≈{round(session.minutes)} min", " + ".join(x.name for x in mains)]
    place = session.placement
    if place.kind == "same-day":
        first = "lift first" if place.order == "lift-first" else "run first"
        if place.order is None:
            first = "either order"
        parts.insert(0, f"{first}, ≥{place.min_hours_apart} h apart")
    if session.strides:
        parts.append("then strides")
    return " · ".join(part for part in parts if part)


def render_week_png(plan: Plan) -> bytes:
    """The picture as PNG bytes, WIDTH_PX × HEIGHT_PX."""
    return draw(week_picture(plan))


def draw(picture: WeekPicture) -> bytes:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch, Rectangle

    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor="white")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 125)
    ax.axis("off")
    ax.text(4, 120.5, picture.title, fontsize=15, weight="bold", va="center")
    ax.text(4, 116.5, picture.subtitle, fontsize=9.5, color="#333333", va="center")

    top, row_h = 112, 11.2
    for i, row in enumerate(picture.days):
        y = top - (i + 1) * row_h
        if i % 2 == 0:
            ax.add_patch(Rectangle((2, y), 96, row_h, color="#F2F2F2", lw=0))
        ax.text(4, y + row_h / 2, DAY_NAMES[row.day][:3], fontsize=12, weight="bold",
                va="center")  # fmt: skip
        if not row.chips:
            ax.text(17, y + row_h / 2, "Rest", fontsize=10.5, color="#555555", va="center")
        x = 16.0
        for chip in row.chips:
            width = 27.0 if chip.kind == "run" else 96 - x
            colour = OKABE_ITO[chip.colour]
            ax.add_patch(
                FancyBboxPatch((x, y + 1.3), width - 1.5, row_h - 2.6,
                               boxstyle="round,pad=0,rounding_size=1.6", color=colour, lw=0)
            )  # fmt: skip
            ink = "white" if chip.colour in DARK else "black"
            if chip.detail:
                ax.text(x + 1.5, y + row_h * 0.66, _fit(chip.text, 44), fontsize=9.5,
                        weight="bold", color=ink, va="center")  # fmt: skip
                ax.text(x + 1.5, y + row_h * 0.3, _fit(chip.detail, 62), fontsize=7.5,
                        color=ink, va="center")  # fmt: skip
            else:
                ax.text(x + 1.5, y + row_h / 2, chip.text, fontsize=10, weight="bold",
                        color=ink, va="center")  # fmt: skip
            x += width

    _draw_strip(ax, picture, Rectangle)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _draw_strip(ax, picture: WeekPicture, rectangle) -> None:
    """Weeks left to right: phase colour, D = deload, T = baseline test, R = race week."""
    ax.text(4, 24, "Week by week", fontsize=12, weight="bold", va="center")
    count = max(1, len(picture.weeks))
    cell = min(11.5, 92 / count)
    for i, week in enumerate(picture.weeks):
        x = 4 + i * cell
        colour = PHASE_COLOURS[week.phase]
        ax.add_patch(rectangle((x, 11), cell - 0.6, 9, color=OKABE_ITO[colour], lw=0))
        ink = "white" if colour in DARK else "black"
        marks = "".join(
            mark for mark, on in (("D", week.deload), ("T", week.retest), ("R", week.race_week))
            if on
        )  # fmt: skip
        ax.text(x + cell / 2 - 0.3, 17.3, f"W{week.number}", fontsize=7.5 if count > 10 else 9,
                ha="center", va="center", color=ink, weight="bold")  # fmt: skip
        ax.text(x + cell / 2 - 0.3, 13.3, marks or "·", fontsize=8, ha="center", va="center",
                color=ink)  # fmt: skip
        if week.number == picture.week_number:
            ax.add_patch(rectangle((x, 10.3), cell - 0.6, 0.7, color="black", lw=0))
    phases = list(dict.fromkeys(week.phase for week in picture.weeks))
    x = 4.0
    for phase in phases:
        ax.add_patch(rectangle((x, 5), 2.4, 2.4, color=OKABE_ITO[PHASE_COLOURS[phase]], lw=0))
        ax.text(x + 3.2, 6.2, phase, fontsize=8.5, va="center")
        x += 6 + len(phase) * 1.5
    ax.text(x + 2, 6.2, "D deload · T baseline test · R race week", fontsize=8.5, va="center",
            color="#333333")  # fmt: skip


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
