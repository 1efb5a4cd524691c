"""Meaning checks for a cited sentence: does it say what its passage says, or the opposite? (pure)

Sharing words with a passage is not agreeing with it: "run through the pain" shares words
with "rest, and see a physio". So a sentence is also compared with the passage sentences it
aligns with (those sharing most content words), and rejected when it

- flips polarity: what the passage negates ("avoid ballistic movements", "rather than
  grinding out", "not during them") stated plainly, or what it states negated, compared
  negation scope by scope; or negates something the passage never negates;
- swaps in an opposite ("cold" for "warm", "before" for "after", "keep going" for "stop");
- swaps the sides of a comparison ("the back stronger than the front") or of a sequence
  ("lift first and run afterwards" for "run first and lift afterwards");
- attaches a number to a different thing ("four exercises" for "four muscle groups"), or
  brings a unit of time or quantity the passage never uses ("an hour");
- gives an order whose verb the passage doesn't use ("Wear a knee brace");
- adds a condition or a universal the passage lacks ("only if...", "always", "if you are
  training for a marathon").

Rules over words, not a model, so they run offline on CPU; the two rules about wording the
passage lacks defer to the MiniLM embedder when it finds a close paraphrase. Precision and
recall are measured by `python -m answering.grounding_eval` on labelled tables.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from retrieval.text import CITATION_RE, STOPWORDS, split_lines, stem_words

from .claim_words import GENERIC_STEMS, NUMBER_RE, WORD_NUMBERS, canonical_number
from .similarity import Similarity

TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[,;:.!?()]")
# Words that negate what follows them (a few content words, within the clause).
NEGATION_CUES = frozenset(
    {"not", "no", "never", "without", "avoid", "avoiding", "nothing", "none", "nor", "cannot",
     "skip", "skipping", "instead", "neither", "stop", "stopping", "little", "non"}
)  # fmt: skip
SCOPE_WORDS = 4
# A claim is compared with the passage sentences sharing nearly as many words as the best one.
ALIGN_SLACK = 1
MAX_ALIGNED = 3
# Verbs too common to show that an order is the passage's own ("put", "use").
LIGHT_VERBS = frozenset(
    {"put", "use", "take", "go", "give", "let", "set", "bring", "place", "fit", "include",
     "choose", "pick", "aim", "leave", "follow", "spend", "save", "start", "finish"}
)  # fmt: skip
CLAUSE_BREAKS = frozenset({";", ":", ".", "!", "?", "(", ")", "but", "so", "which", "whereas"})
# Function words that carry the meaning of advice (when, how much); kept for these checks.
MEANINGFUL = frozenset(
    {"before", "after", "during", "more", "most", "few", "only", "all", "over", "under", "up",
     "down", "too", "much", "same", "keep", "off", "once", "again", "until", "first", "last",
     "many", "than"}
)  # fmt: skip
# Groups of opposites; a word of one group against a word of the other.
# fmt: off
OPPOSITES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("before", "beforehand", "first", "earlier"), ("after", "afterwards", "afterward", "later")),
    (("cold",), ("warm", "warmed")),
    (("slow", "slowly", "deliberate", "deliberately", "controlled"),
     ("fast", "quick", "quickly", "rush", "rushed", "hurried", "jerky", "ballistic")),
    (("heavy", "heavier", "heaviest"), ("light", "lighter", "lightest")),
    (("long", "longer", "longest"), ("short", "shorter", "shortest", "brief", "compact")),
    (("more", "extra", "add", "increase", "increasing", "pile"),
     ("less", "fewer", "reduce", "cut", "trim", "decrease", "lighter")),
    (("many", "most", "mostly"), ("few", "little")),
    (("high", "higher", "highest", "peak"), ("low", "lower", "lowest")),
    (("strong", "stronger", "strongest"), ("weak", "weaker", "weakest")),
    (("easy", "easier", "easily"), ("hard", "harder", "difficult")),
    (("rare", "rarely", "seldom"), ("common", "often", "frequent", "frequently")),
    (("keep", "continue", "carry", "through"), ("stop", "rest", "pause", "quit")),
    (("during", "while"), ("before", "after")),
    (("push", "pushing"), ("pull", "pulling")),
    (("front", "anterior"), ("back", "posterior")),
    (("create", "creating"), ("resist", "resisting", "stop", "prevent")),
    (("consecutive", "row", "back-to-back"), ("non-consecutive", "between", "apart")),
    (("inward", "inwards", "collapse"), ("line", "aligned", "tracking")),
    (("bulky", "slow", "slower", "heavy"), ("faster", "efficient", "efficiently", "economical")),
    (("optional",), ("part", "essential", "treat")),
    (("backwards",), ("forward", "progress")),
    (("round", "rounded", "rounding"), ("neutral", "straight")),
)
# Sentence openers that are not verbs, though they are not stopwords either.
NOT_VERBS = frozenset(
    {"everyone", "everybody", "someone", "anyone", "generally", "usually", "overall",
     "absolutely", "definitely", "honestly", "ideally", "personally"}
)  # fmt: skip
# A number is about the word after it; these units must come from the passage, never be added.
UNITS = frozenset(
    {"second", "seconds", "minute", "minutes", "hour", "hours", "day", "days", "daily", "week",
     "weeks", "weekly", "month", "months", "year", "years", "morning", "mornings", "evening",
     "night", "kilometre", "kilometres", "km", "mile", "miles", "metre", "metres", "meter",
     "kg", "kilogram", "kilograms", "pound", "pounds", "percent", "gram", "grams", "calories"}
)
UNIVERSALS = frozenset({"always", "only", "unless", "exactly", "entirely", "completely"})
CONDITION_RE = re.compile(r"\b(?:if|unless|when|whenever|provided|as long as)\b([^,;.]*)", re.I)
NUMBER_JOINERS = frozenset({"to", "or", "and", "-"})
# fmt: on


@dataclass(frozen=True)
class Token:
    stem: str
    negated: bool
    content: bool
    scope: int = 0  # which negation scope (1, 2, ...) a negated token belongs to


@dataclass(frozen=True)
class Analysed:
    """One sentence, read for meaning."""

    tokens: tuple[Token, ...]
    plain: frozenset[str]  # stems stated plainly
    negated: frozenset[str]  # stems under a negation
    words: frozenset[str]  # raw lower-case words
    quantities: tuple[tuple[str, tuple[str, ...]], ...]  # (number, stems right after it)
    first_stem: str  # the sentence's first word, stemmed, whatever it is
    comparison: tuple[frozenset[str], frozenset[str], str] | None  # left, right, comparative
    sequence: tuple[str, str] | None = None  # ("run", "lift") for "run first, lift afterwards"

    def scopes(self) -> list[list[str]]:
        """Content stems of each negated stretch, in order ("avoid ballistic, jerky moves")."""
        groups: dict[int, list[str]] = {}
        for t in self.tokens:
            if t.negated and t.content and t.stem not in GENERIC_STEMS:
                groups.setdefault(t.scope, []).append(t.stem)
        return list(groups.values())


def contradiction(
    sentence: str,
    passages: Sequence[str],
    question: str = "",
    *,
    similarity: Similarity | None = None,
    min_similarity: float = 0.8,
) -> str | None:
    """Why the sentence does not say what its passages say, or None when no rule objects.

    Rules about wording the passage lacks (an order's verb, a condition's words) give way when
    the MiniLM embedder finds the sentence a close paraphrase of a passage sentence ("End each
    session with..." for "Finish each session with..."); rules about contradiction never do.
    """
    claim = analyse(CITATION_RE.sub(" ", sentence))
    sentences = [analyse(s) for p in passages for s in split_lines(p)]
    if not sentences:
        return None
    whole_plain = frozenset().union(*(s.plain | s.negated for s in sentences))
    whole_words = frozenset().union(*(s.words for s in sentences))
    asked = analyse(question) if question else None
    known = whole_plain | (asked.plain | asked.negated if asked else frozenset())
    known_words = whole_words | (asked.words if asked else frozenset())
    aligned = _aligned(claim, sentences)
    contradicted = (
        _polarity_flip(claim, aligned)
        or _unbacked_negation(claim, sentences)
        or _opposite(claim, aligned)
        or _swapped_comparison(claim, aligned)
        or _swapped_sequence(claim, aligned)
        or _quantity_mismatch(claim, sentences, known)
        or _added_universal(claim, known_words)
    )
    if contradicted:
        return contradicted
    novel = _unbacked_order(claim, known) or _added_condition(sentence, known)
    if novel and similarity is not None:
        bare = CITATION_RE.sub("", sentence)
        if similarity(bare, list(passages)) >= min_similarity:
            return None
    return novel


@lru_cache(maxsize=8192)
def analyse(sentence: str) -> Analysed:
    tokens = _tokens(sentence.lower().replace("’", "'"))
    words = frozenset(w for w in TOKEN_RE.findall(sentence.lower()) if w[0].isalnum())
    return Analysed(
        tokens=tuple(tokens),
        plain=frozenset(t.stem for t in tokens if not t.negated),
        negated=frozenset(t.stem for t in tokens if t.negated),
        words=words,
        quantities=_quantities(sentence.lower()),
        first_stem=_first_stem(sentence),
        comparison=_comparison(tokens),
        sequence=_sequence(tokens),
    )


def _tokens(text: str) -> list[Token]:
    out: list[Token] = []
    scope = 0  # content words still negated
    consumed = 0
    scope_id = 0
    raw = TOKEN_RE.findall(text)
    for i, word in enumerate(raw):
        # "avoid ballistic, jerky moves" keeps its scope; "No, raising" and "suit you, do" end it.
        if word in CLAUSE_BREAKS or (word == "," and consumed != 1):
            scope = 0
            continue
        if word == ",":
            continue
        if word == "rather" and i + 1 < len(raw) and raw[i + 1] == "than":
            scope, consumed, scope_id = SCOPE_WORDS, 0, scope_id + 1
            continue
        if word in NEGATION_CUES or word.endswith("n't"):
            if word in ("stop", "stopping", "skip", "skipping", "avoid", "avoiding"):
                out.append(Token(_stem(word), scope > 0, True, scope_id if scope else 0))
            scope, consumed, scope_id = SCOPE_WORDS, 0, scope_id + 1
            continue
        meaningful = word in MEANINGFUL
        if word in STOPWORDS and not meaningful:
            consumed += scope > 0  # "doesn't suit you, doing..." ends at the comma
            continue
        if NUMBER_RE.fullmatch(word) or len(word) < 2:
            continue
        out.append(Token(_stem(word), scope > 0, not meaningful, scope_id if scope else 0))
        if scope:
            scope -= 1
            consumed += 1
    return out


SEQUENCE_THEN = frozenset({"afterward", "after", "later", "then", "second"})


def _sequence(tokens: Sequence[Token]) -> tuple[str, str] | None:
    """The content stems placed first and second by 'X first ... Y afterwards/later'."""
    stems = [t.stem for t in tokens if not t.negated]
    first = then = None
    for i, stem in enumerate(stems):
        if stem == "first" and i and first is None:
            first = stems[i - 1]
        elif stem in SEQUENCE_THEN and i and first is not None and then is None:
            then = stems[i - 1]
    if first and then and first != then and first not in MEANINGFUL and then not in MEANINGFUL:
        return first, then
    return None


def _first_stem(sentence: str) -> str:
    words = [w for w in TOKEN_RE.findall(sentence.lower()) if w[0].isalnum()]
    return _stem(words[0]) if words else ""


@lru_cache(maxsize=1)
def _not_verb_stems() -> frozenset[str]:
    return frozenset(map(_stem, NOT_VERBS))


@lru_cache(maxsize=16384)
def _stem(word: str) -> str:
    return stem_words([word.removesuffix("'s")])[0]


def _quantities(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    words = [w for w in TOKEN_RE.findall(CITATION_RE.sub(" ", text)) if w[0].isalnum()]
    found: list[tuple[str, tuple[str, ...]]] = []
    for i, word in enumerate(words):
        number = _number(word)
        if number is None or (word == "once" and i and words[i - 1] == "at"):  # "at once"
            continue
        after: list[str] = []
        for nxt in words[i + 1 :]:
            if _number(nxt) is not None or nxt in NUMBER_JOINERS:
                if after:
                    break
                continue
            if nxt in STOPWORDS and nxt not in ("a", "per", "each", "every"):
                if after:
                    break
                continue
            if nxt in ("a", "per", "each", "every"):
                continue
            after.append(_stem(nxt))
            if len(after) == 3:
                break
        found.append((number, tuple(after)))
    return tuple(found)


def _number(word: str) -> str | None:
    if word in WORD_NUMBERS:
        return WORD_NUMBERS[word]
    if word == "once":
        return "1"
    if NUMBER_RE.fullmatch(word):
        return canonical_number(word)
    return None


def _comparison(tokens: Sequence[Token]) -> tuple[frozenset[str], frozenset[str], str] | None:
    stems = [t.stem for t in tokens]
    if "than" not in stems:
        return None
    at = stems.index("than")
    if at == 0:
        return None
    comparative = stems[at - 1]
    left = frozenset(s for s in stems[max(0, at - 9) : at - 1] if s != "much")
    right = frozenset(stems[at + 1 : at + 5])
    return left, right, comparative


def _aligned(claim: Analysed, sentences: Sequence[Analysed]) -> list[Analysed]:
    """The passage sentences sharing most content words with the claim (ties kept)."""
    mine = {t.stem for t in claim.tokens if t.content}

    def overlap(s: Analysed) -> int:
        return len(mine & {t.stem for t in s.tokens if t.content})

    scored = sorted(((overlap(s), i) for i, s in enumerate(sentences)), reverse=True)
    best = scored[0][0]
    if best == 0:
        return []
    floor = max(1, best - ALIGN_SLACK)
    return [sentences[i] for score, i in scored[:MAX_ALIGNED] if score >= floor]


def _polarity_flip(claim: Analysed, aligned: Sequence[Analysed]) -> str | None:
    """A negated stretch of one side stated plainly by the other.

    One shared word is weak evidence ("keep the sessions steady" against "rather than adding
    sessions"): the stretch's head word (what the negation bears on) and one more, or three
    of its words, must be stated the other way; a one-word stretch needs only that word.
    """
    if not aligned:
        return None
    plain = frozenset().union(*(s.plain - s.negated for s in aligned))
    for s in aligned:
        for scope in s.scopes():
            if flipped := _flipped(scope, claim.plain - claim.negated):
                return f"states '{flipped}' where the passage negates it"
    for scope in claim.scopes():
        if flipped := _flipped(scope, plain):
            return f"negates '{flipped}' where the passage states it"
    return None


def _flipped(scope: list[str], stated: frozenset[str]) -> str | None:
    hits = [w for w in scope if w in stated]
    if not hits:
        return None
    head = scope[0]
    if len(scope) == 1 or (head in hits and len(hits) >= 2) or len(hits) >= 3:
        return hits[0]
    return None


def _swapped_sequence(claim: Analysed, aligned: Sequence[Analysed]) -> str | None:
    """'lift first and run afterwards' against 'run first and lift afterwards'."""
    if claim.sequence is None:
        return None
    first, then = claim.sequence
    for s in aligned:
        if s.sequence == (then, first):
            return f"puts '{first}' before '{then}'; the passage has it the other way round"
    return None


def _unbacked_negation(claim: Analysed, sentences: Sequence[Analysed]) -> str | None:
    """A 'don't'/'never' claim needs a passage that negates something it negates."""
    denied = {w for scope in claim.scopes() for w in scope}
    if not denied:
        return None
    negated = frozenset().union(*(s.negated for s in sentences))
    if denied & negated:
        return None
    return "negates something the passage doesn't negate"


def _opposite(claim: Analysed, aligned: Sequence[Analysed]) -> str | None:
    for s in aligned:
        for stem in claim.plain - claim.negated:
            if stem in s.plain:
                continue
            for other in _opposites(stem):
                if other in s.plain and other not in claim.plain:
                    return f"says '{stem}' where the passage says '{other}'"
    return None


@lru_cache(maxsize=4096)
def _opposites(stem: str) -> frozenset[str]:
    found: set[str] = set()
    for a, b in _opposite_stems():
        if stem in a:
            found |= b
        if stem in b:
            found |= a
    return frozenset(found - {stem})


@lru_cache(maxsize=1)
def _opposite_stems() -> tuple[tuple[frozenset[str], frozenset[str]], ...]:
    return tuple((frozenset(map(_stem, a)), frozenset(map(_stem, b))) for a, b in OPPOSITES)


def _swapped_comparison(claim: Analysed, aligned: Sequence[Analysed]) -> str | None:
    if claim.comparison is None:
        return None
    left, right, comparative = claim.comparison
    for s in aligned:
        if s.comparison is None or s.comparison[2] != comparative:
            continue
        their_left, their_right, _ = s.comparison
        if (left & their_right) - their_left and (right & their_left) - their_right:
            return "swaps the two sides of the passage's comparison"
    return None


def _quantity_mismatch(
    claim: Analysed, sentences: Sequence[Analysed], known: frozenset[str]
) -> str | None:
    theirs: dict[str, set[str]] = {}
    for s in sentences:
        for number, after in s.quantities:
            theirs.setdefault(number, set()).update(after)
    for number, after in claim.quantities:
        if (
            number in theirs
            and after
            and after[0] not in theirs[number]
            and after[0] not in GENERIC_STEMS
        ):
            return f"gives {number} {after[0]} where the passage counts something else"
    novel_units = {t.stem for t in claim.tokens if t.stem in _unit_stems()} - known
    if novel_units:
        return f"adds a quantity the passage doesn't give ({', '.join(sorted(novel_units))})"
    return None


@lru_cache(maxsize=1)
def _light_verb_stems() -> frozenset[str]:
    return frozenset(map(_stem, LIGHT_VERBS))


@lru_cache(maxsize=1)
def _unit_stems() -> frozenset[str]:
    return frozenset(map(_stem, UNITS))


def _unbacked_order(claim: Analysed, known: frozenset[str]) -> str | None:
    """An instruction's verb must come from the passage: 'Wear a brace' needs 'wear'."""
    first = next((t for t in claim.tokens), None)
    if first is None or not first.content or first.stem in GENERIC_STEMS:
        return None
    # Only a sentence that opens with its verb is an order; "Everyone..." or "Generally..." isn't.
    if first.stem != claim.first_stem or first.stem in _not_verb_stems():
        return None
    if first.stem in _light_verb_stems():
        return None
    if first.stem not in known:
        return f"starts with '{first.stem}', which the passage doesn't say"
    return None


def _added_universal(claim: Analysed, known_words: frozenset[str]) -> str | None:
    added = (claim.words & UNIVERSALS) - known_words
    if added:
        return f"adds '{sorted(added)[0]}', which the passage doesn't say"
    return None


def _added_condition(sentence: str, known: frozenset[str]) -> str | None:
    for match in CONDITION_RE.finditer(CITATION_RE.sub(" ", sentence)):
        clause = analyse(match.group(1))
        novel = {t.stem for t in clause.tokens if t.content} - known - GENERIC_STEMS
        if novel:
            return f"adds a condition the passage doesn't give ({', '.join(sorted(novel))})"
    return None
