"""The audit card: each rule checked against a finished plan: pass, fail or n/a, and its source."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise

from planner.adapt_audit import ADAPT_CHECKERS
from planner.build import runner_pool
from planner.catalogue import Exercise, Pool
from planner.coverage import (
    PUSH_PULL_REGIONS,
    coverable_groups,
    has_pattern,
    is_lower_main,
    is_single_leg,
    is_upper,
    missing_groups,
    possible,
    push_pull,
)
from planner.models import DAYS, AuditItem, Block, Plan, Session, Status, Week
from planner.playbook import Playbook
from planner.rules import RuleBook
from planner.sessions import available_tests

Verdict = tuple[Status, str]
PASS: Status = "pass"
FAIL: Status = "fail"
NA: Status = "n/a"


@dataclass(frozen=True)
class Audit:
    """What a checker may look at: the plan, the playbook and the runner's allowed pool."""

    plan: Plan
    book: Playbook
    pool: Pool

    @property
    def rules(self) -> RuleBook:
        return self.book.rules

    def exercise(self, exercise_id: str) -> Exercise:
        return self.book.catalogue[exercise_id]

    def block(self, session: Session, kind: str) -> Block | None:
        return next((block for block in session.blocks if block.kind == kind), None)

    def trained(self, session: Session) -> list[Exercise]:
        return [
            self.exercise(p.exercise_id)
            for block in session.blocks
            if block.kind in ("main", "accessory", "core")
            for p in block.exercises
        ]

    def week_trained(self, week: Week) -> list[Exercise]:
        return [e for session in week.sessions for e in self.trained(session)]

    def lifting_weeks(self) -> list[Week]:
        return [week for week in self.plan.weeks if week.sessions]

    def maintenance(self, week: Week) -> bool:
        """A phase that caps accessories (taper) is light maintenance, not balanced training."""
        return self.rules.phase(week.phase).get("max_accessories") is not None

    def training_weeks(self) -> list[Week]:
        """Weeks the weekly-coverage rules apply to: lifting, and not maintenance."""
        return [week for week in self.lifting_weeks() if not self.maintenance(week)]

    # What the phase rules ask of a week, worked out here from the parameters themselves, not
    # with the builder's helpers: the audit is an independent check of the builder.
    def phase_week(self, week: Week) -> int:
        return sum(1 for w in self.plan.weeks if w.phase == week.phase and w.number <= week.number)

    def full_sets(self, week: Week) -> int:
        return self.rules.phase(week.phase)["main"]["sets"][self.plan.request.experience]

    def want_sets(self, week: Week) -> int:
        full = self.full_sets(week)
        if not week.deload:
            return full
        return max(1, math.ceil(full * self.rules.param("deload", "sets_factor")))

    def want_reps(self, week: Week, exercise: Exercise) -> str:
        params = self.rules.phase(week.phase)
        if exercise.equipment in ("bodyweight", "bands"):  # no weight to pick
            if exercise.unit == "seconds":
                return self.rules.param("progression", "unloaded_hold")
            return self.rules.param("progression", "unloaded_reps")[week.phase]
        late = params.get("late")
        experience = self.plan.request.experience
        if late and experience in late["for"] and self.phase_week(week) > late["after_weeks"]:
            return late["reps"]
        return params["main"]["reps"]

    def want_rounds(self, week: Week) -> int:
        rounds = self.rules.phase(week.phase)["accessory_rounds"][self.plan.request.experience]
        if week.deload:
            rounds = self.rules.param("deload", "rounds")
        low = self.rules.param("accessory-circuit", "min_rounds")
        high = self.rules.param("accessory-circuit", "max_rounds")
        return min(high, max(low, rounds))


Checker = Callable[[Audit, dict], Verdict]
CHECKERS: dict[str, Checker] = {}


def checker(rule_id: str) -> Callable[[Checker], Checker]:
    def register(func: Checker) -> Checker:
        CHECKERS[rule_id] = func
        return func

    return register


def audit_plan(plan: Plan, book: Playbook) -> list[AuditItem]:
    """One item per rule, in rule order (the adaptation rules only for an adapted plan)."""
    audit = Audit(plan, book, runner_pool(plan.request, book))
    items = []
    for rule in book.rules:
        if rule.id in ADAPT_CHECKERS and plan.adapted_on is None:
            continue  # a plan the training log never touched: the adaptation rules don't apply
        status, detail = CHECKERS[rule.id](audit, rule.params)
        items.append(AuditItem(rule_id=rule.id, text=rule.text, status=status, detail=detail,
                               cite=plan.cite(rule.id)))  # fmt: skip
    return items


