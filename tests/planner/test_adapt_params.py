"""Every parameter in adapt_rules.yaml drives the adapted plan: editing it changes the plan the
same log gives, and that plan still passes the audit of the edited rules (one case per
parameter; a parameter without a case fails, like test_rule_params.py for rules.yaml)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date

import pytest

from planner.adapt import adapt_plan
from planner.audit import audit_plan
from planner.build import build_plan
from planner.data_files import read_data
from planner.models import Plan, PlanRequest
from planner.playbook import Playbook, make_playbook
from planner.rules import ADAPT_RULES_FILE, RULES_FILE, load_rules
from planner.training_log import SessionLog
from tests.planner.conftest import TODAY, chunks_for
from tests.planner.logs import MEMBER, log_of, log_session, session_at

BASE = read_data(RULES_FILE)
RAW = read_data(ADAPT_RULES_FILE)
REQUEST = {"runs": {"sun": "long"}, "free_days": ("mon", "tue", "wed", "thu", "fri"),
           "equipment": ("dumbbells",), "phase": "base", "weeks": 8, "today": TODAY,
           "owner": MEMBER}  # fmt: skip


def set_param(path: str, value: object) -> Callable[[dict], None]:
    """An edit of `params.<path>` (dots for nested keys) of one rule."""

    def edit(params: dict) -> None:
        *parents, last = path.split(".")
        node = params
        for key in parents:
            node = node[key]
        node[last] = value

    return edit


# A story: (plan -> (entries, today)).
Story = Callable[[Plan], tuple[list[SessionLog], date]]


def at(plan: Plan, week: int, label: str, **fields: object) -> SessionLog:
    return log_session(plan, *session_at(plan, week, label), **fields)  # type: ignore[arg-type]


def before(plan: Plan, week: int, label: str) -> date:
    return session_at(plan, week, label)[1].date


def easy_twice(plan: Plan) -> tuple[list[SessionLog], date]:
    logs = [at(plan, w, x, off_target=-1.0) for w in (1, 2) for x in "AB"]
    return logs, before(plan, 3, "A")


def hard_once(plan: Plan) -> tuple[list[SessionLog], date]:
    return [at(plan, 1, x, off_target=1.0) for x in "AB"], before(plan, 2, "A")


def tired(plan: Plan) -> tuple[list[SessionLog], date]:
    """Effort rising to 1.5 over target, two heavier runs, a calf niggle at 3: three signs."""
    logs = [at(plan, 1, "A", off_target=0.0),
            at(plan, 1, "B", off_target=0.5, next_run="harder"),
            at(plan, 2, "A", off_target=1.5, next_run="harder",
               niggles=[{"area": "calf", "score": 3}])]  # fmt: skip
    return logs, before(plan, 2, "B")


def tired_two_signs(plan: Plan) -> tuple[list[SessionLog], date]:
    logs = [at(plan, 1, "A", off_target=0.0),
            at(plan, 1, "B", off_target=0.5, next_run="harder"),
            at(plan, 2, "A", off_target=1.5, next_run="harder")]  # fmt: skip
    return logs, before(plan, 2, "B")


def niggle_six(plan: Plan) -> tuple[list[SessionLog], date]:
    return [at(plan, 1, "A", niggles=[{"area": "knee", "score": 6}])], before(plan, 1, "B")


def sharp_note(plan: Plan) -> tuple[list[SessionLog], date]:
    return [at(plan, 1, "A", note="a sharp twinge")], before(plan, 1, "B")


def missed_monday(plan: Plan) -> tuple[list[SessionLog], date]:
    logs = [at(plan, 1, x) for x in "AB"] + [at(plan, 2, "A", status="skipped")]
    return logs, before(plan, 2, "A")


def test_missed_monday_moves_one_day(book: Playbook) -> None:  # the max_days_late story
    plan = build_plan(PlanRequest.parse(**REQUEST), book)
    logs, today = missed_monday(plan)
    moved = [
        c for c in adapt_plan(plan, log_of(*logs), today, book).changes if c.kind == "re-placed"
    ]
    assert moved


def no_test_logged(plan: Plan) -> tuple[list[SessionLog], date]:
    return [at(plan, 1, x, tests=False) for x in "AB"], before(plan, 2, "A")


# (rule id, parameter, edit, story)
CASES: list[tuple[str, str, Callable[[dict], None], Story]] = [
    ("adapt-progress", "below_by", set_param("below_by", 1.5), easy_twice),
    ("adapt-progress", "sessions", set_param("sessions", 3), easy_twice),
    ("adapt-progress", "step_pct", set_param("step_pct", 10), easy_twice),
    ("adapt-progress", "round_to", set_param("round_to.kg", 2.0), easy_twice),
    ("adapt-back-off", "above_by", set_param("above_by", 1.5), hard_once),
    ("adapt-back-off", "cut_pct", set_param("cut_pct", 20), hard_once),
    ("adapt-fatigue", "window", set_param("window", 1), tired_two_signs),
    ("adapt-fatigue", "effort_rise", set_param("effort_rise", 3.0), tired_two_signs),
    ("adapt-fatigue", "harder_runs", set_param("harder_runs", 3), tired_two_signs),
    ("adapt-fatigue", "niggle_from", set_param("niggle_from", 5), tired),
    ("adapt-fatigue", "signs_needed", set_param("signs_needed", 3), tired_two_signs),
    ("adapt-deload", "lead_weeks", set_param("lead_weeks", 2), tired),
    ("adapt-red-flag", "niggle_at", set_param("niggle_at", 7), niggle_six),
    ("adapt-red-flag", "warning_words", set_param("warning_words", []), sharp_note),
    ("adapt-missed", "max_days_late", set_param("max_days_late", 0), missed_monday),
    ("adapt-retest", "make_up_within_weeks", set_param("make_up_within_weeks", 0),
     no_test_logged),
]  # fmt: skip


def test_every_parameter_has_a_case() -> None:
    params = {(rule["id"], name) for rule in RAW for name in rule.get("params", {})}
    covered = {(rule_id, name) for rule_id, name, _, _ in CASES}
    assert params - covered == set(), "adaptation parameters no test shows driving the plan"
    assert covered - params == set(), "cases for parameters adapt_rules.yaml no longer has"


def adapted_json(raw: list[dict], story: Story) -> tuple[str, list[tuple[str, str]]]:
    rules = load_rules([*BASE, *raw])
    book = make_playbook(chunks_for(rules), rules=rules)
    plan = build_plan(PlanRequest.parse(**REQUEST), book)
    logs, today = story(plan)
    adapted = adapt_plan(plan, log_of(*logs), today, book)
    failures = [(i.rule_id, i.detail) for i in audit_plan(adapted.plan, book) if i.status == "fail"]
    return adapted.model_dump_json(), failures


@pytest.mark.parametrize(
    ("rule_id", "name", "edit", "story"), CASES, ids=[f"{c[0]}.{c[1]}" for c in CASES]
)
def test_editing_a_parameter_changes_the_adapted_plan(
    rule_id: str, name: str, edit: Callable[[dict], None], story: Story
) -> None:
    before, failures = adapted_json(RAW, story)
    assert not failures
    raw = copy.deepcopy(RAW)
    edit(next(rule for rule in raw if rule["id"] == rule_id)["params"])
    after, failures = adapted_json(raw, story)
    assert after != before
    assert not failures
