"""Abstention policy: the confidence formula, the threshold, calibration and the policy file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from retrieval.abstention import (
    POLICY_PATH,
    AbstentionPolicy,
    Evidence,
    calibrate,
    load_policy,
    save_policy,
)


@pytest.mark.parametrize(
    ("policy", "evidence", "confidence"),
    [
        (AbstentionPolicy(), Evidence(top_dense=0.5, coverage=1.0, lexical=3.0), 0.5),
        (
            AbstentionPolicy(coverage_weight=0.2),
            Evidence(top_dense=0.5, coverage=0.5, lexical=3.0),
            0.6,
        ),
        (
            AbstentionPolicy(lexical_weight=0.25),
            Evidence(top_dense=0.4, coverage=0.0, lexical=1.2),
            0.7,
        ),
        (
            AbstentionPolicy(coverage_weight=0.1, lexical_weight=0.1),
            Evidence(top_dense=0.3, coverage=1.0, lexical=2.0),
            0.6,
        ),
    ],
)
def test_confidence_adds_the_weighted_signals(
    policy: AbstentionPolicy, evidence: Evidence, confidence: float
) -> None:
    assert policy.confidence(evidence) == pytest.approx(confidence)


@pytest.mark.parametrize(
    ("top_dense", "abstains"),
    [(0.10, True), (0.3499, True), (0.35, False), (0.80, False)],
)
def test_abstains_strictly_below_the_threshold(top_dense: float, abstains: bool) -> None:
    policy = AbstentionPolicy(threshold=0.35)
    assert policy.abstains(Evidence(top_dense=top_dense, coverage=0.0)) is abstains


def synthetic(seed: int = 7) -> tuple[list[Evidence], list[Evidence]]:
    """In-scope questions score higher on average, with overlap, as real ones do."""
    rng = np.random.default_rng(seed)
    in_scope = [
        Evidence(top_dense=float(d), coverage=float(c), lexical=float(lex))
        for d, c, lex in zip(
            rng.uniform(0.45, 0.90, 80),
            rng.uniform(0.6, 1.0, 80),
            rng.uniform(0.4, 1.6, 80),
            strict=True,
        )
    ]
    out_of_scope = [
        Evidence(top_dense=float(d), coverage=float(c), lexical=float(lex))
        for d, c, lex in zip(
            rng.uniform(0.20, 0.60, 30),
            rng.uniform(0.2, 0.9, 30),
            rng.uniform(0.0, 0.5, 30),
            strict=True,
        )
    ]
    return in_scope, out_of_scope


def rates(policy: AbstentionPolicy, in_scope, out_of_scope) -> tuple[float, float]:
    wrong = sum(policy.abstains(e) for e in in_scope) / len(in_scope)
    caught = sum(policy.abstains(e) for e in out_of_scope) / len(out_of_scope)
    return wrong, caught


@pytest.mark.parametrize("bound", [0.0, 0.05, 0.10, 0.20])
def test_calibration_respects_the_false_abstain_bound(bound: float) -> None:
    in_scope, out_of_scope = synthetic()
    policy = calibrate(in_scope, out_of_scope, max_false_abstain=bound, label="synthetic")
    wrong, _ = rates(policy, in_scope, out_of_scope)
    assert wrong <= bound
    assert policy.calibrated_on == "synthetic"


def test_calibration_catches_more_when_allowed_more_mistakes() -> None:
    in_scope, out_of_scope = synthetic()
    dense_only = {"coverage_weights": (0.0,), "lexical_weights": (0.0,)}
    caught = [
        rates(
            calibrate(in_scope, out_of_scope, max_false_abstain=b, **dense_only),
            in_scope,
            out_of_scope,
        )[1]
        for b in (0.0, 0.05, 0.2)
    ]
    assert caught == sorted(caught)
    assert caught[-1] > caught[0]


def test_calibration_uses_the_signal_that_separates() -> None:
    # Dense similarity cannot tell these apart; only the lexical signal can.
    in_scope = [Evidence(top_dense=0.5, coverage=0.5, lexical=1.0 + i / 100) for i in range(40)]
    out_of_scope = [Evidence(top_dense=0.5, coverage=0.5, lexical=i / 100) for i in range(20)]
    policy = calibrate(in_scope, out_of_scope, coverage_weights=(0.0,), lexical_weights=(0.0, 0.05))
    assert policy.lexical_weight == 0.05
    assert rates(policy, in_scope, out_of_scope) == (0.0, 1.0)


def test_calibration_centres_the_threshold_in_the_gap() -> None:
    in_scope = [Evidence(top_dense=0.8, coverage=0.0)] * 10
    out_of_scope = [Evidence(top_dense=0.4, coverage=0.0)] * 10
    policy = calibrate(in_scope, out_of_scope, coverage_weights=(0.0,), lexical_weights=(0.0,))
    assert policy.threshold == pytest.approx(0.6)


def test_policy_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "abstention.json"
    policy = AbstentionPolicy(
        coverage_weight=0.1, lexical_weight=0.2, threshold=0.55, calibrated_on="x"
    )
    save_policy(policy, path)
    assert json.loads(path.read_text(encoding="utf-8"))["threshold"] == 0.55
    assert load_policy(path) == policy


def test_missing_policy_file_gives_the_default(tmp_path: Path) -> None:
    assert load_policy(tmp_path / "nope.json") == AbstentionPolicy()


def test_committed_policy_is_calibrated() -> None:
    policy = load_policy(POLICY_PATH)
    assert policy != AbstentionPolicy()
    assert policy.calibrated_on == "public.jsonl"
    assert 0 < policy.threshold < 1
