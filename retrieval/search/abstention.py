"""When to answer, answer with a caveat, or say "not in our guides" (pure, plus the cache file).

Raw scores move with the corpus: BM25 grows with a folder's vocabulary and passage lengths, and
dense similarity with how its pages are written. So no raw number decides. Each index is
calibrated from itself: questions drawn from its own passages (what "covered" scores like here)
and a fixed bank of off-topic questions (what "not covered" scores like here). A query's
evidence is placed on that scale, 0 = a typical off-topic question, 1 = a typical question the
passages answer, and the bands in `data/abstention.json` (chosen on the dev sets of four
different corpora) cut it into refuse / partial (answer with a caveat) / answer.
"""

from __future__ import annotations

import hashlib
import json
import logging
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

log = logging.getLogger(__name__)

DATA = Path(__file__).resolve().parents[1] / "data"  # retrieval/data
POLICY_PATH = DATA / "abstention.json"
OFF_TOPIC_PATH = DATA / "off_topic_questions.txt"
CALIBRATION_NAME = "abstention-calibration.json"
POLICY_NAME = "abstention.json"  # a data-dir override written by `coach eval --calibrate`
PSEUDO_QUESTIONS = 48
_PSEUDO_WORDS = 14
_MIN_SPREAD = 1e-3

Support = Literal["direct", "partial", "none"]


class Evidence(BaseModel):
    """What retrieval found for one query, reduced to the signals abstention looks at."""

    top_dense: float = Field(description="Best cosine similarity between query and a passage.")
    coverage: float = Field(description="Share of query content words that occur in the guides.")
    lexical: float = Field(0.0, description="Best BM25 score of any passage for the query.")
    answered: float = Field(
        0.0, description="IDF-weighted share of the query's words the best passage contains."
    )
    sentence: float = Field(
        0.0,
        description="Best cosine similarity between query and one sentence of the top passages.",
    )
    # The judge's verdicts on the top passages (None when no judge is in force): the highest
    # "answers this" and "touches on it" probabilities among them.
    judge_answers: float | None = None
    judge_touches: float | None = None


class Calibration(BaseModel):
    """Where off-topic and covered questions score on one index generation (medians)."""

    generation: str = ""
    dense_off: float = 0.2
    dense_in: float = 0.6
    lexical_off: float = 0.0
    lexical_in: float = 10.0
    answered_off: float = 0.0
    answered_in: float = 1.0
    sentence_off: float = 0.2
    sentence_in: float = 0.6
    questions_in: int = 0
    questions_off: int = 0

    def position(
        self,
        evidence: Evidence,
        dense_share: float,
        sentence_share: float = 0.0,
        answered_share: float = 0.0,
    ) -> float:
        """0 at a typical off-topic question, 1 at a typical covered one.

        Passage similarity (dense and BM25) says the question is about what the guides are
        about; the best single sentence and the share of the question's telling words in the
        best passage say whether the guides *answer* it. A running question the guides do not
        cover ("how many gels for a marathon?") is similar to running articles, but no sentence
        says it and its rare words ("gels") are missing."""
        dense = _scaled(evidence.top_dense, self.dense_off, self.dense_in)
        lexical = _scaled(evidence.lexical, self.lexical_off, self.lexical_in)
        sentence = _scaled(evidence.sentence, self.sentence_off, self.sentence_in)
        answered = _scaled(evidence.answered, self.answered_off, self.answered_in)
        similar = dense_share * dense + (1 - dense_share) * lexical
        rest = 1 - sentence_share - answered_share
        return rest * similar + sentence_share * sentence + answered_share * answered

    def summary(self) -> str:
        return (
            f"dense {self.dense_off:.2f} off-topic / {self.dense_in:.2f} covered, "
            f"BM25 {self.lexical_off:.1f} / {self.lexical_in:.1f}, "
            f"best sentence {self.sentence_off:.2f} / {self.sentence_in:.2f}, "
            f"words answered {self.answered_off:.2f} / {self.answered_in:.2f} "
            f"({self.questions_in} questions from the guides, {self.questions_off} off-topic)"
        )


