"""Citation checking: keep only sentences that the passages they cite support (pure).

A sentence is supported when most of its content words (stemmed) occur in the cited passages
and every number it states occurs there (or in the question). Sentences in a passage that read
like instructions to a model ("ignore previous instructions...") support nothing, and an answer
sentence that repeats their words is dropped: passages are reference material, not orders.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from retrieval.judge.models import Judge, Support
from retrieval.text import (
    CITATION_RE,
    STOPWORDS,
    WORD_RE,
    split_lines,
    split_sentences,
    stem_words,
    trim,
)

from . import meaning
from .claim_words import GENERIC_STEMS, NUMBER_RE, WORD_NUMBERS, canonical_number
from .similarity import Similarity

LINE_PREFIX_RE = re.compile(r"^(\s*(?:[-*•]|\d+[.)])\s+|\s*>\s*)")
INSTRUCTION_RE = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instructions?|rules|prompts?|"
    r"messages?|guidelines|above)\b"
    r"|\b(?:reply|respond|answer|output|print)\b(?:\s+\S+){0,5}?\s+(?:only|exactly)\s+"
    r"(?:with|the words?|these words|this)\b|\bsay (?:only|exactly)\b"
    r"|\byou are now\b|\bsystem prompt\b|\bnew instructions?\b|\bpretend (?:to be|you)\b"
    r"|\bas an ai\b|\bdeveloper mode\b|\bjailbreak",
    re.IGNORECASE,
)
# Negations flip a claim, so they count as content: any negation in a passage vouches for one.
# fmt: off
NEGATIONS = frozenset({"no", "not", "never", "don't", "doesn't", "didn't", "isn't", "aren't",
                       "can't", "cannot", "shouldn't", "won't", "avoid", "without", "rather",
                       "instead"})
# fmt: on
NEGATION_STEM = "~not"


@dataclass(frozen=True)
class GroundingPolicy:
    """Thresholds, calibrated on the examples in tests/answering/test_grounding.py."""

    # A cited sentence may bring at most this many content words its passages lack...
    max_novel_words: int = 1
    # ...and at least this share of its content words must come from them.
    min_support: float = 0.5
    # One novel word more is allowed only for a near-verbatim paraphrase of a passage sentence.
    min_similarity: float = 0.8
    # Uncited sentences survive only as short connectives ("Hope that helps!").
    max_connective_words: int = 12
    max_novel_connective_words: int = 2
    # More than this share of substantive sentences dropped: the whole answer is suspect.
    max_dropped_share: float = 0.5
    # Compare meaning too (negation, opposites, numbers, orders, conditions): see meaning.py.
    check_meaning: bool = True
    # With a judge in force, for a sentence citing passages: kept whatever the word rules say
    # when the judge finds a cited passage supports it with at least `judge_keep`; dropped
    # whatever they say when its best "supported" is at most 1 - `judge_drop`; from
    # `judge_words` up, only the word-coverage checks (a paraphrase's new words) are skipped and
    # numbers and meaning are still compared. Otherwise the rules decide. (A value above 1
    # turns that part off.) Chosen on the dev tables with the round-7 judge (head 195642b2…,
    # `python -m answering.grounding_eval --sweep dev`, 958 sentences) as the best F1 that keeps
    # precision at or above the rules': keep 0.8 / drop off / words 0.5 P 0.814 R 0.689
    # (reversed kept 58/291); the rules alone P 0.810 R 0.554 (49/291); round 6's keep 0.7 /
    # drop 0.9 with this judge P 0.808 R 0.620. Round 8's judge (three seeds averaged, head
    # f386d31a…), the same procedure on 1,134 dev sentences (round-7 sealed table added): keep
    # 0.8 / drop 0.95 / words 0.5 P 0.793 R 0.643 (reversed kept 73/349); round 7's choice with
    # it P 0.786 R 0.649; round 7's judge with its own choice P 0.791 R 0.651; the rules
    # P 0.790 R 0.515. So on grounding the new judge only matches the old one.
    # Round 9: the judge's support reader (claim and passage read together; head unchanged),
    # the same procedure on 1,292 dev sentences (round-8 sealed table added): keep 0.95 /
    # drop 0.7 / words 0.5 P 0.798 R 0.756 (reversed kept 96/398); the head alone with its
    # round-8 choice P 0.797 R 0.653 (83/398, its best by the same rule); the rules P 0.796
    # R 0.521 (68/398).
    judge_keep: float = 0.95
    judge_drop: float = 0.7
    judge_words: float = 0.5


@dataclass
class Dropped:
    sentence: str
    reason: str


@dataclass
class GroundedAnswer:
    """The checked answer, still numbered as the passages were in the prompt."""

    text: str
    used: list[int] = field(default_factory=list)  # passage numbers, in order of first use
    dropped: list[Dropped] = field(default_factory=list)
    removed_numbers: list[int] = field(default_factory=list)
    kept_cited: int = 0

    @property
    def substantive(self) -> int:
        """Sentences that made a claim: kept with a citation, or dropped."""
        return self.kept_cited + len(self.dropped)


def ground_answer(
    answer: str,
    passages: Sequence[str],
    *,
    question: str = "",
    similarity: Similarity | None = None,
    policy: GroundingPolicy = GroundingPolicy(),
    judge: Judge | None = None,
    judge_passages: Sequence[str] | None = None,
) -> GroundedAnswer:
    """Drop invented citation numbers and unsupported sentences; passages are numbered from 1.

    With a judge, each cited sentence is also read with the passages it cites (one batched
    call, over `judge_passages`: the passages as the judge reads them, default `passages`)."""
    refs = [_reference(p) for p in passages]
    question_ref = _reference(question)
    injected = _injected_stems(refs, question_ref)
    known_stems = set().union(question_ref.stems, *(r.stems for r in refs))
    result = GroundedAnswer(text="")
    lines = [_split_line(line) for line in answer.splitlines()]
    verdicts: dict[tuple[str, int], Support] = {}
    if judge is not None and min(policy.judge_keep, policy.judge_drop, policy.judge_words) <= 1:
        verdicts = _judge_all(
            judge, [s for _, sentences in lines for s in sentences], judge_passages or passages
        )
    out_lines: list[str] = []
    for (prefix, sentences), line in zip(lines, answer.splitlines(), strict=True):
        kept: list[str] = []
        for sentence in sentences:
            checked = _check(
                sentence, refs, question_ref, injected, known_stems, similarity, policy, result,
                verdicts,
            )  # fmt: skip
            if checked is not None:
                kept.append(checked)
        if kept:
            out_lines.append(prefix + " ".join(kept))
        elif not line.strip() and out_lines and out_lines[-1]:
            out_lines.append("")
    result.text = "\n".join(out_lines).strip()
    return result


def _split_line(line: str) -> tuple[str, list[str]]:
    """A line's list or quote prefix, and its sentences."""
    prefix_match = LINE_PREFIX_RE.match(line)
    prefix = prefix_match.group(0) if prefix_match else ""
    return prefix, split_sentences(line[len(prefix) :])


