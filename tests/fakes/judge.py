"""A fake judge for wiring tests: word overlap plus phrases a test chooses (no model).

It satisfies `retrieval.judge.Judge` as a plain class. Each test says which passages answer
(`answers`), which questions nothing covers (`not_covered`) and which claims contradict their
passage (`contradicted`); everything else is scored by the share of the question's (claim's)
stemmed words the passage holds, so a test can tell its effect from the rules' own.
"""

from __future__ import annotations

from collections.abc import Sequence

from retrieval.judge.models import Relevance, Support
from retrieval.text import tokenize


class FakeJudge:
    name = "fake-judge (word overlap)"

    def __init__(
        self,
        *,
        answers: Sequence[str] = (),
        not_covered: Sequence[str] = (),
        contradicted: Sequence[str] = (),
        supported: Sequence[str] = (),
    ) -> None:
        self.answers = [a.lower() for a in answers]
        self.not_covered = [q.lower() for q in not_covered]
        self.contradicted = [c.lower() for c in contradicted]
        self.supported = [c.lower() for c in supported]
        self.relevance_calls: list[tuple[str, int]] = []  # (question, passages judged)
        self.support_calls: list[int] = []  # pairs per call

    def relevance(self, question: str, passages: Sequence[str]) -> list[Relevance]:
        self.relevance_calls.append((question, len(passages)))
        out = []
        for passage in passages:
            if any(q in question.lower() for q in self.not_covered):
                out.append(Relevance(answers=0.02, touches=0.08, not_covered=0.9))
            elif any(a in passage.lower() for a in self.answers):
                out.append(Relevance(answers=0.95, touches=0.04, not_covered=0.01))
            else:
                share = _overlap(question, passage) * (0.5 if self.answers else 1.0)
                out.append(_relevance(share))
        return out

    def support(self, pairs: Sequence[tuple[str, str]]) -> list[Support]:
        self.support_calls.append(len(pairs))
        out = []
        for claim, passage in pairs:
            if any(c in claim.lower() for c in self.contradicted):
                out.append(Support(supported=0.03, contradicted=0.95, unsupported=0.02))
            elif any(c in claim.lower() for c in self.supported):
                out.append(Support(supported=0.97, contradicted=0.01, unsupported=0.02))
            else:
                share = _overlap(claim, passage)
                out.append(Support(supported=share, contradicted=0.0, unsupported=1 - share))
        return out


class FakeSpanJudge(FakeJudge):
    """Also judges sentences inside their passage (`span_relevance`, as the shipped judge
    does): a span is scored on its own text, and the calls are recorded."""

    name = "fake-judge (word overlap, spans)"

    def __init__(self, **kwargs: Sequence[str]) -> None:
        super().__init__(**kwargs)
        self.span_calls: list[tuple[str, str, list[str]]] = []  # (question, passage, spans)

    def span_relevance(
        self, question: str, passage: str, spans: Sequence[tuple[int, int]]
    ) -> list[Relevance | None]:
        texts = [passage[a:b] for a, b in spans]
        self.span_calls.append((question, passage, texts))
        heading = passage.split("\n\n")[0]
        found = FakeJudge.relevance(self, question, [f"{heading}\n\n{t}" for t in texts])
        self.relevance_calls.pop()  # not a call of the window path
        return [None if not t else v for t, v in zip(texts, found, strict=True)]


def _overlap(text: str, passage: str) -> float:
    asked = set(tokenize(text))
    return len(asked & set(tokenize(passage))) / (len(asked) or 1)


def _relevance(share: float) -> Relevance:
    answers = share * 0.8
    touches = (1 - answers) * share
    return Relevance(answers=answers, touches=touches, not_covered=1 - answers - touches)