def _scaled(value: float, low: float, high: float) -> float:
    return (value - low) / max(high - low, _MIN_SPREAD)


class AbstentionPolicy(BaseModel):
    """Bands on the calibrated scale: below `refuse_below` refuse, below `direct_from` answer
    with a caveat, otherwise answer. Dev-chosen, the same for every corpus."""

    dense_share: float = 0.5
    sentence_share: float = 0.0
    answered_share: float = 0.0
    refuse_below: float = 0.3
    direct_from: float = 0.5
    # With a judge in force: its signal (answers + judge_touches * touches, best passage) is
    # blended in with weight `judge_share`, and the judge bands below cut the blend instead.
    judge_share: float = 1.0
    judge_touches: float = 0.5
    judge_refuse_below: float = 0.3
    judge_direct_from: float = 0.6
    chosen_on: str = "uncalibrated default"

    def confidence(self, evidence: Evidence, calibration: Calibration | None = None) -> float:
        position = (calibration or Calibration()).position(
            evidence, self.dense_share, self.sentence_share, self.answered_share
        )
        if evidence.judge_answers is None or self.judge_share <= 0:
            return position
        judged = evidence.judge_answers + self.judge_touches * (evidence.judge_touches or 0.0)
        return (1 - self.judge_share) * position + self.judge_share * min(judged, 1.0)

    def bands(self, evidence: Evidence) -> tuple[float, float]:
        """(refuse below, caveat below) for this evidence: the judge's bands when it judged."""
        if evidence.judge_answers is None or self.judge_share <= 0:
            return self.refuse_below, self.direct_from
        return self.judge_refuse_below, self.judge_direct_from

    def support(self, evidence: Evidence, calibration: Calibration | None = None) -> Support:
        value = self.confidence(evidence, calibration)
        refuse_below, direct_from = self.bands(evidence)
        if value < refuse_below:
            return "none"
        return "partial" if value < direct_from else "direct"


