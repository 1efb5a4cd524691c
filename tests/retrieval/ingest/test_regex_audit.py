"""Every cleaning, heading and sentence rule stays fast on hostile lines (issue 21 regex audit).

Each input is ~100 kB of near-matches for some rule: brackets that never close, stops that never
end a sentence, date lines that keep going. A rule that backtracks (nested quantifiers,
overlapping alternatives under * or +) takes seconds to hours on them; the bound is generous
(2 s), and a run past 10 s is cut so an unfixed rule fails instead of hanging the suite.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from retrieval.ingest import cleaning, sections
from retrieval.ingest.front_matter import split_front_matter
from retrieval.ingest.loaders import html_title
from retrieval.text import split_prose, split_sentences

SIZE = 100_000
BOUND_S = 2.0
CUT_S = 10.0


def repeat(unit: str, tail: str = "") -> str:
    return unit * (SIZE // len(unit)) + tail


HOSTILE = {
    "unclosed brackets": repeat("["),
    "unclosed image links": repeat("!["),
    "link without end": repeat("[a]("),
    "stops before a small letter": repeat(".", "x"),
    "stop runs": repeat("!?", "a"),
    "abbreviations": repeat("Dr. X "),
    "date then reading times": "July 29, 2025" + repeat(" 5 min read", "!"),
    "date then comment counts": "2025-01-01" + repeat(" 1 comments", "!"),
    "date then bylines": "July 29, 2025" + repeat(" by  a  5 min read", "x" * 65),
    "bylines": "By " + repeat("A ", "!"),
    "byline separators": "By A" + repeat(" | "),
    "meta fields": repeat("by x · "),
    "comment signature": repeat("name * ", "x"),
    "underscores": "_" + repeat("a _", " "),
    "title tags": repeat("<title"),
    "open title": repeat("<title>"),
    "spaces": repeat(" ", "x"),
    "words with commas": repeat("Aa, "),
    "says": repeat("a", " says!"),
    "front matter that never closes": "---\n" + repeat("a: b\n"),
}

LineRule = Callable[[str], object]
RULES: dict[str, LineRule] = {
    **cleaning.LINE_RULES,
    "plain": cleaning.plain,
    "heading level": cleaning.heading_level,
    "related heading": cleaning.is_related_heading,
    "comment signature": cleaning.is_comment_signature,
    "normalize": cleaning.normalize_text,
    "clean lines": lambda text: cleaning.clean_lines(["# Title", text, "Body " * 50, text]),
    "heading like": sections.is_heading_like,
    "title like": sections.is_title_like,
    "subhead in context": lambda text: sections.is_subhead_in_context(text, "", text),
    "menu line": sections.is_menu_line,
    "question line": sections.question_line,
    "heading key": sections.heading_key,
    "plain blocks": lambda text: sections.plain_blocks([text, "", text]),
    "unwrap": lambda text: sections.unwrap_lines([text] * 8),
    "sentences": split_sentences,
    "prose": split_prose,
    "html title": html_title,
    "front matter": split_front_matter,
}


class _Cut(Exception):
    pass


@contextmanager
def cut_after(seconds: float) -> Iterator[None]:
    def stop(signum: int, frame: object) -> None:
        raise _Cut

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_every_rule_finishes_quickly_on_hostile_text(name: str) -> None:
    text = HOSTILE[name]
    slow: dict[str, float] = {}
    for rule_name, rule in RULES.items():
        started = time.perf_counter()
        try:
            with cut_after(CUT_S):
                rule(text)
        except _Cut:
            pass
        except Exception as exc:  # a rule may refuse the text (front matter); it must not hang
            assert "front matter" in rule_name, f"{rule_name}: {exc!r}"
        took = time.perf_counter() - started
        if took > BOUND_S:
            slow[rule_name] = round(took, 1)
    assert slow == {}, f"slow on {name!r}: {slow}"
