"""The learned red-flag detector next to the rules: MiniLM sentence vectors -> a logistic head.

The rules (`safety.py`) catch the signs they list; the head, trained on club-chat phrasings
(`training/red_flags/`, `make red-flags`), catches the same warnings said in other words.
A message is a red flag when an urgent rule fires (chest pain, fainting, numbness...: a check in
any words), or the head's probability reaches the shipped threshold. The other rules need the
head's word too: a strong one (sharp pain, swelling, a pain score...) counts unless the head is
all but sure the message is ordinary ("session RPE was 6/10"; two kinds of strong sign together
count whatever it says), and a weak, question-only one
("pain in a joint", "a twinge or niggle") only when the head leans towards a warning: on their
own they flag ordinary questions ("my hips are stiff and it shortens my stride"). The head alone
and a weak rule do not overrule a message framed as ordinary talk (how to prevent something, what
causes it, a healed injury, stiffness gone once warm or settled by the next day, "pain cave"):
`safety.ordinary_frame`. The head alone needs a clearly higher score when nothing corroborates it
(`safety.corroborated`: no body part or symptom named, a laugh, or the rules put the words down
to nerves or hard effort): its false alarms were tiredness, colds and effort slang.
The thresholds were chosen on the dev tables only (see the json next to the head).
A long message is also scored sentence by sentence, and counts at its most worrying sentence: a
warning buried in training chat ("... anyway my foot aches at night now. what pace for
long runs?") is diluted in the vector of the whole message.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from retrieval.protocols import Embedder

from .safety import (
    QUESTION_ONLY,
    URGENT,
    RedFlag,
    corroborated,
    detect_red_flags,
    ordinary_frame,
)

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
HEAD_FILE = DATA_DIR / "red_flag_head.npy"
INFO_FILE = DATA_DIR / "red_flag_head.json"
# What the member is told when only the head saw a warning in their words.
MODEL_LABEL = "pain or symptoms that may need a proper check"
# From this many words a message is also scored sentence by sentence (shorter ones are one
# thought; splitting them only adds false alarms on dev).
LONG_MESSAGE_WORDS = 25
# Sentence ends, and the chat words that start a new topic ("..., anyway what pace?").
_PIECE_BREAK = re.compile(r"(?<=[.!?;])\s+|\s+(?:anyway|also|oh and)\s+", re.IGNORECASE)


class HeadInfo(BaseModel):
    """The shipped head's card: what it expects, its decision rule, and its file's hash."""

    version: int
    embedder: str
    dim: int
    threshold: float  # the head alone flags at this probability
    # ...when nothing corroborates it (no body part or symptom named, laughed off, or the rules put
    # the sign's words down to nerves or hard effort); 0 on older cards: `threshold` then.
    uncorroborated_threshold: float = 0.0
    weak_rule_threshold: float  # a weak rule's hit counts from this probability
    strong_rule_threshold: float = 0.0  # a strong, not urgent rule's hit counts from this one
    sha256: str
    training_rows: int = 0
    seed: int = 0
    l2: float = 0.0
    dev: dict[str, dict[str, float]] = {}


@dataclass(frozen=True)
class RedFlagHead:
    """Logistic regression over L2-normalised sentence vectors (pure)."""

    weights: np.ndarray  # (dim,)
    bias: float
    info: HeadInfo

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        logits = vectors.astype(np.float64) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-logits))


class RedFlagHeadError(RuntimeError):
    """The shipped head is missing, damaged or made for another embedder."""


def load_head(head_file: Path = HEAD_FILE, info_file: Path = INFO_FILE) -> RedFlagHead:
    """The head and its card; a RedFlagHeadError says what is wrong and how to rebuild it."""
    try:
        info = HeadInfo(**json.loads(info_file.read_text(encoding="utf-8")))
        raw = head_file.read_bytes()
    except (OSError, ValueError) as exc:
        raise RedFlagHeadError(f"red-flag head unreadable ({exc}); run `make red-flags`") from exc
    digest = hashlib.sha256(raw).hexdigest()
    if digest != info.sha256:
        raise RedFlagHeadError(
            f"{head_file.name} does not match its card (sha256 {digest[:12]}, card says "
            f"{info.sha256[:12]}); run `make red-flags`"
        )
    values = np.load(head_file)
    if values.shape != (info.dim + 1,):
        raise RedFlagHeadError(
            f"{head_file.name} has shape {values.shape}, expected ({info.dim + 1},)"
        )
    return RedFlagHead(weights=values[:-1].astype(np.float64), bias=float(values[-1]), info=info)


def pieces(text: str) -> list[str]:
    """The message, and for a long one also its sentences of three words or more (pure)."""
    if len(text.split()) < LONG_MESSAGE_WORDS:
        return [text]
    parts = [p.strip() for p in _PIECE_BREAK.split(text) if len(p.split()) >= 3]
    return [text, *parts] if len(parts) > 1 else [text]


def max_over_pieces(texts: Sequence[str], score: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """Each message's highest score over its pieces; `score` sees all pieces in one batch."""
    split = [pieces(t) for t in texts]
    scores = score([p for ps in split for p in ps]) if split else np.zeros(0)
    ends = np.cumsum([len(ps) for ps in split])
    return np.array(
        [scores[end - len(ps) : end].max() for ps, end in zip(split, ends, strict=True)]
    )