def _verdict(problems: list[str], ok: str) -> Verdict:
    if problems:
        shown = "; ".join(problems[:3]) + (
            f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
        )
        return FAIL, shown
    return PASS, ok


def _label(week: Week, session: Session | None = None) -> str:
    return f"week {week.number}" + (f" {session.day}" if session else "")


# --- Week and day placement ---------------------------------------------------------


@checker("frequency")
def _frequency(a: Audit, p: dict) -> Verdict:
    full = [w for w in a.plan.weeks if not w.partial and not w.race_week]
    if not full:
        return NA, "no full week to count (a partial first week or race week only)"
    problems = [
        f"{_label(w)} has {len(w.sessions)} sessions"
        for w in full
        if not p["min_per_week"] <= len(w.sessions) <= p["max_per_week"]
    ]
    for prev, week in pairwise(full):
        if prev.phase == week.phase and len(prev.sessions) != len(week.sessions):
            problems.append(f"{_label(week)} changes from {len(prev.sessions)} sessions")
    counts = sorted({len(w.sessions) for w in full})
    return _verdict(problems, f"{'/'.join(map(str, counts))} sessions a week, steady in each phase")


@checker("non-consecutive")
def _non_consecutive(a: Audit, p: dict) -> Verdict:
    dates = sorted(s.date for _, s in a.plan.sessions())
    gap = p["min_days_between"] + 1
    problems = [f"{x} and {y}" for x, y in pairwise(dates) if (y - x).days < gap]
    return _verdict(problems, "no two lifting days in a row, across week boundaries too")


@checker("separate-days")
def _separate_days(a: Audit, p: dict) -> Verdict:
    runs = a.plan.request.runs
    problems: list[str] = []
    shared = 0
    for week, session in a.plan.sessions():
        run = runs.get(session.day)
        place = session.placement
        if run is None and place.kind != "rest-day":
            problems.append(f"{_label(week, session)} is marked as a shared day without a run")
        elif run is not None:
            shared += 1
            if run not in p["same_day_runs"]:
                problems.append(f"{_label(week, session)} shares the day with a {run} run")
            elif place.kind != "same-day" or (place.min_hours_apart or 0) < p["min_hours_apart"]:
                problems.append(f"{_label(week, session)} lacks the {p['min_hours_apart']} h gap")
    ok = "every session on a rest day" if not shared else (
        f"{shared} session(s) share a day with an easy run, {p['min_hours_apart']} h apart"
    )  # fmt: skip
    return _verdict(problems, ok)


@checker("priority-first")
def _priority_first(a: Audit, p: dict) -> Verdict:
    shared = [(w, s) for w, s in a.plan.sessions() if s.placement.kind == "same-day"]
    if not shared:
        return NA, "no day has both a run and a lift"
    problems = []
    for week, session in shared:
        want = (
            "lift-first" if week.phase in p["lift_first"]
            else "run-first" if week.phase in p["run_first"] else None
        )  # fmt: skip
        if session.placement.order != want:
            problems.append(f"{_label(week, session)} should be {want} in {week.phase}")
    return _verdict(problems, "shared days put the phase's priority first")


@checker("hard-run-recovery")
def _hard_runs(a: Audit, p: dict) -> Verdict:
    request = a.plan.request
    hard = set(p["hard_runs"])
    cutoff = a.rules.param("phase-taper", "last_session_days_before_race")
    problems = []
    for week, session in a.plan.sessions():
        index = DAYS.index(session.day)
        ahead = [request.runs.get(DAYS[(index + step) % 7]) for step in range(p["days_before"] + 1)]
        if hard.intersection(ahead):
            problems.append(f"{_label(week, session)} is on or right before a hard run")
        if request.race_date and session.date > request.race_date - timedelta(days=cutoff):
            problems.append(f"{_label(week, session)} is within {cutoff} days of the race")
    return _verdict(problems, "no session on a hard-run day or the day before one")


# --- Session shape ------------------------------------------------------------------


@checker("full-body")
def _full_body(a: Audit, p: dict) -> Verdict:
    reachable = coverable_groups(a.pool, p["groups"])
    problems = []
    for week, session in a.plan.sessions():
        if a.maintenance(week):
            continue
        missing = [g for g in missing_groups(a.trained(session), p["groups"]) if g in reachable]
        if missing:
            problems.append(f"{_label(week, session)} misses {', '.join(missing)}")
    unreachable = sorted(set(p["groups"]) - reachable)
    ok = "every session trains " + ", ".join(sorted(reachable))
    if unreachable:
        ok += f" ({', '.join(unreachable)} ruled out by your injuries or equipment)"
    return _verdict(problems, ok)


