"""The one text toolkit: words, stopwords, stems, sentences, trimming and message splitting (pure).

Retrieval (BM25, chunking), the extractive composer, the citation check, follow-up condensation,
gap clustering and every surface use these, so "a word" and "a sentence" mean the same everywhere.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence

import Stemmer

WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
CITATION_RE = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")

# Small and general on purpose: words that carry no topic in a runner's question or a guide.
_STOPWORDS_TEXT = """
    a about above actually after again against all also am an and any anybody anyone are as at
    be because been before being below between both but by can can't could did do does doesn't
    doing don't down during each even few for from further get got go going had has have having
    he her here hers herself hey hi him himself his how i i'd i'm i've if in into is isn't it it's
    its itself just keep let's lot lots make makes making many may me might more most much must
    my myself no nor not now of off ok okay on once only or other our ours ourselves out over own
    quite really same shall she should so some someone still such sure than that that's the their
    theirs them themselves then there there's these they thing things this those though through
    to too try trying under until up very was way we we're well were what when where which while
    who whom why will with won't would yes you you'll you're your yours yourself yourselves
"""
_LISTED = _STOPWORDS_TEXT.split()
# Both spellings: the citation check keeps apostrophes ("don't"), BM25 drops them ("dont").
STOPWORDS = frozenset(_LISTED) | frozenset(w.replace("'", "") for w in _LISTED)

_local = threading.local()


def split_words(text: str) -> list[str]:
    """Lower-case words and numbers, apostrophes kept ("don't", "runner's")."""
    return WORD_RE.findall(text.lower().replace("’", "'"))


def stem_words(items: Iterable[str]) -> list[str]:
    """Snowball (English) stems: 'stretching' and 'stretches' both become 'stretch'."""
    # A PyStemmer object must not be shared between threads; answers run in worker threads.
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer.stemWords(list(items))


def tokenize(text: str) -> list[str]:
    """Stemmed content words, apostrophes dropped: the terms BM25 and sentence scoring compare."""
    bare = [w.replace("'", "") for w in split_words(text)]
    return stem_words(w for w in bare if w not in STOPWORDS and len(w) > 1)


# -- sentences ---------------------------------------------------------------------------------

# A stop (with closing quotes/brackets and any [n] citations after it), then either the end or
# a space and a capital letter or digit, maybe behind an opening quote or bracket. A run of stops
# is tried once, from its start and whole (possessive): on "....x" every start and every length
# would be tried again, quadratic in the run (issue 21).
_SENTENCE_END_RE = re.compile(
    r"(?<![.!?…])[.!?…]++[\"'”’)\]]*+(?:\s*\[\d+(?:\s*,\s*\d+)*\])*+"
    r"(?=\s+(?:[\"'“‘(]|\[(?!\d))?[A-Z0-9]|\s*$)"
)
_LONGEST_ABBREVIATION = 8  # "approx." and the word boundary before it
_ABBREVIATION_RE = re.compile(
    r"\b(?:e\.g|i\.e|vs|etc|approx|cf|min|sec|Dr|Mr|Mrs|Ms|St)\.$", re.IGNORECASE
)
_BLOCK_RE = re.compile(r"\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)")
_LIST_MARKER_RE = re.compile(r"^(?:[-*•]|\d+[.)])\s+")


def split_sentences(text: str) -> list[str]:
    """Sentences of one run of prose; citations after the full stop stay with their sentence."""
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_END_RE.finditer(text):
        # Only the few characters before the stop: from `start` it would rescan the sentence.
        since = max(start, match.start() - _LONGEST_ABBREVIATION)
        if _ABBREVIATION_RE.search(text, since, match.start() + 1):
            continue  # "e.g. Squats" does not end a sentence
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    sentences.append(text[start:].strip())
    out: list[str] = []
    for part in filter(None, sentences):
        if out and not CITATION_RE.sub("", part).strip():
            out[-1] += " " + part  # a stray "[2]" on its own belongs to the sentence before
        else:
            out.append(part)
    return out


def split_lines(text: str) -> list[str]:
    """Sentences line by line, each line its own run of prose: an answer, or a passage as the
    citation check reads it (list markers stay: see `split_prose` for a passage's clean prose)."""
    return [s for line in text.splitlines() for s in split_sentences(line)]


def split_prose(text: str) -> list[str]:
    """Sentences of a passage: paragraphs and list items stay apart, markers and wraps go."""
    sentences: list[str] = []
    for block in _BLOCK_RE.split(text):
        block = _LIST_MARKER_RE.sub("", " ".join(block.split()))
        sentences.extend(split_sentences(block))
    return sentences


def sentence_spans(text: str, sentences: Sequence[str]) -> list[tuple[int, int]]:
    """Where each sentence (as `split_prose` returns it: wraps and list markers gone) sits in
    `text`, searched in order; (0, 0) when it cannot be found."""
    spans, cursor = [], 0
    for sentence in sentences:
        pattern = r"\s+".join(re.escape(word) for word in sentence.split())
        match = re.compile(pattern).search(text, cursor) if pattern else None
        if match is None:
            spans.append((0, 0))
            continue
        spans.append(match.span())
        cursor = match.end()
    return spans


# -- fitting text into a limit -----------------------------------------------------------------

ELLIPSIS = "…"
FENCE = "```"
# Break points in order of preference: paragraph, line, sentence, word.
_BREAKS = ("\n\n", "\n", ". ", " ")


def trim(text: str, limit: int) -> str:
    """At most `limit` characters: whole sentences when the first one fits, else words and `…`.

    A `[n]` citation is never cut in half.
    """
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    kept = ""
    for i, line in enumerate(text.splitlines()):
        for j, sentence in enumerate(split_sentences(line) or [""]):
            glue = ("\n" if i else "") if j == 0 else " "
            if len(kept) + len(glue) + len(sentence) > limit:
                return kept.rstrip() or _cut_words(text, limit)
            kept += glue + sentence
    return kept.rstrip()


def _cut_words(text: str, limit: int) -> str:
    cut = text[: limit - 1]
    last_open = cut.rfind("[")
    if last_open > cut.rfind("]") and CITATION_RE.match(text, last_open):
        cut = cut[:last_open]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def split_message(text: str, limit: int) -> list[str]:
    """Split `text` into pieces of at most `limit` characters at the nicest break available.

    A code fence left open at a split is closed and reopened in the next piece, so
    every piece renders on its own.
    """
    if limit < 40:
        raise ValueError(f"limit {limit} is too small to split text into")
    text = text.strip()
    pieces: list[str] = []
    reopen = ""
    while text:
        room = limit - len(reopen)
        if len(text) <= room and (reopen + text).count(FENCE) % 2 == 0:
            pieces.append(reopen + text)
            break
        # Reserve space to close a fence that may be open at the split.
        head = _head(text, room - len(FENCE) - 1)
        piece = reopen + head.rstrip()
        if piece.count(FENCE) % 2 == 1:
            lang = _fence_lang(piece)
            piece += "\n" + FENCE
            reopen = FENCE + lang + "\n"
        else:
            reopen = ""
        pieces.append(piece)
        text = text[len(head) :].lstrip("\n ")
    return [p for p in pieces if p.strip()]


def _head(text: str, room: int) -> str:
    if len(text) <= room:
        return text
    window = text[:room]
    for sep in _BREAKS:
        at = window.rfind(sep)
        if at >= room // 3:
            return window[: at + len(sep)]
    return window


def _fence_lang(piece: str) -> str:
    """The language tag of the last fence opened in `piece` (``` + `python`, say)."""
    last = piece.rfind(FENCE)
    tag = piece[last + len(FENCE) :].split("\n", 1)[0].strip()
    return tag if tag.isalnum() and len(tag) <= 12 else ""
