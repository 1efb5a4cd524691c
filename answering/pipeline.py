"""The answer layer: red flags -> follow-ups -> retrieval -> LLM -> citation check -> Answer."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from answering.extractive import with_support
from answering.models import Answer, AnswerMode, Citation, Turn
from answering.protocols import Answerer
from retrieval.judge.models import Judge
from retrieval.models import Hit, SearchResult, passage_for_judge
from retrieval.protocols import Embedder, Retriever
from retrieval.text import split_lines, split_sentences, trim

from . import grounding, markup, safety
from .chat_model import make_chat_model
from .config import MAX_QUESTION_CHARS, AnswerConfig
from .errors import LLMOutputError
from .followup import condense
from .llm_deadline import call_with_deadline, with_retries
from .prompts import PROMPTS_DIR, escape_text, format_passages, render_prompt
from .red_flag_model import RedFlagHeadError, RedFlagModel
from .redaction import Redactor
from .sanitise import clean_text
from .similarity import SentenceSimilarity

if TYPE_CHECKING:
    from langchain_core.runnables import Runnable

log = logging.getLogger(__name__)

ComposeExtractive = Callable[[str, SearchResult, Embedder], Answer]
# When a red flag's own words find nothing, this still finds the prevention guides.
PREVENTION_QUERY = "how to prevent running injuries"


class CoachAnswerer:
    """`Answerer` for every surface: extractive, or an LLM held to the passages it was given."""

    def __init__(
        self,
        retriever: Retriever,
        embedder: Embedder,
        chat_model: Runnable | None = None,
        *,
        k: int = 5,
        max_chars: int | None = None,
        max_words: int = 120,
        policy: grounding.GroundingPolicy | None = None,
        compose_extractive: ComposeExtractive | None = None,
        prompts_dir: Path = PROMPTS_DIR,
        time_cap_s: float | None = None,
        max_retries: int = 0,
        redactor: Redactor | None = None,
        judge: Judge | None = None,
        red_flags: RedFlagModel | None = None,
    ) -> None:
        self.retriever = retriever
        self.embedder = embedder
        self.chat_model = chat_model
        self.k = k
        self.max_chars = max_chars
        self.max_words = max_words
        self.policy = policy or grounding.GroundingPolicy()
        self.prompts_dir = prompts_dir
        # The judge (None: COACH_JUDGE=off) orders extractive sentences and checks LLM ones.
        self.judge = judge
        if compose_extractive is None:
            from answering.extractive import compose_extractive_answer

            compose_extractive = functools.partial(compose_extractive_answer, judge=judge)
        self.compose_extractive = compose_extractive
        self.similarity = SentenceSimilarity(embedder)
        # Wall-clock budget for all LLM calls of one answer (condense, answer, retries, waits).
        self.time_cap_s = time_cap_s
        self.max_retries = max_retries
        self.redactor = redactor or Redactor()
        # The rules and the learned head together; None: the rules alone (tests, tools).
        self.red_flags = red_flags

    def answer(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        started = time.perf_counter()
        timings: dict[str, float] = {}
        question = question.strip()[:MAX_QUESTION_CHARS]
        # Red flags come first: no LLM call, not even to condense a follow-up.
        flags = self._red_flags(question)
        mark = time.perf_counter()
        budget = _Budget(self.time_cap_s)
        complete = None
        if self.chat_model is not None and not flags:
            complete = functools.partial(self._complete, budget=budget)
        standalone = condense(question, history, complete, self.prompts_dir)
        if history:
            timings["condense"] = _ms(mark)
        if not flags and standalone != question:
            flags = self._red_flags(standalone)
        if flags:
            answer = self._red_flag_answer(question, standalone, flags, timings)
            return self._finish(answer, timings, started)

        mark = time.perf_counter()
        result = self.retriever.search(standalone, self.k)
        timings["retrieve"] = _ms(mark)
        if result.abstained or not result.hits:
            return self._finish(self._not_covered(question, standalone, result), timings, started)
        if self.chat_model is None:
            answer = self._extractive(question, standalone, result, "extractive")
            return self._finish(answer, timings, started)

        system, user = self._prompts(standalone, result.hits)
        mark = time.perf_counter()
        try:
            raw = self._complete(system, user, budget=budget)
        except Exception as exc:  # timeouts, 5xx, 429 after retries, malformed output
            timings["llm"] = _ms(mark)
            log.warning(
                "LLM failed, answering extractively: %s: %s",
                type(exc).__name__,
                self.redactor.redact(str(exc))[:500],
            )
            answer = self._extractive(question, standalone, result, "extractive_fallback")
            return self._finish(answer, timings, started)
        timings["llm"] = _ms(mark)

        mark = time.perf_counter()
        try:
            grounded, reason = self._grounded(question, standalone, raw, result.hits)
        except Exception as exc:  # a bug in checking must not cost the member an answer
            log.exception("citation check failed")
            grounded, reason = None, f"citation check failed: {exc}"
        timings["validate"] = _ms(mark)
        if grounded is None:
            log.warning("LLM answer unusable, answering extractively: %s", reason)
            grounded = self._extractive(question, standalone, result, "extractive_fallback")
        return self._finish(with_support(grounded, result.support), timings, started)

    def _red_flags(self, text: str) -> list[safety.RedFlag]:
        if self.red_flags is None:
            return safety.detect_red_flags(text)
        return self.red_flags.detect(text)

    # -- the LLM ---------------------------------------------------------------------------
    def _complete(self, system: str, user: str, *, budget: _Budget | None = None) -> str:
        """One LLM reply, retries included, within the answer's time budget (LLMTimeoutError)."""
        from langchain_core.messages import HumanMessage, SystemMessage

        model = self.chat_model
        assert model is not None
        messages = [SystemMessage(system), HumanMessage(user)]
        deadline = (budget or _Budget(self.time_cap_s)).deadline()
        reply = call_with_deadline(
            lambda: with_retries(lambda: model.invoke(messages), deadline, self.max_retries),
            deadline,
        )
        content = getattr(reply, "content", None)
        if isinstance(content, list):  # content blocks
            content = "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
        if not isinstance(content, str) or not content.strip():
            raise LLMOutputError("The LLM returned an empty or non-text reply.")
        return content

    def _prompts(self, question: str, hits: Sequence[Hit]) -> tuple[str, str]:
        system = render_prompt("system", self.prompts_dir, max_words=self.max_words)
        user = render_prompt(
            "answer",
            self.prompts_dir,
            passages=format_passages(hits),
            question=escape_text(question),
        )
        return system, user

    def _grounded(
        self, question: str, standalone: str, raw: str, hits: Sequence[Hit]
    ) -> tuple[Answer | None, str]:
        """The checked LLM answer, or None and why it cannot be used."""
        passages = [h.text for h in hits]
        text = markup.neutralise(clean_text(raw), passages)
        if text != clean_text(raw).strip():
            log.info("removed links or markup the passages don't contain")
        checked = grounding.ground_answer(
            text,
            [h.text for h in hits],
            question=standalone,
            similarity=self.similarity,
            policy=self.policy,
            judge=self.judge,
            judge_passages=[passage_for_judge(h.title, h.heading, h.text) for h in hits],
        )
        for dropped in checked.dropped:
            log.info("dropped from LLM answer (%s): %r", dropped.reason, dropped.sentence[:200])
        if checked.removed_numbers:
            log.info("removed invented citations %s", checked.removed_numbers)
        if not checked.used:
            return None, "no sentence kept a valid citation"
        if len(checked.dropped) > self.policy.max_dropped_share * checked.substantive:
            return None, f"{len(checked.dropped)} of {checked.substantive} sentences unsupported"
        text = self._fit(checked.text)
        used = _order_of_use(text, len(hits))
        if not used:
            return None, "no citation left after trimming"
        claims: dict[int, list[str]] = {n: [] for n in used}
        for sentence in split_lines(text):
            for n in grounding.cited_numbers(sentence):
                if n in claims:
                    claims[n].append(sentence)
        citations = [
            _citation(new, hits[old - 1], claims[old]) for new, old in enumerate(used, start=1)
        ]
        answer = Answer(
            question=question,
            answer=grounding.renumber(text, used),
            citations=citations,
            abstained=False,
            mode="llm",
        )
        return answer, ""

    # -- answers without the LLM -----------------------------------------------------------
    def _extractive(
        self, question: str, standalone: str, result: SearchResult, mode: AnswerMode
    ) -> Answer:
        answer = self.compose_extractive(standalone, _without_instructions(result), self.embedder)
        answer.question = question
        answer.mode = mode
        compose = answer.timings_ms.get("compose")
        answer.timings_ms = {} if compose is None else {"compose": compose}
        if answer.abstained:
            # Structured, not baked into the text: each surface renders them its own way.
            answer.suggestions = self._suggestions(standalone)
        return answer

    def _not_covered(self, question: str, standalone: str, result: SearchResult) -> Answer:
        """Retrieval abstained: the 'not covered' reply and what the guides do cover; no LLM."""
        answer = self._extractive(
            question, standalone, result.model_copy(update={"abstained": True}), "extractive"
        )
        answer.abstained = True
        answer.citations = []
        return answer

    def _red_flag_answer(
        self, question: str, standalone: str, flags: list[safety.RedFlag], timings: dict[str, float]
    ) -> Answer:
        """Stop and see a professional first; then what the guides say about prevention, cited."""
        log.info("red flag in question: %s", [f.phrase for f in flags])
        warning = render_prompt("red_flag", self.prompts_dir, signs=safety.describe(flags))
        mark = time.perf_counter()
        result = self.retriever.search(f"injury prevention {standalone}", self.k)
        if result.abstained or not result.hits:
            result = self.retriever.search(PREVENTION_QUERY, self.k)
        timings["retrieve"] = _ms(mark)
        prevention = self._extractive(question, PREVENTION_QUERY, result, "red_flag")
        if prevention.abstained:
            text = warning
        else:
            header = render_prompt("red_flag_prevention", self.prompts_dir)
            text = f"{warning}\n\n{header}\n{prevention.answer}"
        return Answer(
            question=question,
            answer=text,
            citations=[] if prevention.abstained else prevention.citations,
            abstained=False,
            mode="red_flag",
        )

    def _suggestions(self, query: str) -> list[str]:
        related = getattr(self.retriever, "related_topics", None)
        if related is None:
            return []
        try:
            return list(related(query, n=3))
        except Exception as exc:  # suggestions are a nicety; the reply stands without them
            log.warning("related topics failed: %s", exc)
            return []

    def _finish(self, answer: Answer, timings: dict[str, float], started: float) -> Answer:
        answer.answer = self._fit(self._safe(answer, clean_text(answer.answer)))
        _drop_unused_citations(answer)
        timings["total"] = _ms(started)
        answer.timings_ms = {**answer.timings_ms, **timings}
        answer.judge = self.judge.name if self.judge is not None else "off"
        return answer

    def _safe(self, answer: Answer, text: str) -> str:
        """The answer's own red flags: never advice to carry on through pain; a warning first."""
        kept = _without_sentences(text, safety.advises_continuing)
        if kept != text:
            log.warning("removed advice to carry on through pain from a %s answer", answer.mode)
        if answer.mode == "red_flag" or answer.abstained:
            return kept
        flags = safety.detect_answer_red_flags(kept)
        if not flags:
            return kept
        log.info("red flag in answer: %s", [f.phrase for f in flags])
        answer.mode = "red_flag"
        warning = render_prompt("red_flag_answer", self.prompts_dir, signs=safety.describe(flags))
        return f"{warning}\n\n{kept}".strip()

    def _fit(self, text: str) -> str:
        """Whole sentences within the surface's limit, when it has one."""
        return trim(text, self.max_chars) if self.max_chars else text