@checker("session-order")
def _session_order(a: Audit, p: dict) -> Verdict:
    problems = []
    for week, session in a.plan.sessions():
        kinds = [block.kind for block in session.blocks]
        if kinds != list(p["order"]):
            problems.append(f"{_label(week, session)} runs {' → '.join(kinds)}")
        elif any(not a.block(session, k).exercises for k in ("warm-up", "main", "cool-down")):  # type: ignore[union-attr]
            problems.append(f"{_label(week, session)} has an empty warm-up, main or cool-down")
    return _verdict(problems, " → ".join(p["order"]) + " in every session")


@checker("warm-up")
def _warm_up(a: Audit, p: dict) -> Verdict:
    regions = {e.region for e in a.pool if e.role == "warm-up"}
    problems = []
    for week, session in a.plan.sessions():
        block = a.block(session, "warm-up")
        found = {a.exercise(x.exercise_id).region for x in block.exercises} if block else set()
        if not regions.intersection({"upper", "lower"}) <= found:
            problems.append(f"{_label(week, session)} warm-up is not whole-body")
        if block and len(block.exercises) > p["max_items"]:
            problems.append(f"{_label(week, session)} warm-up has too many drills")
    return _verdict(problems, "whole-body warm-up (upper back and hips) every session")


@checker("compound-first")
def _compound_first(a: Audit, p: dict) -> Verdict:
    compound = [
        e for e in a.pool if e.role == "main" and e.pattern in p["patterns"] and e.region == "lower"
    ]
    problems = []
    for week, session in a.plan.sessions():
        block = a.block(session, "main")
        lifts = [a.exercise(x.exercise_id) for x in block.exercises] if block else []
        if not p["min_main"] <= len(lifts) <= p["max_main"]:
            problems.append(f"{_label(week, session)} has {len(lifts)} main lifts")
        odd = [e.name for e in lifts if e.pattern not in p["patterns"]]
        if odd:
            problems.append(f"{_label(week, session)} main block holds {', '.join(odd)}")
        # An accessory move in a main slot only when no compound lift for that side of the
        # body (push or pull) is left for the runner.
        ids = {e.id for e in lifts}
        light = [
            e.name for e in lifts
            if e.role != "main" and any(
                c.direction == e.direction and c.id not in ids for c in compound
            )
        ]  # fmt: skip
        if light:
            problems.append(f"{_label(week, session)} puts {', '.join(light)} in the main slot")
    return _verdict(
        problems, f"{p['min_main']}-{p['max_main']} compound lifts right after the warm-up"
    )


@checker("trim-accessories-first")
def _trim(a: Audit, p: dict) -> Verdict:
    limit = a.plan.request.minutes
    problems = []
    trimmed = 0
    for week in a.lifting_weeks():
        want = a.want_sets(week)
        rounds = a.want_rounds(week)
        for session in week.sessions:
            main = a.block(session, "main")
            if main and any(x.sets != want for x in main.exercises):
                problems.append(f"{_label(week, session)} cut main-lift sets")
            if session.minutes > limit:
                problems.append(f"{_label(week, session)} takes {session.minutes:g} of {limit} min")
            accessory = a.block(session, "accessory")
            got = accessory.rounds if accessory else rounds
            if session.trimmed:
                trimmed += 1
            if got != rounds and "accessory rounds" not in session.trimmed:
                problems.append(f"{_label(week, session)} changed accessory rounds unannounced")
    ok = f"every session fits {limit} min with the main lifts whole"
    if trimmed:
        ok += f"; accessories trimmed in {trimmed} session(s)"
    return _verdict(problems, ok)


@checker("accessory-circuit")
def _accessory_circuit(a: Audit, p: dict) -> Verdict:
    problems = []
    for week, session in a.plan.sessions():
        block = a.block(session, "accessory")
        if block is None or not block.exercises:
            continue
        if (
            block.format != "circuit"
            or not p["min_rounds"] <= (block.rounds or 0) <= p["max_rounds"]
        ):
            problems.append(f"{_label(week, session)} accessory block is not a 1-3 round circuit")
        if any(not x.reps.startswith((p["reps"], p["hold"])) for x in block.exercises):
            problems.append(f"{_label(week, session)} accessory reps differ from {p['reps']}")
    return _verdict(problems, f"accessories as a circuit of {p['reps']} reps")