def _judge_all(
    judge: Judge, sentences: Sequence[str], passages: Sequence[str]
) -> dict[tuple[str, int], Support]:
    """The judge's verdict on every (sentence, passage it cites) pair, in one call."""
    pairs = [
        (s, n)
        for s in sentences
        for n in dict.fromkeys(cited_numbers(s))
        if 1 <= n <= len(passages) and not is_instruction(s)
    ]
    if not pairs:
        return {}
    found = judge.support([(_bare(s), passages[n - 1]) for s, n in pairs])
    return dict(zip(pairs, found, strict=True))


def _bare(sentence: str) -> str:
    """The claim without its citation marks."""
    return " ".join(CITATION_RE.sub(" ", sentence).split()).replace(" .", ".")


def _judged(
    sentence: str, valid: Sequence[int], verdicts: dict[tuple[str, int], Support]
) -> Support | None:
    """The judge's verdict for the cited passage that supports the sentence best."""
    found = [verdicts[(sentence, n)] for n in valid if (sentence, n) in verdicts]
    return max(found, key=lambda v: v.supported, default=None)


def cited_numbers(sentence: str) -> list[int]:
    """[n] numbers in order of appearance, `[1, 2]` and `[1][2]` alike."""
    return [int(n) for group in CITATION_RE.findall(sentence) for n in re.split(r"\s*,\s*", group)]


def renumber(text: str, used: Sequence[int]) -> str:
    """Rewrite passage numbers to 1..m in order of first use; `[1, 2]` becomes `[1][2]`."""
    mapping = {old: new for new, old in enumerate(used, start=1)}

    def _sub(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.split(r"\s*,\s*", match.group(1))]
        return "".join(f"[{mapping[n]}]" for n in dict.fromkeys(numbers) if n in mapping)

    return CITATION_RE.sub(_sub, text)


def best_quote(passage: str, claims: Sequence[str], max_chars: int = 200) -> str:
    """The passage sentence sharing most content words with the claims that cite it."""
    claim_stems = set().union(*(content_stems(c) for c in claims)) if claims else set()
    candidates = split_lines(passage) or [passage]
    best = max(candidates, key=lambda s: len(content_stems(s) & claim_stems))
    return trim(" ".join(best.split()), max_chars)