class _Budget:
    """One answer's LLM time: the cap counts from its first LLM call (condense or answer)."""

    def __init__(self, cap_s: float | None) -> None:
        self.cap_s = cap_s or 30.0
        self._deadline: float | None = None

    def deadline(self) -> float:
        if self._deadline is None:
            self._deadline = time.monotonic() + self.cap_s
        return self._deadline


def make_answerer(
    config: AnswerConfig, retriever: Retriever, embedder: Embedder, judge: Judge | None = None
) -> Answerer:
    """The answerer the settings ask for; a ConfigError names the choices if COACH_LLM is wrong."""
    chat_model = make_chat_model(config)
    try:
        red_flags: RedFlagModel | None = RedFlagModel(embedder)
    except RedFlagHeadError as exc:  # the rules still guard every answer
        log.error("red-flag head not loaded, using the rules alone: %s", exc)
        red_flags = None
    return CoachAnswerer(
        retriever,
        embedder,
        chat_model,
        k=5,
        max_chars=config.max_answer_chars,
        max_words=120,
        time_cap_s=config.llm_timeout_s,
        max_retries=config.llm_max_retries,
        redactor=Redactor.from_config(config),
        judge=judge,
        red_flags=red_flags,
    )


def _without_instructions(result: SearchResult) -> SearchResult:
    """The result with model-directed sentences cut from its passages, for verbatim quoting."""
    hits = [h for h in map(_strip_instructions, result.hits) if h is not None]
    return result.model_copy(update={"hits": hits})


