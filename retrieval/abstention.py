"""When to say "not in our guides": a calibrated confidence over retrieval evidence (pure)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from pydantic import BaseModel, Field

POLICY_PATH = Path(__file__).with_name("data") / "abstention.json"


class Evidence(BaseModel):
    """What retrieval found for one query, reduced to the signals abstention looks at."""

    top_dense: float = Field(description="Best cosine similarity between query and a passage.")
    coverage: float = Field(description="Share of query content words that occur in the guides.")
    lexical: float = Field(0.0, description="Best BM25 score of any passage for the query.")


class AbstentionPolicy(BaseModel):
    """confidence = top_dense + coverage_weight * coverage + lexical_weight * lexical.

    Dense similarity alone misses exact rare words MiniLM never learnt ("Pallof press"), and
    out-of-scope running questions ("marathon pacing") share plenty of words with the guides;
    the three together separate them better than any one (see `coach eval --calibrate`).
    """

    coverage_weight: float = 0.0
    lexical_weight: float = 0.0
    threshold: float = 0.35
    calibrated_on: str = "uncalibrated default"

    def confidence(self, evidence: Evidence) -> float:
        return (
            evidence.top_dense
            + self.coverage_weight * evidence.coverage
            + self.lexical_weight * evidence.lexical
        )

    def abstains(self, evidence: Evidence) -> bool:
        return self.confidence(evidence) < self.threshold


def load_policy(path: Path = POLICY_PATH) -> AbstentionPolicy:
    try:
        return AbstentionPolicy.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return AbstentionPolicy()


def save_policy(policy: AbstentionPolicy, path: Path = POLICY_PATH) -> None:
    path.write_text(json.dumps(policy.model_dump(), indent=2) + "\n", encoding="utf-8")


def calibrate(
    in_scope: list[Evidence],
    out_of_scope: list[Evidence],
    *,
    max_false_abstain: float = 0.05,
    coverage_weights: tuple[float, ...] = (0.0,),
    lexical_weights: tuple[float, ...] = (0.0, 0.01, 0.02, 0.03, 0.04),
    label: str = "",
) -> AbstentionPolicy:
    """Pick weight and threshold that abstain on the most out-of-scope questions while wrongly
    abstaining on at most `max_false_abstain` of in-scope ones; ties go to the widest margin."""
    best: tuple[float, float, AbstentionPolicy] | None = None
    for cov_w, lex_w in itertools.product(coverage_weights, lexical_weights):
        probe = AbstentionPolicy(coverage_weight=cov_w, lexical_weight=lex_w)
        kept = sorted(probe.confidence(e) for e in in_scope)
        allowed = int(max_false_abstain * len(kept))
        # Threshold just below the (allowed+1)-th lowest in-scope confidence.
        ceiling = kept[allowed] if kept else 1.0
        outs = sorted(probe.confidence(e) for e in out_of_scope)
        below = [c for c in outs if c < ceiling]
        caught = len(below) / len(outs) if outs else 1.0
        # Centre the threshold in the gap between the last caught out-of-scope and the ceiling.
        floor = max(below) if below else ceiling - 0.05
        threshold = (floor + ceiling) / 2
        margin = ceiling - floor
        policy = AbstentionPolicy(
            coverage_weight=cov_w,
            lexical_weight=lex_w,
            threshold=round(threshold, 4),
            calibrated_on=label,
        )
        key = (caught, margin)
        if best is None or key > best[:2]:
            best = (caught, margin, policy)
    assert best is not None
    return best[2]