@checker("core-every-session")
def _core_every_session(a: Audit, p: dict) -> Verdict:
    problems = [
        _label(w, s)
        for w, s in a.plan.sessions()
        if not (block := a.block(s, "core")) or not block.exercises
    ]
    return _verdict([f"{x} has no core work" for x in problems], "core work closes every session")


@checker("cool-down")
def _cool_down(a: Audit, p: dict) -> Verdict:
    problems = []
    for week, session in a.plan.sessions():
        block = a.block(session, "cool-down")
        patterns = {a.exercise(x.exercise_id).pattern for x in block.exercises} if block else set()
        if "breathing" not in patterns or not patterns.intersection({"mobility", "stretch"}):
            problems.append(f"{_label(week, session)} cool-down lacks mobility or breathing")
    return _verdict(problems, "mobility and breathing to finish every session")


# --- Balance and coverage -----------------------------------------------------------


def _weekly(a: Audit, predicate, minimum: int, what: str) -> Verdict:
    if not possible(predicate, a.pool, a.rules):
        return NA, f"no {what} fits your equipment and injuries"
    problems = [
        f"{_label(w)} has no {what}"
        for w in a.training_weeks()
        if sum(predicate(e, a.rules) for e in a.week_trained(w)) < minimum
    ]
    return _verdict(problems, f"at least {minimum} {what} every week")


@checker("push-pull")
def _push_pull(a: Audit, p: dict) -> Verdict:
    problems = []
    skipped = []
    for region in PUSH_PULL_REGIONS:
        if not any(e.region == region and e.direction == "pull" for e in a.pool):
            skipped.append(region)
            continue
        for week in a.training_weeks():
            push, pull = push_pull(a.week_trained(week), region)
            if pull < push * p["min_pull_per_push"]:
                problems.append(f"{_label(week)} {region}: {push} push vs {pull} pull")
    if len(skipped) == len(PUSH_PULL_REGIONS):
        return NA, "no pulling exercise fits your equipment and injuries"
    return _verdict(problems, "as many pulls as pushes, upper and lower body, every week")


@checker("upper-lower")
def _upper_lower(a: Audit, p: dict) -> Verdict:
    verdicts = [
        _weekly(a, is_lower_main, p["min_lower_main"], "lower-body main lift"),
        _weekly(a, is_upper("push"), p["min_upper_push"], "upper-body press"),
        _weekly(a, is_upper("pull"), p["min_upper_pull"], "upper-body pull"),
    ]
    problems = [detail for status, detail in verdicts if status == FAIL]
    if problems:
        return FAIL, "; ".join(problems)
    return PASS, "big leg lifts plus upper-body presses and pulls every week"


@checker("single-leg")
def _single_leg(a: Audit, p: dict) -> Verdict:
    return _weekly(a, is_single_leg, p["min_per_week"], "single-leg exercise")


@checker("lateral-hip")
def _lateral_hip(a: Audit, p: dict) -> Verdict:
    def counts(e: Exercise, rules: RuleBook) -> bool:
        return e.pattern in p["patterns"]

    if not any(counts(e, a.rules) for e in a.pool):
        return NA, "no lateral hip exercise fits your equipment and injuries"
    problems = []
    for week in a.training_weeks():
        warm = [
            a.exercise(x.exercise_id)
            for s in week.sessions
            for b in s.blocks
            if b.kind == "warm-up"
            for x in b.exercises
        ]
        if sum(counts(e, a.rules) for e in (*a.week_trained(week), *warm)) < p["min_per_week"]:
            problems.append(f"{_label(week)} has no lateral hip work")
    return _verdict(problems, "lateral hip work every week")


@checker("calves")
def _calves(a: Audit, p: dict) -> Verdict:
    if not possible(has_pattern("calves"), a.pool, a.rules):
        return NA, "no calf raise fits your injuries (see a physio)"
    problems = [
        f"{_label(w, s)} has no calf raise"
        for w, s in a.plan.sessions()
        if sum(e.pattern in p["patterns"] for e in a.trained(s)) < p["per_session"]
    ]
    return _verdict(problems, "calf raises in every session")


@checker("tibialis")
def _tibialis(a: Audit, p: dict) -> Verdict:
    return _weekly(a, has_pattern("tibialis"), p["min_per_week"], "tibialis exercise")