def content_stems(text: str) -> frozenset[str]:
    """Stemmed content words, without citation markers, stopwords or numbers."""
    return _content_stems(CITATION_RE.sub(" ", text))


def numbers_in(text: str) -> frozenset[str]:
    """Numbers stated in a text, digits or words ('three', '2-3', '10K')."""
    text = CITATION_RE.sub(" ", text).lower()
    found = {canonical_number(n) for n in NUMBER_RE.findall(text)}
    found.update(WORD_NUMBERS[w] for w in WORD_RE.findall(text) if w in WORD_NUMBERS)
    return frozenset(found)


def is_instruction(sentence: str) -> bool:
    """Does this read like an order to a language model rather than coaching advice?"""
    return INSTRUCTION_RE.search(sentence) is not None


@dataclass(frozen=True)
class _Reference:
    """What a passage (or the question) can vouch for."""

    stems: frozenset[str]
    numbers: frozenset[str]
    text: str
    instruction_stems: frozenset[str]
    # Content words of each sentence that says "not", "never", "rather than"...
    negated: tuple[frozenset[str], ...] = ()


@lru_cache(maxsize=2048)
def _reference(text: str) -> _Reference:
    sentences = split_lines(text)
    orders = [s for s in sentences if is_instruction(s)]
    facts = [s for s in sentences if not is_instruction(s)]
    body = "\n".join(facts)
    fact_stems = [content_stems(s) for s in facts]
    return _Reference(
        stems=frozenset().union(*fact_stems),
        numbers=numbers_in(body),
        text=body,
        instruction_stems=frozenset().union(*(content_stems(s) for s in orders)),
        negated=tuple(s for s in fact_stems if NEGATION_STEM in s),
    )


def _injected_stems(refs: Sequence[_Reference], question: _Reference) -> frozenset[str]:
    """Words that only an instruction (in a passage or the question) could have put there."""
    orders = set().union(question.instruction_stems, *(r.instruction_stems for r in refs))
    honest = set().union(question.stems, *(r.stems for r in refs))
    return frozenset(orders - honest)


def _check(
    sentence: str,
    refs: Sequence[_Reference],
    question: _Reference,
    injected: frozenset[str],
    known_stems: set[str],
    similarity: Similarity | None,
    policy: GroundingPolicy,
    result: GroundedAnswer,
    verdicts: dict[tuple[str, int], Support] | None = None,
) -> str | None:
    """The sentence as it may stay in the answer (citations cleaned), or None to drop it."""
    numbers = cited_numbers(sentence)
    valid = [n for n in dict.fromkeys(numbers) if 1 <= n <= len(refs)]
    result.removed_numbers.extend(n for n in numbers if not 1 <= n <= len(refs))
    stems = content_stems(sentence)
    if stems & injected or is_instruction(sentence):
        result.dropped.append(Dropped(sentence, "repeats an instruction, not coaching advice"))
        return None
    if not valid:
        # A sentence that cited something made a claim, even if the number was invented.
        if not numbers and _is_connective(sentence, stems, known_stems, policy):
            return CITATION_RE.sub("", sentence).replace(" .", ".").strip()
        best = _best_supporting(sentence, stems, refs, question, similarity, policy)
        if best is None:
            result.dropped.append(Dropped(sentence, "no valid citation and no passage supports it"))
            return None
        valid = [best]
        sentence = _with_citations(sentence, valid)
    else:
        judged = verdicts or {}
        problem = _judged_problem(sentence, valid, judged, policy)
        if problem is None and not _judge_vouches(sentence, valid, judged, policy.judge_keep):
            vouched = _judge_vouches(sentence, valid, judged, policy.judge_words)
            cited = [refs[n - 1] for n in valid]
            problem = _unsupported(
                sentence, stems, cited, question, similarity, policy, words_vouched=vouched
            )
        if problem:
            result.dropped.append(Dropped(sentence, f"passage(s) {valid}: {problem}"))
            return None
        sentence = _with_citations(sentence, valid)
    result.kept_cited += 1
    result.used.extend(n for n in valid if n not in result.used)
    return sentence