def load_policy(data_dir: Path | None = None, path: Path = POLICY_PATH) -> AbstentionPolicy:
    """The data dir's own bands (written by `coach eval --calibrate`) or the shipped ones."""
    for candidate in ([data_dir / POLICY_NAME] if data_dir else []) + [path]:
        try:
            return AbstentionPolicy.model_validate_json(candidate.read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except ValidationError as exc:
            log.warning("ignoring %s: not an abstention policy (%s)", candidate, exc)
    return AbstentionPolicy()


def save_policy(policy: AbstentionPolicy, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(policy.model_dump(), indent=2) + "\n", encoding="utf-8")


# -- calibration from the corpus ---------------------------------------------------------------
def off_topic_questions(path: Path = OFF_TOPIC_PATH) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def pseudo_questions(texts: Sequence[str], n: int = PSEUDO_QUESTIONS) -> list[str]:
    """Up to n questions drawn evenly from the passages: the opening words of one of their
    sentences, which is about what a runner types when asking what that passage says."""
    from retrieval.text import split_sentences

    if not texts:
        return []
    step = max(1, len(texts) // n)
    out: list[str] = []
    for text in list(texts)[::step][:n]:
        sentences = [s for s in split_sentences(text) if len(s.split()) >= 6] or [text]
        words = sentences[len(sentences) // 2].split()[:_PSEUDO_WORDS]
        out.append(" ".join(words))
    return out


def calibrate_index(
    generation: str,
    passages: Sequence[str],
    evidence_of: Callable[[Sequence[str]], list[Evidence]],
    off_topic: Sequence[str] | None = None,
) -> Calibration:
    """Calibrate one index: `evidence_of` runs questions through the index's own search (all
    of them in one call, so their vectors can be embedded in one batch)."""
    asked = pseudo_questions(passages)
    bank = list(off_topic if off_topic is not None else off_topic_questions())
    found = evidence_of(asked + bank)
    covered, off = found[: len(asked)], found[len(asked) :]
    if not covered or not off:
        return Calibration(generation=generation)
    return Calibration(
        generation=generation,
        dense_off=statistics.median(e.top_dense for e in off),
        dense_in=statistics.median(e.top_dense for e in covered),
        lexical_off=statistics.median(e.lexical for e in off),
        lexical_in=statistics.median(e.lexical for e in covered),
        answered_off=statistics.median(e.answered for e in off),
        answered_in=statistics.median(e.answered for e in covered),
        sentence_off=statistics.median(e.sentence for e in off),
        sentence_in=statistics.median(e.sentence for e in covered),
        questions_in=len(covered),
        questions_off=len(off),
    )


def generation_key(manifest_json: str) -> str:
    """One index generation's key: any change to the published manifest is a new one."""
    return hashlib.sha256(manifest_json.encode("utf-8")).hexdigest()[:16]


def load_calibration(data_dir: Path, generation: str | None = None) -> Calibration | None:
    """The cached calibration of this index generation (of any, when `generation` is None),
    or None (missing, other generation, unreadable). One file: the newest calibration."""
    try:
        cached = Calibration.model_validate_json(
            (data_dir / CALIBRATION_NAME).read_text(encoding="utf-8")
        )
    except (FileNotFoundError, ValidationError, ValueError):
        return None
    return cached if generation is None or cached.generation == generation else None


def save_calibration(data_dir: Path, calibration: Calibration) -> None:
    """Best effort: a read-only data dir just means calibrating again next start. Written
    atomically, so a question reading the newest calibration never sees half a file."""
    target = data_dir / CALIBRATION_NAME
    try:
        tmp = target.with_suffix(".tmp")
        tmp.write_text(calibration.model_dump_json(indent=2), encoding="utf-8")
        tmp.replace(target)
    except OSError as exc:
        log.warning("could not cache the abstention calibration in %s: %s", data_dir, exc)


# -- choosing the bands on dev sets (used by `coach eval --calibrate`) ---------------------------
def choose_bands(
    in_scope: Sequence[float],
    out_of_scope: Sequence[float],
    *,
    max_refused: float = 0.03,
    label: str = "",
    base: AbstentionPolicy | None = None,
) -> AbstentionPolicy:
    """Calibrated positions of labelled (dev) questions -> where hard refusal starts: refuse
    at most `max_refused` of the in-scope ones and, within that, as many out-of-scope ones as
    possible. The caveat band keeps its upper edge (`direct_from`, by default the middle of
    the scale: evidence nearer a typical off-topic question than a typical covered one)."""
    base = base or AbstentionPolicy()
    kept = sorted(in_scope)
    if not kept:
        return base
    ceiling = kept[int(max_refused * len(kept))]
    below = [c for c in out_of_scope if c < ceiling]
    floor = max(below) if below else ceiling - 0.05
    refuse_below = round((floor + ceiling) / 2, 4)
    return base.model_copy(
        update={
            "refuse_below": refuse_below,
            "direct_from": max(base.direct_from, refuse_below),
            "chosen_on": label,
        }
    )


def describe(data_dir: Path, manifest_json: str) -> str:
    """The calibration and bands in force for this data dir's index, for `coach status`."""
    policy = load_policy(data_dir)
    bands = (
        f"refuse below {policy.refuse_below:.2f}, caveat below {policy.direct_from:.2f} "
        f"on a 0 (off-topic) to 1 (covered) scale; bands chosen on: {policy.chosen_on}"
    )
    live = generation_key(manifest_json)
    calibration = load_calibration(data_dir)
    if calibration is None:
        return f"not measured yet (the next index update or question measures it); {bands}"
    if calibration.generation == live:
        return f"calibrated on this index (generation {live}): {calibration.summary()}; {bands}"
    # The write path re-calibrates right after publishing; until then questions use this one.
    return (
        f"calibrated on an earlier index generation ({calibration.generation}; live is {live}), "
        "in force until the re-index that published the live one has re-calibrated (one edit "
        f"stale): {calibration.summary()}; {bands}"
    )
