"""`adapt_plan`: a plan and the member's training log in, the plan as the guides say to change it.

Pure and deterministic: `today` is passed in, nothing is read from a clock or a file, and the
plan is always re-adapted from the plan as built (or swapped), so the same log gives the same
plan. Each change names the rule of `planner/data/adapt_rules.yaml` behind it and its [n].
Only sessions on or after `today` that are not logged yet are changed; the past stays as it was.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from planner.build import build_plan
from planner.catalogue import AVOID_IMPLIES
from planner.errors import PlanError
from planner.models import (
    AVOID,
    DAY_NAMES,
    DAYS,
    Block,
    Change,
    ChangeKind,
    Plan,
    Prescription,
    Session,
    Week,
)
from planner.playbook import Playbook
from planner.prescribe import (
    WeekContext,
    block_rounds,
    main_rpe,
    min_rounds,
    prescribe,
    unique,
    week_context,
)
from planner.progress import MemberFlags, NiggleMark, recent
from planner.schedule import day_options, place
from planner.sessions import TRIMMABLE, add_strides
from planner.timing import block_minutes, session_minutes
from planner.training_log import BODY_AREAS, SessionLog, TrainingLog

# A note's warning signs: labels of what was found ([] for none). The bot passes
# `answering.safety.detect_red_flags` through this seam; the planner never imports answering.
WarningSigns = Callable[[str], Sequence[str]]
Verdict = Literal["progress", "hold", "back-off"]

_KIND_ORDER: dict[str, int] = {
    kind: i
    for i, kind in enumerate(
        (
            "red-flag",
            "dropped",
            "re-placed",
            "deload",
            "trim-accessories",
            "retest",
            "back-off",
            "hold",
            "progress",
        )
    )
}


class AdaptedPlan(BaseModel):
    """The adapted plan, the changes made (each with its rule and [n]) and what the log shows."""

    plan: Plan
    changes: list[Change]
    as_of: date
    next_session: tuple[int, int] | None = Field(
        None, description="(week, session number) of the first session still to do."
    )
    fatigue: bool = Field(False, description="The log shows fatigue building (adapt-fatigue).")

    @property
    def red_flags(self) -> list[Change]:
        return [change for change in self.changes if change.kind == "red-flag"]

    def changes_for(self, week: int, session: int | None = None) -> list[Change]:
        return [
            c
            for c in self.changes
            if c.week == week and (session is None or c.session in (None, session))
        ]


@dataclass(frozen=True)
class _Effort:
    """One logged main lift next to the plan's target for it."""

    entry: SessionLog
    exercise_id: str
    target: float
    effort: float

    @property
    def gap(self) -> float:
        return self.effort - self.target


def adapt_plan(
    plan: Plan,
    log: TrainingLog,
    today: date,
    book: Playbook,
    *,
    warning_signs: WarningSigns | None = None,
) -> AdaptedPlan:
    """The plan adapted to the log as of `today`; PlanError if `plan` is itself an adapted one."""
    if plan.adapted_on is not None:
        raise PlanError(
            "this plan has already been adapted; adapt the plan as it was made (or swapped), "
            "so the same log always gives the same plan"
        )
    run = _Adaptation(plan, log, today, book, warning_signs)
    return run.result()