@checker("anti-rotation")
def _anti_rotation(a: Audit, p: dict) -> Verdict:
    return _weekly(a, has_pattern("anti-rotation"), p["min_per_week"], "anti-rotation exercise")


# --- Loading ------------------------------------------------------------------------


def _mains(a: Audit, weeks: list[Week]):
    for week in weeks:
        for session in week.sessions:
            block = a.block(session, "main")
            for x in block.exercises if block else ():
                yield week, session, x


@checker("tempo")
def _tempo(a: Audit, p: dict) -> Verdict:
    # Isometric holds have no lowering or lift, so no tempo; every rep-based lift has one.
    problems = [
        f"{_label(w, s)} {x.name}"
        for w, s, x in _mains(a, a.plan.weeks)
        if x.tempo != (None if a.exercise(x.exercise_id).unit == "seconds" else p["main"])
    ]
    return _verdict(
        [f"{x} lacks tempo {p['main']}" for x in problems], f"main lifts at {p['main']}"
    )


@checker("rpe-loads")
def _rpe_loads(a: Audit, p: dict) -> Verdict:
    problems = [
        f"{_label(w, s)} {x.name}"
        for w, s, x in _mains(a, a.plan.weeks)
        if x.rpe is None or not p["min_rpe"] <= x.rpe <= p["max_rpe"] or "RPE" not in x.load
    ]
    ok = f"every main lift has an RPE target ({p['min_rpe']}-{p['max_rpe']})"
    return _verdict([f"{x} has no RPE target in range" for x in problems], ok)


def _phase_check(phase: str) -> Checker:
    def check(a: Audit, p: dict) -> Verdict:
        weeks = [w for w in a.lifting_weeks() if w.phase == phase]
        if not weeks:
            return NA, f"no {phase} weeks in this plan"
        problems = []
        for week in weeks:
            want_rounds = a.want_rounds(week)
            for session in week.sessions:
                for x in a.block(session, "main").exercises:  # type: ignore[union-attr]
                    reps = a.want_reps(week, a.exercise(x.exercise_id))
                    if not x.reps.startswith(reps) or x.rest_s != p["main"]["rest_s"]:
                        problems.append(f"{_label(week, session)} {x.name}: {x.reps}")
                accessory = a.block(session, "accessory")
                if accessory and not 1 <= (accessory.rounds or 0) <= want_rounds:
                    problems.append(f"{_label(week, session)} has {accessory.rounds} rounds")
        return _verdict(problems, f"{len(weeks)} {phase} week(s) loaded as the phase asks")

    return check


for _phase in ("base", "build", "in-season", "taper"):
    CHECKERS[f"phase-{_phase}"] = _phase_check(_phase)


@checker("rotate-focus")
def _rotate_focus(a: Audit, p: dict) -> Verdict:
    weeks = [w for w in a.plan.weeks if len(w.sessions) > 1]
    if not weeks:
        return NA, "one session a week: it is full-body"
    problems = []
    for week in weeks:
        focuses = [s.focus for s in week.sessions]
        contents = [frozenset(e.id for e in a.trained(s)) for s in week.sessions]
        if len(set(focuses)) < len(focuses) or len(set(contents)) < len(contents):
            problems.append(f"{_label(week)} repeats a session")
    return _verdict(problems, "each weekly session has its own emphasis")


def _stress(a: Audit, week: Week) -> tuple[float, float]:
    """Average sets and RPE per main lift: the load asked of each lift that week."""
    lifts = [x for _, _, x in _mains(a, [week])]
    count = max(1, len(lifts))
    return sum(x.sets for x in lifts) / count, sum(x.rpe or 0 for x in lifts) / count


@checker("progression")
def _progression(a: Audit, p: dict) -> Verdict:
    every = a.rules.param("deload", "every_weeks")
    runs: list[list[Week]] = []
    for week in a.lifting_weeks():
        if week.phase not in p["phases"] or week.deload:
            continue
        prev = runs[-1][-1] if runs else None
        same = prev is not None and prev.phase == week.phase and prev.number == week.number - 1
        if same and (prev.number - 1) // every == (week.number - 1) // every:  # type: ignore[union-attr]
            runs[-1].append(week)
        else:
            runs.append([week])
    runs = [run for run in runs if len(run) > 1]
    if not runs:
        return NA, "no stretch of two or more building weeks"
    problems = []
    for run in runs:
        stress = [_stress(a, w) for w in run]
        if any(later < earlier for earlier, later in pairwise(stress)) or stress[-1] <= stress[0]:
            problems.append(f"weeks {run[0].number}-{run[-1].number} do not build gradually")
        if len({len(w.sessions) for w in run if not w.partial}) > 1:
            problems.append(f"weeks {run[0].number}-{run[-1].number} change frequency")
    return _verdict(problems, f"loads rise gently over {len(runs)} block(s), frequency steady")


