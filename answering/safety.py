"""Injury red flags: a phrase table and a matcher, checked before anything else (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# Up to four filler words between the parts of a phrase ("the pain in my shin is sharp").
GAP = r"(?:\S+ ){0,4}"
# A sentence's worth of words: "the pain in my shin when I run is really really quite sharp".
WIDE_GAP = r"(?:\S+ ){0,10}"
PAIN = r"(?:pain|pains|painful|ache|aches|aching|hurts?|hurting|sore)"
SHARP = r"(?:sharp|stabbing|stabby|shooting|searing|knife ?like|piercing|burning)"
# 7/10 and up ("8/10 pain", "pain is 9 out of 10"): normalised text reads "8 10".
THROUGH = (
    r"(?:push|pushing|run|running|train|training|power|powering|work|working|grit|gritting)"
    r" (?:my |your )?(?:way )?(?:through|on)"
)
HIGH_SCALE = r"(?:[7-9]|10) (?:out of |on a scale of )?10"
CANT = r"(?:can't|cant|cannot|can not|couldn't|couldnt|unable to|not able to)"


def _either(a: str, b: str, gap: str = GAP) -> str:
    """`a` near `b`, in either order."""
    return rf"(?:\b{a} {gap}{b}\b|\b{b} {gap}{a}\b)"


# fmt: off
# (what the member is told they described, pattern over normalised text). Order = priority.
RED_FLAGS: tuple[tuple[str, str], ...] = (
    ("chest pain",
     rf"\bchest {GAP}(?:{PAIN}|tight\w*|pressure)\b"
     rf"|\b{PAIN} {GAP}(?:in|across|on) (?:my |the )?chest\b|\bheart attack\b"),
    ("an irregular or racing heartbeat",
     r"\bpalpitations?\b"
     r"|\b(?:irregular|skipping|racing|fluttering|pounding) (?:heart ?beat|heart|pulse)\b"
     r"|\bheart (?:\S+ )?(?:racing|fluttering|skipping|skips|flutters|pounding)\b"),
    ("trouble breathing",
     rf"\b{CANT} breathe?\b|\b(?:trouble|difficulty|struggling|hard) (?:to )?breath\w*\b"
     rf"|\b(?:short(?:ness)? of breath|breathless) (?:\S+ )?(?:at rest|resting|sitting)\b"),
    ("fainting or dizziness",
     r"\b(?:fainted|fainting|(?:feel|felt|feeling) faint|pass(?:ed|ing)? out|black(?:ed)? out)\b"
     r"|\b(?:dizzy|dizziness|light ?headed(?:ness)?)\b"
     r"|\b(?:i|he|she|they|someone) collapsed\b"),
    ("numbness or tingling",
     r"\b(?:numb|numbness|tingl\w*|pins and needles|lost (?:all )?feeling|loss of feeling)\b"),
    ("sharp pain",
     _either(SHARP, PAIN, WIDE_GAP)
     + r"|\b(?:stabbing|stabby|shooting|searing|piercing) (?:\S+ )?(?:feeling|sensation|twinge)s?\b"
     + r"|\bsharp,? (?:stabbing|shooting)\b"),
    ("severe pain",
     rf"\b(?:severe|excruciating|unbearable|intense|extreme|agonising|agonizing) (?:\S+ )?{PAIN}\b"
     rf"|\bworst {PAIN}\b"
     + "|" + _either(HIGH_SCALE, PAIN)
     + rf"|\b{PAIN} (?:so much|so bad|so badly|a lot|like hell|really badly|badly)\b"
     rf"|\b(?:really|very|extremely|so|seriously|incredibly) (?:really )?(?:painful|hurts)\b"
     rf"|\bin (?:agony|a lot of pain|so much pain)\b"),
    ("pain that gets worse",
     rf"\b{PAIN} {GAP}(?:worse|worsening|worsens|increasing|more and more|more every)\b"
     rf"|\b(?:worsening|increasing|growing) {GAP}{PAIN}\b"),
    ("not being able to bear weight",
     rf"\b{CANT} (?:bear|put|take|carry) (?:any |much |my )?weight\b"
     rf"|\b{CANT} (?:walk|stand on)\b"
     rf"|\b(?:hurts?|hurting|painful|pain|sore) (?:\S+ ){{0,2}}(?:to|when(?: i)?|while(?: i)?) "
     rf"(?:walk|walking|stand|standing|put weight|bear weight)\b"
     rf"|\blimp(?:ing|ed|s)?\b|\bwalk(?:ing)? with a limp\b"
     rf"|\b(?:can't|cannot|cant|unable to) weight ?bear\w*\b|\bnon ?weight ?bearing\b"),
    ("swelling", r"\b(?:swollen|swelling|swells|swelled)\b"),
    ("a pop or snap",
     r"\b(?:heard|felt) (?:a |something )?(?:pop|snap|crack)\b"
     r"|\b(?:something|it) (?:popped|snapped|cracked)\b"),
    ("pain at night or at rest",
     rf"\b{PAIN} {GAP}(?:at night|at rest|in bed|wakes me|woke me|(?:while|even|when) resting)\b"),
    ("possible bone injury",
     rf"\b(?:stress fracture|fractured?|broken bone|broke my)\b"
     rf"|\b(?:bone {PAIN}|{PAIN} (?:on|in) the bone)\b"),
    ("a joint giving way or locking",
     r"\b(?:gives|giving|gave) way\b"
     r"|\b(?:knee|ankle|hip) (?:\S+ )?(?:locks|locking|locked)\b"),
    ("blood in your urine or dark urine",
     r"\bblood in (?:my |the )?(?:urine|pee|stool)\b"
     r"|\b(?:dark|brown|cola) (?:coloured |colored )?(?:urine|pee)\b"
     r"|\bcough\w* (?:up )?blood\b"),
    ("signs of heat illness", r"\bheat ?stroke\b|\bheat exhaustion\b|\bstopped sweating\b"),
    ("pain you are thinking of running through",
     _either(PAIN, rf"{THROUGH}(?: it| the pain)?", WIDE_GAP)
     + rf"|\b(?:run|running|keep running|carry on|train) (?:\S+ )?(?:with|despite|through) "
       rf"(?:the |this |a |my )?(?:\S+ )?{PAIN}\b"),
)

NEGATIONS = frozenset(
    {"no", "not", "never", "without", "don't", "dont", "doesn't", "doesnt", "didn't", "didnt",
     "isn't", "isnt", "wasn't", "wasnt", "nor", "zero", "aren't", "haven't", "hasn't"}
)

PREVENTION = frozenset({"prevent", "preventing", "avoid", "avoiding", "reduce", "risk", "risks"})

# Words the typo-tolerance may restore, and real words it must leave alone.
VOCABULARY = (
    "pain", "sharp", "stabbing", "shooting", "severe", "chest", "numb", "numbness", "tingling",
    "swollen", "swelling", "dizzy", "dizziness", "fainted", "breathe", "breathing", "weight",
    "worse", "worsening", "excruciating", "unbearable", "palpitations", "fracture", "lightheaded",
    "hurts", "aching", "bear",
)
REAL_WORDS = frozenset(
    {"paid", "pair", "pin", "rain", "gain", "main", "plain", "share", "shark", "sharps", "chess",
     "cheat", "chests", "horse", "nurse", "words", "world", "worst", "wait", "eight", "weigh",
     "height", "beer", "dear", "fear", "hear", "near", "year", "wear", "tear", "beat", "hurt",
     "dizzy", "breath", "breaths", "severs", "sever", "swell", "paint", "numbs", "shootings"}
)
# fmt: on


@dataclass(frozen=True)
class RedFlag:
    label: str
    phrase: str


def detect_red_flags(text: str) -> list[RedFlag]:
    """Red flags in a member's message, one per kind, in table order; [] when none."""
    normalised = normalise(text)
    if not normalised:
        return []
    found: list[RedFlag] = []
    for label, pattern in _compiled():
        for match in pattern.finditer(normalised):
            if not _negated(normalised, match.start(), match.group(0)):
                found.append(RedFlag(label=label, phrase=match.group(0).strip()))
                break
    return found