class _Adaptation:
    """One adaptation run: a working copy of the plan and the changes made to it so far."""

    def __init__(
        self,
        plan: Plan,
        log: TrainingLog,
        today: date,
        book: Playbook,
        warning_signs: WarningSigns | None,
    ) -> None:
        self.base = plan
        self.book = book
        self.rules = book.rules
        self.today = today
        self.warning_signs = warning_signs
        planned = {(w.number, s.number) for w, s in plan.sessions()}
        self.entries = [e for e in log.for_plan(plan.plan_id) if (e.week, e.session) in planned]
        self.logged = {(e.week, e.session) for e in self.entries}
        self.plan = plan.model_copy(deep=True)
        # Plans made before the adaptation rules existed lack their sources: take the book's.
        self.plan.sources = list(book.sources)
        self.plan.rule_sources = dict(book.rule_sources)
        self.changes: list[Change] = []
        self.fatigue = False

    # -- helpers ---------------------------------------------------------------------------
    def cite(self, rule_id: str) -> int:
        return self.book.rule_sources[rule_id]

    def param(self, rule_id: str, name: str):
        return self.rules.param(rule_id, name)

    def change(
        self,
        rule_id: str,
        kind: ChangeKind,
        week: int,
        text: str,
        *,
        session: int | None = None,
        exercise_id: str | None = None,
        area: str | None = None,
    ) -> None:
        self.changes.append(
            Change(
                rule_id=rule_id,
                kind=kind,
                week=week,
                session=session,
                exercise_id=exercise_id,
                area=area,
                text=text,
                cite=self.cite(rule_id),
            )
        )

    def upcoming(self) -> list[tuple[Week, Session]]:
        """Sessions still to do: today or later, not logged yet, in date order."""
        found = [
            (w, s)
            for w, s in self.plan.sessions()
            if s.date >= self.today and (w.number, s.number) not in self.logged
        ]
        return sorted(found, key=lambda ws: (ws[1].date, ws[0].number, ws[1].number))

    def week(self, number: int) -> Week:
        return next(w for w in self.plan.weeks if w.number == number)

    def result(self) -> AdaptedPlan:
        self._red_flags()
        self._missed()
        self._fatigue()  # before the loads: a deload brought forward re-prescribes its week
        self._loads()
        self._retests()
        self.changes.sort(
            key=lambda c: (c.week, c.session or 0, _KIND_ORDER[c.kind], c.exercise_id or "")
        )
        self.plan.adaptations = list(self.changes)
        self.plan.adapted_on = self.today
        # Every import of a re-adapted calendar carries a higher SEQUENCE (render_ics).
        self.plan.revision = self.base.revision + 1 + len(self.entries)
        upcoming = self.upcoming()
        nxt = (upcoming[0][0].number, upcoming[0][1].number) if upcoming else None
        return AdaptedPlan(
            plan=self.plan,
            changes=list(self.changes),
            as_of=self.today,
            next_session=nxt,
            fatigue=self.fatigue,
        )

    # -- rules -----------------------------------------------------------------------------
    def _red_flags(self) -> None:
        """A niggle at the threshold or warning signs: re-make the weeks ahead around the area."""
        if not self.entries:
            return
        niggle_at = self.param("adapt-red-flag", "niggle_at")
        latest: dict[str, int] = {}
        for entry in self.entries:
            for niggle in entry.niggles:
                latest[niggle.area] = niggle.score
        flagged = {area: score for area, score in latest.items() if score >= niggle_at}
        last = self.entries[-1]
        signs = self._warning_signs(last.note)
        sign_area = None
        if signs:
            worst = last.worst_niggle
            sign_area = _area_in(last.note) or (worst.area if worst is not None else None)
            if sign_area is not None:
                flagged.setdefault(sign_area, latest.get(sign_area, 0))
        if not flagged and not signs:
            return
        upcoming = self.upcoming()
        week = upcoming[0][0].number if upcoming else self.plan.weeks[-1].number
        removed = self._leave_out(set(flagged), week) if upcoming and flagged else None
        # The change names a session only when the weeks ahead were re-made without the area.
        session = upcoming[0][1].number if removed is not None else None
        removed = removed or {}
        for area in sorted(flagged):
            names = removed.get(area, [])
            left_out = (
                f" From week {week} the plan leaves out what loads it ({', '.join(names)})."
                if names
                else ""
            )
            why = (
                f"your note mentions {', '.join(signs)}"
                if area == sign_area and flagged[area] < niggle_at
                else f"your {area} niggle is {flagged[area]}/10 ({niggle_at} or more means stop)"
            )
            self.change(
                "adapt-red-flag",
                "red-flag",
                week,
                f"Stop and see a physiotherapist: {why}. Stop the exercises that load "
                f"your {area} until it is diagnosed.{left_out} When a physiotherapist has "
                f"cleared it, log your {area} with its new score and they come back.",
                session=session,
                area=area,
            )
        if signs and sign_area is None:
            self.change(
                "adapt-red-flag",
                "red-flag",
                week,
                f"Stop and see a physiotherapist: your note mentions {', '.join(signs)}. "
                "Don't lift through it until it is diagnosed.",
                session=session,
            )

    def _warning_signs(self, note: str) -> list[str]:
        if not note:
            return []
        text = " ".join(note.lower().replace("’", "'").split())
        found = [w for w in self.param("adapt-red-flag", "warning_words") if w in text]
        if self.warning_signs is not None:
            found += [label for label in self.warning_signs(note) if label not in found]
        return found

    def _leave_out(self, areas: set[str], first_week: int) -> dict[str, list[str]] | None:
        """Re-make the plan from `first_week` with the areas avoided; what each area lost.

        None when no plan can be made without them (the change then only says to stop)."""
        request = self.plan.request
        avoid = set(request.avoid) | areas
        changed = request.model_copy(update={"avoid": tuple(a for a in AVOID if a in avoid)})
        try:
            rebuilt = build_plan(changed, self.book)
        except PlanError:
            return None
        by_number = {week.number: week for week in rebuilt.weeks}
        before = {
            x.exercise_id: x.name
            for w, s in self.plan.sessions()
            if w.number >= first_week
            for b in s.blocks
            if b.kind in ("main", "accessory", "core")
            for x in b.exercises
        }
        self.plan.weeks = [
            by_number.get(w.number, w) if w.number >= first_week else w for w in self.plan.weeks
        ]
        self.plan.request = changed
        self.plan.notes = rebuilt.notes
        removed: dict[str, list[str]] = {}
        for area in sorted(areas):
            blocked = {area, *AVOID_IMPLIES.get(area, ())}
            removed[area] = sorted(
                name
                for exercise_id, name in before.items()
                if blocked.intersection(self.book.catalogue[exercise_id].avoid)
            )
        return removed

    def _missed(self) -> None:
        """Skipped sessions: moved to a later free day of the same week, or dropped."""
        skipped = [e for e in self.entries if e.status == "skipped"]
        if not skipped:
            return
        rules = self.rules
        options = {o.day: o for o in day_options(self.plan.request, rules)[0]}
        gap = rules.param("non-consecutive", "min_days_between") + 1
        late = self.param("adapt-missed", "max_days_late")
        race = self.plan.request.race_date
        cutoff = None
        if race is not None:
            cutoff = race - timedelta(
                days=rules.param("phase-taper", "last_session_days_before_race")
            )
        for entry in skipped:
            week = self.week(entry.week)
            session = next((s for s in week.sessions if s.number == entry.session), None)
            if session is None:
                continue
            others = [s.date for _, s in self.plan.sessions() if s is not session]
            sunday = week.start + timedelta(days=6)
            moved_to: date | None = None
            for step in range(1, late + 1):
                day = session.date + timedelta(days=step)
                if day > sunday or day < self.today or (cutoff is not None and day > cutoff):
                    continue
                if DAYS[day.weekday()] not in options:
                    continue
                if all(abs((day - other).days) >= gap for other in others):
                    moved_to = day
                    break
            label = f"Session {session.label} ({DAY_NAMES[session.day]} {session.date:%d %b})"
            if moved_to is None:
                self.change(
                    "adapt-missed",
                    "dropped",
                    week.number,
                    f"{label} was missed and no later free day this week keeps a day "
                    "between lifting sessions: it is dropped. Don't double up; carry on "
                    "with the next session as planned.",
                    session=session.number,
                )
                continue
            option = options[DAYS[moved_to.weekday()]]
            session.day = option.day
            session.date = moved_to
            session.placement = place(option, week.phase, rules, self.cite)
            week.sessions.sort(key=lambda s: s.date)
            self._restride(week)
            self.logged.discard((week.number, session.number))
            self.change(
                "adapt-missed",
                "re-placed",
                week.number,
                f"{label} was missed: it moves to {DAY_NAMES[option.day]} "
                f"{moved_to:%d %b}, still a day clear of your other lifting and your "
                "hard runs. Do it once; don't double up.",
                session=session.number,
            )

    def _efforts(self) -> dict[str, list[_Effort]]:
        targets = {
            (w.number, s.number, x.exercise_id): x.rpe
            for w, s in self.base.sessions()
            for b in s.blocks
            if b.kind == "main"
            for x in b.exercises
        }
        found: dict[str, list[_Effort]] = {}
        for entry in self.entries:
            if entry.status == "skipped":
                continue
            for x in entry.exercises:
                target = targets.get((entry.week, entry.session, x.exercise_id))
                if target is not None and x.effort is not None:
                    found.setdefault(x.exercise_id, []).append(
                        _Effort(entry, x.exercise_id, target, x.effort)
                    )
        return found

    def _loads(self) -> None:
        """Progress, hold or back off each main lift from its logged effort."""
        efforts = self._efforts()
        if not efforts:
            return
        upcoming = self.upcoming()
        for exercise_id in sorted(efforts):
            series = efforts[exercise_id]
            found = [
                (w, s, x)
                for w, s in upcoming
                for b in s.blocks
                if b.kind == "main"
                for x in b.exercises
                if x.exercise_id == exercise_id
            ]
            if not found:
                continue
            week, session, lift = next(((w, s, x) for w, s, x in found if not w.deload), found[0])
            verdict = self._verdict(series)
            suggestion = self._suggest(verdict, series, exercise_id)
            if suggestion is not None:
                session.blocks = [
                    b.model_copy(
                        update={
                            "exercises": [
                                x.model_copy(update={"suggestion": suggestion}) if x is lift else x
                                for x in b.exercises
                            ]
                        }
                    )
                    if b.kind == "main"
                    else b
                    for b in session.blocks
                ]
            last = series[-1]
            logged = ", ".join(f"RPE {e.effort:g}" for e in series[-self._window(verdict) :])
            where = f"week {week.number} {DAY_NAMES[session.day]}"
            use = f": use {suggestion}" if suggestion else ""
            text = {
                "progress": f"{lift.name} felt easier than the target (RPE {last.target:g}) "
                f"for {self._window(verdict)} sessions ({logged}): progress gradually in "
                f"{where}{use}.",
                "hold": f"{lift.name} was logged at {logged} against a target of RPE "
                f"{last.target:g}: hold it in {where}{use}, every rep crisp{self._then(last)}.",
                "back-off": f"{lift.name} felt harder than the target (logged {logged}, "
                f"target RPE {last.target:g}): back off in {where}{use}.",
            }[verdict]
            self.change(
                f"adapt-{verdict}",
                verdict,
                week.number,
                text,
                session=session.number,
                exercise_id=exercise_id,
            )

    def _then(self, last: _Effort) -> str:
        if last.gap <= -self.param("adapt-progress", "below_by"):
            return "; if it feels easy again, it progresses"
        return ""

    def _window(self, verdict: Verdict) -> int:
        return self.param("adapt-progress", "sessions") if verdict == "progress" else 1

    def _verdict(self, series: list[_Effort]) -> Verdict:
        if series[-1].gap >= self.param("adapt-back-off", "above_by"):
            return "back-off"
        need = self.param("adapt-progress", "sessions")
        below = self.param("adapt-progress", "below_by")
        if len(series) >= need and all(e.gap <= -below for e in series[-need:]):
            return "progress"
        return "hold"

    def _suggest(self, verdict: Verdict, series: list[_Effort], exercise_id: str) -> str | None:
        """The load or version to use next, from the last one logged."""
        logged = next(
            (x for e in reversed(series) if (x := e.entry.exercise(exercise_id)) is not None),
            None,
        )
        exercise = self.book.catalogue[exercise_id]
        if logged is not None and logged.load is not None and logged.unit is not None:
            unit, load = logged.unit, logged.load
            step = float(self.param("adapt-progress", "round_to")[unit])
            if verdict == "progress":
                raw = load * (1 + self.param("adapt-progress", "step_pct") / 100)
                new = max(load + step, math.ceil(raw / step) * step)
            elif verdict == "back-off":
                raw = load * (1 - self.param("adapt-back-off", "cut_pct") / 100)
                new = max(step, min(load - step, math.floor(raw / step) * step))
            else:
                new = load
            return f"{new:g} {unit}"
        version = logged.version if logged is not None else None
        harder = self.param("progression", "harder").get(exercise.equipment)
        if verdict == "progress":
            if harder:
                return f"a harder version than {version or 'last time'}: {harder}"
            return f"{self.param('progression', 'load_step')} more weight than last time"
        if verdict == "back-off":
            if version or harder:
                return f"an easier version than {version or 'last time'}"
            return f"about {self.param('adapt-back-off', 'cut_pct')} % less weight than last time"
        return f"{version} again" if version else None

    def _fatigue(self) -> None:
        """Fatigue signs: the deload brought forward, and accessories trimmed before main lifts."""
        window = self.param("adapt-fatigue", "window")
        done = [e for e in self.entries if e.status != "skipped"][-window:]
        if not done:
            return
        signs = self._fatigue_signs(done)
        if len(signs) < self.param("adapt-fatigue", "signs_needed"):
            return
        self.fatigue = True
        upcoming = self.upcoming()
        if not upcoming:
            return
        why = "; ".join(signs)
        target = done[-1].week + self.param("adapt-deload", "lead_weeks")
        self._deload_forward(target, why)
        trimmed_week = upcoming[0][0]
        if trimmed_week.deload:
            return
        floor = min_rounds("accessory", self.rules)
        for week, session in upcoming:
            if week is not trimmed_week:
                break
            accessory = next((b for b in session.blocks if b.kind == "accessory"), None)
            if accessory is None or not accessory.exercises:
                continue
            before = accessory.rounds or floor
            if before > floor:
                self._set_rounds(week, session, accessory, floor)
                text = (
                    f"Fatigue is building ({why}): the accessory circuit drops from {before} "
                    f"to {floor} round{'s' * (floor > 1)}; the main lifts stay whole."
                )
            else:
                text = (
                    f"Fatigue is building ({why}): keep the accessory circuit to one light "
                    "round; the main lifts stay whole."
                )
            self.change(
                "adapt-fatigue", "trim-accessories", week.number, text, session=session.number
            )
        self._restride(trimmed_week, only_if_none=True)

    def _fatigue_signs(self, done: list[SessionLog]) -> list[str]:
        signs: list[str] = []
        targets = self._efforts()
        gaps: dict[str, list[float]] = {}
        for series in targets.values():
            for effort in series:
                gaps.setdefault(effort.entry.entry_id, []).append(effort.gap)
        means = [sum(g) / len(g) for e in done if (g := gaps.get(e.entry_id))]
        rise = self.param("adapt-fatigue", "effort_rise")
        if len(means) >= 2 and means[-1] - means[0] >= rise and means[-1] > 0:
            signs.append(f"effort up {means[-1] - means[0]:+.1f} RPE over the target")
        harder = sum(e.run_feel == "harder" for e in done)
        if harder >= self.param("adapt-fatigue", "harder_runs"):
            signs.append(f"{harder} runs felt harder")
        floor = self.param("adapt-fatigue", "niggle_from")
        niggles = sorted(
            {f"{n.area} {n.score}/10" for e in done for n in e.niggles if n.score >= floor}
        )
        if niggles:
            signs.append("niggles: " + ", ".join(niggles))
        return signs

    def _deload_forward(self, target: int, why: str) -> None:
        """Week `target` becomes the deload; the planned one it replaces trains as usual."""
        every = self.rules.param("deload", "every_weeks")
        last_logged = self.entries[-1].week
        if any(last_logged < w.number <= target and w.deload for w in self.plan.weeks):
            return  # a deload is already coming that soon
        found = next((w for w in self.plan.weeks if w.number == target), None)
        if found is None or not self._free_week(found):
            return
        if found.phase not in self.rules.param("deload", "phases"):
            return
        planned = next(
            (w for w in self.plan.weeks if target < w.number < target + every and w.deload),
            None,
        )
        moved = ""
        if planned is not None and self._free_week(planned) and self._builds_up(target, planned):
            self._set_deload(planned, on=False)
            moved = f", brought forward from week {planned.number}"
        self._set_deload(found, on=True)
        self.change(
            "adapt-deload",
            "deload",
            found.number,
            f"Fatigue is building ({why}): week {found.number} becomes your deload week (about "
            f"half the sets, lighter){moved}, so your body absorbs the training.",
            session=found.sessions[0].number,
        )

    def _builds_up(self, target: int, planned: Week) -> bool:
        """Whether the weeks from the new deload up to the planned one, that one training, still
        build (the loads rise across them); if not, the planned deload stays as well."""
        weeks = [
            w for w in self.plan.weeks
            if target < w.number <= planned.number and w.phase == planned.phase
            and (w is planned or not w.deload)
        ]  # fmt: skip
        if len(weeks) < 2:
            return True
        experience = self.plan.request.experience

        def rpe(week: Week) -> float:
            phase_week = sum(
                1 for w in self.plan.weeks if w.phase == week.phase and w.number <= week.number
            )
            ctx = week_context(week.number, week.phase, experience, False, phase_week, self.rules)
            return main_rpe(ctx, self.rules)

        return rpe(weeks[-1]) > rpe(weeks[0])

    def _free_week(self, week: Week) -> bool:
        """A week with sessions, none of them logged or past yet."""
        return bool(week.sessions) and not any(
            (week.number, s.number) in self.logged or s.date < self.today for s in week.sessions
        )

    def _set_deload(self, week: Week, *, on: bool) -> None:
        """Re-prescribe a week as a deload, or as a usual week (accessories trimmed to fit)."""
        rules = self.rules
        phase_week = sum(
            1 for w in self.plan.weeks if w.phase == week.phase and w.number <= week.number
        )
        ctx = week_context(
            week.number, week.phase, self.plan.request.experience, on, phase_week, rules
        )
        week.deload = on
        floor = {kind: min_rounds(kind, rules) for kind in ("accessory", "core")}
        for session in week.sessions:
            if session.strides:  # re-decided below for the whole week
                session.strides = None
                session.cites = [n for n in session.cites if n != self.cite("strides")]
            rounds = {kind: block_rounds(kind, ctx, rules) for kind in ("accessory", "core")}
            trimmed: list[str] = []
            while True:
                blocks = [self._represcribe(b, ctx, rounds.get(b.kind, 1)) for b in session.blocks]
                minutes = session_minutes(blocks, self._extra_minutes(session))
                if on or minutes <= self.plan.request.minutes:
                    break
                label = next(
                    (
                        label
                        for label in rules.param("trim-accessories-first", "order")
                        if label in TRIMMABLE and rounds[TRIMMABLE[label]] > floor[TRIMMABLE[label]]
                    ),
                    None,
                )
                if label is None:
                    break
                rounds[TRIMMABLE[label]] -= 1
                trimmed = [*dict.fromkeys([*trimmed, label])]
            session.blocks, session.minutes, session.trimmed = blocks, minutes, trimmed
            extra = [self.cite("deload")] if on else []
            if trimmed:
                extra.append(self.cite("trim-accessories-first"))
            session.cites = unique([*session.cites, *extra, self.cite("adapt-deload")])
        self._restride(week)
        if on:
            week.notes.append("Deload week brought forward: your log shows fatigue building.")
        else:
            week.notes = [n for n in week.notes if not n.startswith("Deload week")]
            week.notes.append("Your deload came a week or more earlier, so this week trains.")
        week.cites = unique([*week.cites, self.cite("deload"), self.cite("adapt-deload")])

    def _represcribe(self, block: Block, ctx: WeekContext, rounds: int) -> Block:
        if block.kind not in ("main", "accessory", "core"):
            return block
        book = self.book
        exercises = [
            prescribe(
                book.catalogue[x.exercise_id],
                x.slot,
                block.kind,
                ctx,
                rounds,
                self.rules,
                book.layouts,
                self.cite,
            )
            for x in block.exercises
        ]
        return self._timed(block, exercises, rounds)

    def _set_rounds(self, week: Week, session: Session, block: Block, rounds: int) -> None:
        ctx = week_context(
            week.number, week.phase, self.plan.request.experience, week.deload, 1, self.rules
        )
        exercises = [
            prescribe(
                self.book.catalogue[x.exercise_id],
                x.slot,
                block.kind,
                ctx,
                rounds,
                self.rules,
                self.book.layouts,
                self.cite,
            )
            for x in block.exercises
        ]
        timed = self._timed(block, exercises, rounds)
        session.blocks = [timed if b is block else b for b in session.blocks]
        if "accessory rounds" not in session.trimmed:
            session.trimmed = [*session.trimmed, "accessory rounds"]
        session.minutes = session_minutes(session.blocks, self._extra_minutes(session))
        session.cites = unique(
            [*session.cites, self.cite("trim-accessories-first"), self.cite("adapt-fatigue")]
        )

    def _timed(self, block: Block, exercises: list[Prescription], rounds: int) -> Block:
        minutes = block_minutes(
            block.kind, exercises, rounds, self.book.catalogue, self.rules, self.book.layouts.timing
        )
        circuit = block.kind in ("accessory", "core")
        return block.model_copy(
            update={
                "exercises": exercises,
                "minutes": minutes,
                "rounds": rounds if circuit else block.rounds,
            }
        )

    def _extra_minutes(self, session: Session) -> float:
        tests = {test["id"]: test["minutes"] for test in self.rules.param("retest", "tests")}
        extra = float(sum(tests.get(test.test_id, 0) for test in session.tests))
        if session.strides:
            extra += self.rules.param("strides", "minutes")
        return extra

    def _restride(self, week: Week, *, only_if_none: bool = False) -> None:
        if only_if_none and any(s.strides for s in week.sessions):
            return
        add_strides(
            week.sessions, week.phase, week.deload, self.plan.request.minutes, self.rules, self.cite
        )

    def _retests(self) -> None:
        """A baseline test week that passed with no result logged: the test at the next session."""
        upcoming = self.upcoming()
        if not upcoming or not self.entries:  # a member who logs nothing is not nagged
            return
        next_week, next_session = upcoming[0]
        passed = [
            w
            for w in self.plan.weeks
            if w.retest and w.sessions and all(s.date < self.today for s in w.sessions)
        ]
        if not passed or next_week.retest:
            return
        week = passed[-1]
        if any(e.tests for e in self.entries if e.week == week.number):
            return
        if next_week.number - week.number > self.param("adapt-retest", "make_up_within_weeks"):
            return
        names = ", ".join(t.name for s in week.sessions for t in s.tests)
        self.change(
            "adapt-retest",
            "retest",
            next_week.number,
            f"Your week {week.number} baseline test ({names}) is not in your log: do it "
            "after the warm-up of this session and log the result, so your tests stay "
            "four to six weeks apart.",
            session=next_session.number,
        )