def _strip_instructions(hit: Hit) -> Hit | None:
    lines = hit.text.splitlines()
    if not any(grounding.is_instruction(line) for line in lines):
        return hit  # the usual case; a sentence can only match if its line does
    kept = "\n".join(
        " ".join(s for s in split_sentences(line) if not grounding.is_instruction(s))
        for line in lines
    ).strip()
    return hit.model_copy(update={"text": kept}) if kept else None


def _drop_unused_citations(answer: Answer) -> None:
    """After trimming, keep the citations still cited, renumbered 1..m in order of use."""
    used = _order_of_use(answer.answer, max((c.n for c in answer.citations), default=0))
    if used == [c.n for c in answer.citations]:
        return
    by_number = {c.n: c for c in answer.citations}
    answer.answer = grounding.renumber(answer.answer, used)
    answer.citations = [
        by_number[old].model_copy(update={"n": new}) for new, old in enumerate(used, start=1)
    ]


def _without_sentences(text: str, drop: Callable[[str], bool]) -> str:
    """The text without the sentences `drop` picks; lines and blank lines kept."""
    lines = []
    for line in text.splitlines():
        if not drop(line):
            lines.append(line)
            continue
        kept = " ".join(s for s in split_sentences(line) if not drop(s))
        if kept.strip():
            lines.append(kept)
    return "\n".join(lines).strip()


def _order_of_use(text: str, n_passages: int) -> list[int]:
    used: list[int] = []
    for n in grounding.cited_numbers(text):
        if 1 <= n <= n_passages and n not in used:
            used.append(n)
    return used


def _citation(n: int, hit: Hit, claims: Sequence[str]) -> Citation:
    clean = _strip_instructions(hit)
    passage = clean.text if clean is not None else ""
    return Citation.from_hit(n, hit, grounding.best_quote(passage, claims))


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 3)