# In an answer, a guide naming an injury as a topic ("stress fractures are common among
# runners") is not a member describing a symptom: these labels count on the question side only.
QUESTION_ONLY = frozenset({"possible bone injury"})


def detect_answer_red_flags(text: str) -> list[RedFlag]:
    """Red flags an answer talks about (sharp pain, chest pain...), topics aside."""
    return [f for f in detect_red_flags(text) if f.label not in QUESTION_ONLY]


# Advice no reply may give a member in pain: carry on regardless.
CONTINUE_THROUGH_PAIN_RE = re.compile(
    r"\b(?:run|running|push|pushing|train|training|work|working|power|powering|grit|gritting"
    r"|carry on|keep going|keep running|keep training)"
    r" (?:\S+ ){0,2}(?:through|past|despite|with) (?:the |any |your |this |that |it |a )?"
    r"(?:\S+ )?(?:pain|discomfort|hurt|hurting|ache|aching|niggle|it)\b"
    r"|\bignore (?:the |any |your )?(?:\S+ )?(?:pain|discomfort|ache)\b"
    r"|\bno pain,? no gain\b|\b(?:run|walk) it off\b|\bshake it off\b"
    r"|\bkeep (?:going|running|training)\b"
)
# "rather than pushing through them", "don't run through pain": warnings, not advice.
_ADVICE_NEGATIONS = NEGATIONS | {"rather", "instead", "avoid", "stop", "never", "than"}