def urgent(flags: Sequence[RedFlag]) -> bool:
    """A rule hit that needs a check whatever the head says (chest pain, fainting...)."""
    return any(f.label in URGENT for f in flags)


def strong(flags: Sequence[RedFlag]) -> bool:
    """A rule hit that is a warning in most words (sharp pain, swelling, a pop...)."""
    return any(f.label not in QUESTION_ONLY for f in flags)


def several_strong(flags: Sequence[RedFlag]) -> bool:
    """Two or more kinds of strong sign at once ('running on it for six weeks, a 5 out of 10')."""
    return len({f.label for f in flags if f.label not in QUESTION_ONLY}) >= 2


def decide(
    flags: Sequence[RedFlag],
    probability: float,
    info: HeadInfo,
    ordinary: bool = False,
    corroborated: bool = True,
) -> list[RedFlag]:
    """The combined verdict (pure): the flags to show, [] when the message is ordinary.

    `ordinary`: the message is framed as ordinary talk, so neither the head alone nor a weak
    rule flags it. `corroborated`: the message names a body part or symptom in earnest, so the
    head alone flags at its lower bar; otherwise only a clearly higher score does."""
    if (
        urgent(flags)
        or several_strong(flags)
        or (strong(flags) and probability >= info.strong_rule_threshold)
        or (flags and probability >= info.weak_rule_threshold and not ordinary)
    ):
        return list(flags)
    bar = info.threshold if corroborated else max(info.threshold, info.uncorroborated_threshold)
    if probability >= bar and not ordinary:
        return [RedFlag(label=MODEL_LABEL, phrase="")]
    return []


class RedFlagModel:
    """Rules and the head together, scoring with the embedder it is given (the app's own)."""

    def __init__(self, embedder: Embedder, head: RedFlagHead | None = None) -> None:
        self.embedder = embedder
        self.head = head or load_head()

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """The head's probability per message, at its most worrying piece."""
        if not texts:
            return np.zeros(0)
        return max_over_pieces(
            texts, lambda flat: self.head.probabilities(self.embedder.embed(flat))
        )

    def detect(self, text: str) -> list[RedFlag]:
        """Red flags in a member's message: the rules' labels, or MODEL_LABEL from the head."""
        if not text.strip():
            return []
        flags = detect_red_flags(text)
        if urgent(flags):
            return flags  # no embedding needed: the rule alone decides
        probability = float(self.probabilities([text])[0])
        return decide(flags, probability, self.head.info, ordinary_frame(text), corroborated(text))