def _unsupported(
    sentence: str,
    stems: frozenset[str],
    refs: Sequence[_Reference],
    question: _Reference,
    similarity: Similarity | None,
    policy: GroundingPolicy,
    *,
    words_vouched: bool = False,
) -> str | None:
    """Why the passages don't support the sentence, or None when they do."""
    allowed_numbers = question.numbers.union(*(r.numbers for r in refs))
    if extra := numbers_in(sentence) - allowed_numbers:
        return f"states a number the passage doesn't ({', '.join(sorted(extra))})"
    claim = stems - GENERIC_STEMS
    if claim and not words_vouched:
        vocabulary = frozenset().union(*(r.stems for r in refs))
        novel = claim - vocabulary - question.stems
        if len(claim & vocabulary) / len(claim) < policy.min_support:
            return "shares too few words with the passage"
        # With the meaning check on, negation is compared scope by scope there instead.
        if (
            not policy.check_meaning
            and NEGATION_STEM in claim
            and not _negation_backed(claim, refs)
        ):
            return "negates something the passage doesn't negate"
        if len(novel) > policy.max_novel_words + 1:
            return f"adds words the passage doesn't use ({', '.join(sorted(novel)[:4])})"
        if len(novel) > policy.max_novel_words:
            bare = CITATION_RE.sub("", sentence)
            if similarity is None or similarity(bare, [r.text for r in refs]) < (
                policy.min_similarity
            ):
                return f"adds words the passage doesn't use ({', '.join(sorted(novel)[:4])})"
    if policy.check_meaning:
        return meaning.contradiction(
            sentence,
            [r.text for r in refs],
            question.text,
            similarity=similarity,
            min_similarity=policy.min_similarity,
        )
    return None


def _judge_vouches(
    sentence: str,
    valid: Sequence[int],
    verdicts: dict[tuple[str, int], Support],
    threshold: float,
) -> bool:
    verdict = _judged(sentence, valid, verdicts)
    return verdict is not None and verdict.supported >= threshold


def _judged_problem(
    sentence: str,
    valid: Sequence[int],
    verdicts: dict[tuple[str, int], Support],
    policy: GroundingPolicy,
) -> str | None:
    """Why the judge drops the sentence whatever the word rules say, or None."""
    verdict = _judged(sentence, valid, verdicts)
    if verdict is None or 1 - verdict.supported < policy.judge_drop:
        return None
    if verdict.contradicted >= verdict.unsupported:
        return f"the judge reads it as contradicting the passage ({verdict.contradicted:.2f})"
    return f"the judge finds it isn't in the passage ({verdict.unsupported:.2f})"


def _negation_backed(claim: frozenset[str], refs: Sequence[_Reference]) -> bool:
    """A 'never'/'don't' claim needs a passage sentence that negates the same thing."""
    others = claim - {NEGATION_STEM}
    needed = max(1, len(others) // 2)
    return not others or any(len(others & n) >= needed for r in refs for n in r.negated)


def _best_supporting(
    sentence: str,
    stems: frozenset[str],
    refs: Sequence[_Reference],
    question: _Reference,
    similarity: Similarity | None,
    policy: GroundingPolicy,
) -> int | None:
    """The passage number that alone supports an uncited sentence, if any (then it is cited)."""
    if not stems:
        return None
    ranked = sorted(range(len(refs)), key=lambda i: -len(stems & refs[i].stems))
    for i in ranked[:2]:
        if not _unsupported(sentence, stems, [refs[i]], question, similarity, policy):
            return i + 1
    return None


def _is_connective(
    sentence: str, stems: frozenset[str], known: set[str], policy: GroundingPolicy
) -> bool:
    words = WORD_RE.findall(CITATION_RE.sub(" ", sentence).lower())
    lead_in = sentence.rstrip().endswith(":")  # "Two options:" introduces, claims nothing
    return (
        len(words) <= policy.max_connective_words
        and (lead_in or not numbers_in(sentence))
        and len(stems - known) <= policy.max_novel_connective_words
        and len(stems & known) <= 1
    )


def _with_citations(sentence: str, numbers: Sequence[int]) -> str:
    """The sentence with its citations rewritten as `[a][b]` before the final punctuation."""
    bare = CITATION_RE.sub("", sentence).rstrip()
    bare = re.sub(r"\s+([.!?,;:])", r"\1", bare)
    marks = "".join(f"[{n}]" for n in numbers)
    match = re.search(r"[.!?]+[\"')]*$", bare)
    if match:
        return f"{bare[: match.start()].rstrip()} {marks}{bare[match.start() :]}"
    return f"{bare} {marks}"


@lru_cache(maxsize=8192)
def _content_stems(text: str) -> frozenset[str]:
    words = [w.removesuffix("'s") for w in WORD_RE.findall(text.lower().replace("’", "'"))]
    negated = any(w in NEGATIONS or w.endswith("n't") for w in words)
    words = [w for w in words if w not in STOPWORDS and w not in NEGATIONS and len(w) > 1]
    words = [w for w in words if w not in WORD_NUMBERS and not NUMBER_RE.fullmatch(w)]
    stems = set(stem_words(words))
    if negated:
        stems.add(NEGATION_STEM)
    return frozenset(stems)