def advises_continuing(sentence: str) -> bool:
    """Does this sentence tell someone to carry on through pain? ('run through the pain')."""
    normalised = normalise(sentence)
    for match in CONTINUE_THROUGH_PAIN_RE.finditer(normalised):
        before = normalised[: match.start()].split()[-3:]
        if not any(w in _ADVICE_NEGATIONS for w in before):
            return True
    return False


def describe(flags: list[RedFlag]) -> str:
    """'sharp pain and swelling' for the reply template."""
    labels = [f.label for f in flags]
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def normalise(text: str) -> str:
    """Lowercase words separated by single spaces, apostrophes kept, light typo repair."""
    text = text.lower().replace("’", "'").replace("‘", "'")
    tokens = re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text)
    return " ".join(_repair(t) for t in tokens)


def _negated(normalised: str, start: int, phrase: str = "") -> bool:
    """'no sharp pain', 'sharp but not painful', or a prevention question ('how do I avoid...')."""
    before = normalised[:start].split()
    return (
        any(w in NEGATIONS for w in before[-3:])
        or any(w in PREVENTION for w in before[-4:])
        or any(w in NEGATIONS for w in phrase.split())
    )


@lru_cache(maxsize=4096)
def _repair(token: str) -> str:
    if len(token) < 4 or token in REAL_WORDS or token in VOCABULARY:
        return token
    for word in VOCABULARY:
        if abs(len(word) - len(token)) <= 1 and _one_typo(token, word):
            return word
    return token


def _one_typo(token: str, word: str) -> bool:
    """One swap of neighbours (any length), or one edit for words of five letters and more."""
    if len(token) == len(word):
        diffs = [i for i, (a, b) in enumerate(zip(token, word, strict=True)) if a != b]
        if len(diffs) == 2 and diffs[1] == diffs[0] + 1:
            i, j = diffs
            return token[i] == word[j] and token[j] == word[i]
        return len(diffs) == 1 and len(word) >= 5
    if len(word) < 5:
        return False
    shorter, longer = sorted((token, word), key=len)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((label, re.compile(pattern)) for label, pattern in RED_FLAGS)