def _area_in(note: str) -> str | None:
    """The first body area a note names (knee, knees, calf, calves, lower back...)."""
    words = " ".join(note.lower().replace("-", " ").split())
    for area in BODY_AREAS:
        spellings = {area.replace("-", " ")} | {
            alias.replace("-", " ") for alias, to in _AREA_WORDS.items() if to == area
        }
        if any(f" {word} " in f" {words} " for word in spellings):
            return area
    return None


_AREA_WORDS = {
    "knees": "knee",
    "ankles": "ankle",
    "calves": "calf",
    "shins": "shin",
    "hamstrings": "hamstring",
    "hips": "hip",
    "low back": "lower-back",  # not a bare "back": "came back", "back to running"
    "shoulders": "shoulder",
    "elbows": "elbow",
    "wrists": "wrist",
    "achilles tendon": "achilles",
}


def member_flags(
    log: TrainingLog,
    today: date,
    book: Playbook,
    plan: Plan | None = None,
    *,
    warning_signs: WarningSigns | None = None,
) -> MemberFlags:
    """Logging in the last 7 days, fatigue signs and niggles, for the coaches' summary."""
    entries = [e for e in log.entries if e.date <= today]
    week = recent(entries, today)
    niggle_from = book.rules.param("adapt-fatigue", "niggle_from")
    flags = MemberFlags(
        member=log.member,
        logged_this_week=len(week),
        last_logged=entries[-1].date if entries else None,
        niggles=[
            NiggleMark(date=e.date, area=n.area, score=n.score)
            for e in week
            for n in e.niggles
            if n.score >= niggle_from
        ],
    )
    if plan is not None:
        adapted = adapt_plan(plan, log, today, book, warning_signs=warning_signs)
        flags.fatigue = adapted.fatigue
        flags.red_flag = bool(adapted.red_flags)
    return flags
