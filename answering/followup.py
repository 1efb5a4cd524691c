"""Follow-up condensation: "and after a long run?" becomes a standalone question.

Rule-based by default; an LLM rewrite when one is configured, with the rules as fallback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from answering.models import Turn
from retrieval.text import STOPWORDS, WORD_RE

from .grounding import content_stems, is_instruction
from .prompts import PROMPTS_DIR, escape_text, format_history, render_prompt

log = logging.getLogger(__name__)

# (system prompt, user prompt) -> model text; raises on any failure.
Complete = Callable[[str, str], str]

LEADING_CONNECTIVE_RE = re.compile(
    r"^\s*(?:(?:and|but|also|so|then|ok|okay|right|hmm|or)\b[\s,]*)*"
    r"(?:(?:what|how) about|same (?:for|with)|and for|what of)?\b[\s,]*",
    re.IGNORECASE,
)
FOLLOWUP_START_RE = re.compile(
    r"^\s*(?:and|but|also|or|so|then|what about|how about|what if|same for|same with|"
    r"ok(?:ay)? and|what of)\b",
    re.IGNORECASE,
)
# fmt: off
ANAPHORA = frozenset({"it", "that", "this", "those", "these", "them", "there", "one", "ones",
                      "same", "they", "then"})
QUESTION_WORDS = frozenset({"how", "what", "when", "why", "which", "who", "should", "can",
                            "do", "does", "is", "are", "many", "much", "long", "often"})
# fmt: on
MAX_STANDALONE_CHARS = 300


def looks_like_followup(question: str) -> bool:
    """Does this lean on an earlier turn ('and after a long run?', 'how many reps for that?')?"""
    words = WORD_RE.findall(question.lower())
    if not words:
        return False
    if FOLLOWUP_START_RE.match(question):
        return True
    topical = [w for w in words if w not in STOPWORDS and w not in QUESTION_WORDS]
    if len(topical) <= 1:
        return True
    return len(words) <= 10 and any(w in ANAPHORA for w in words)


def condense_rules(question: str, history: Sequence[Turn]) -> str:
    """Merge a follow-up with the topic of the conversation so far; standalone questions pass."""
    standalone = ""
    for turn in history:
        standalone = _merge(turn.question, standalone) if standalone else turn.question.strip()
    if not standalone:
        return question.strip()
    return _merge(question, standalone)


def condense(
    question: str,
    history: Sequence[Turn],
    complete: Complete | None = None,
    prompts_dir: Path = PROMPTS_DIR,
) -> str:
    """The standalone question to retrieve with: LLM rewrite if given, rules otherwise."""
    if not history or not looks_like_followup(question):
        return question.strip()
    fallback = condense_rules(question, history)
    if complete is None:
        return fallback
    try:
        system = render_prompt("condense_system", prompts_dir)
        user = render_prompt(
            "condense",
            prompts_dir,
            history=format_history(history),
            question=escape_text(question),
        )
        rewritten = _clean_rewrite(complete(system, user), question, history)
    except Exception as exc:  # any LLM failure: the rules still give a usable question
        log.warning("follow-up condensation by LLM failed (%s); using rules", exc)
        return fallback
    if rewritten is None:
        log.warning("follow-up condensation by LLM unusable; using rules")
        return fallback
    return rewritten


def _merge(question: str, previous: str) -> str:
    if not looks_like_followup(question):
        return question.strip()
    rest = LEADING_CONNECTIVE_RE.sub("", question.strip(), count=1).strip() or question.strip()
    present = content_stems(rest)
    topic_words = [
        w
        for w in dict.fromkeys(WORD_RE.findall(previous.lower()))
        if w not in STOPWORDS and w not in QUESTION_WORDS and content_stems(w) - present
    ]
    topic = " ".join(topic_words)
    rest_words = WORD_RE.findall(rest.lower())
    anaphor = next((w for w in rest_words if w in ANAPHORA - {"then", "there"}), None)
    if anaphor and topic:
        merged = re.sub(rf"\b{anaphor}\b", topic, rest, count=1, flags=re.IGNORECASE)
    else:
        merged = f"{topic} {rest}".strip()
    merged = " ".join(merged.split())
    if not merged.endswith(("?", ".", "!")):
        merged += "?"
    return merged[:1].upper() + merged[1:]


def _clean_rewrite(text: str, question: str, history: Sequence[Turn]) -> str | None:
    """The model's rewrite if it is one short question about the conversation, else None."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return None
    candidate = lines[0].strip("\"'` ").removeprefix("Standalone question:").strip()
    if not candidate or len(candidate) > MAX_STANDALONE_CHARS or is_instruction(candidate):
        return None
    context = content_stems(" ".join([question, *(t.question for t in history)]))
    if not content_stems(candidate) & context:
        return None  # a rewrite sharing no word with the conversation is not a rewrite
    return candidate