@checker("deload")
def _deload(a: Audit, p: dict) -> Verdict:
    due = [
        w for w in a.lifting_weeks() if w.number % p["every_weeks"] == 0 and w.phase in p["phases"]
    ]
    if not due:
        return NA, f"plan has no week {p['every_weeks']}-multiple outside a taper"
    # A deload the training log brought forward (rule adapt-deload) is in turn, and stands in
    # for the planned one it came before.
    forward = {c.week for c in a.plan.adaptations if c.rule_id == "adapt-deload"}
    problems = [
        f"{_label(w)} is not a deload"
        for w in due
        if not w.deload and not any(w.number - p["every_weeks"] < n < w.number for n in forward)
    ]
    problems += [
        f"{_label(w)} is a deload out of turn"
        for w in a.plan.weeks
        if w.deload and w not in due and w.sessions and w.number not in forward
    ]
    for week in (w for w in due if w.deload):
        full = a.full_sets(week)
        if any(x.sets >= full and full > 1 for _, _, x in _mains(a, [week])):
            problems.append(f"{_label(week)} keeps full sets")
    return _verdict(problems, f"lighter week every {p['every_weeks']} weeks")


@checker("retest")
def _retest(a: Audit, p: dict) -> Verdict:
    if not available_tests(a.plan.request, a.book):
        return NA, "no baseline test suits your injuries and runs"
    eligible = [w for w in a.lifting_weeks() if w.phase not in p["skip_phases"]]
    if not eligible:
        return NA, "no weeks outside the taper to test in"
    tested = [w.number for w in eligible if any(s.tests for s in w.sessions)]
    # Due: the first eligible week, then the first one at least `every_weeks` after the last.
    due: list[int] = []
    for week in eligible:
        if not due or week.number - due[-1] >= p["every_weeks"]:
            due.append(week.number)
    problems = []
    if not tested or tested[0] != eligible[0].number:
        problems.append("no baseline test in the first week")
    problems += [f"no retest in week {n}" for n in due if n not in tested]
    problems += [f"week {n} tests out of turn" for n in tested if n not in due]
    return _verdict(problems, f"tests in weeks {', '.join(map(str, tested))}")


@checker("training-log")
def _training_log(a: Audit, p: dict) -> Verdict:
    problems = []
    if list(a.plan.log_fields) != list(p["fields"]):
        problems.append("the plan's log fields differ from the guide")
    problems += [
        f"{_label(w, s)} has no log prompt" for w, s in a.plan.sessions() if not s.log_prompt
    ]
    return _verdict(problems, "log: " + ", ".join(p["fields"]))


@checker("strides")
def _strides(a: Audit, p: dict) -> Verdict:
    limit = a.plan.request.minutes
    applicable = [
        w
        for w in a.lifting_weeks()
        if w.phase in p["phases"] and not (w.deload and p["skip_deload"])
    ]
    problems = [
        f"{_label(w)} has strides out of phase"
        for w in a.plan.weeks
        if w not in applicable and any(s.strides for s in w.sessions)
    ]
    with_strides = 0
    hard = set(a.rules.param("hard-run-recovery", "hard_runs"))
    for week in applicable:
        count = sum(bool(s.strides) for s in week.sessions)
        problems += [
            f"{_label(week, s)} has strides the day after a {s.placement.run_before} run"
            for s in week.sessions
            if s.strides and s.placement.run_before in hard
        ]
        room = any(
            s.minutes + p["minutes"] <= limit and s.placement.run_before not in hard
            for s in week.sessions
        )
        if count > p["per_week"] or (count == 0 and room):
            problems.append(f"{_label(week)} has {count} stride sessions")
        with_strides += count > 0
    if not applicable:
        return NA, "no week with high fatigue tolerance (deload or taper only)"
    if not with_strides and not problems:
        return NA, "no session has room for strides on fresh legs (not the day after a hard run)"
    return _verdict(problems, f"strides after lifting in {with_strides} week(s)")


def _adapted(check: Callable[[Plan, Playbook, dict], Verdict]) -> Checker:
    return lambda a, p: check(a.plan, a.book, p)


for _rule_id, _check in ADAPT_CHECKERS.items():
    CHECKERS[_rule_id] = _adapted(_check)
