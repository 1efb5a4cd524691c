"""Retrieval quality: recall@k, MRR and abstention on an eval set, against a naive baseline.

Lives outside `retrieval/` on purpose: retrieval never imports evaluation, so nothing the
system serves can read the questions it is judged on.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from evaluation.models import EvalItem, Ranked
from retrieval.models import HEADING_SEP, SearchResult
from retrieval.search.abstention import POLICY_NAME, AbstentionPolicy, choose_bands, save_policy

EVALSETS = Path(__file__).with_name("evalsets")
CORPORA = Path(__file__).with_name("corpora")
PUBLIC_EVAL_SET = EVALSETS / "knowledge-public.dev.jsonl"
RECALL_DEPTH = 5


class SystemScores(BaseModel):
    name: str
    recall_at_1: float
    recall_at_3: float
    recall_at_5: float
    mrr: float
    abstain_precision: float
    abstain_recall: float
    wrong_abstain_rate: float
    partial_in_scope: float = 0.0
    partial_out_of_scope: float = 0.0
    # Of the in-scope questions with `answer_contains` (answers_judged of them), the share
    # whose answer carries a phrase in its first sentence, first two, anywhere (refused: no).
    answers_judged: int = 0
    first_sentence: float | None = None
    first_two: float | None = None
    anywhere: float | None = None


class EvalReport(BaseModel):
    eval_set: str
    in_scope: int
    out_of_scope: int
    systems: list[SystemScores]
    misses: list[str] = Field(default_factory=list)
    policy: AbstentionPolicy
    judge: str = "off"  # the judge of the first system ("club-coach")


Matcher = Callable[[tuple[str, str, str], EvalItem], bool]


def load_eval_set(path: Path = PUBLIC_EVAL_SET) -> list[EvalItem]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("#"):  # '#' lines are the set's header
            try:
                items.append(EvalItem.model_validate_json(line))
            except ValueError as exc:
                raise ValueError(f"{path}:{number}: not a valid eval item ({exc})") from exc
    return items


# -- matching (pure) -------------------------------------------------------------------------
def same_source(found: str, expected: str) -> bool:
    """Sources match by path without extension: a messy `x.txt` stands in for `x.md`."""
    return Path(found).with_suffix("").as_posix() == Path(expected).with_suffix("").as_posix()


def heading_matcher(passage: tuple[str, str, str], item: EvalItem) -> bool:
    """The passage sits under an expected heading path (itself or one of its subsections),
    or, for phrase expectations, its heading or text holds the phrase."""
    source, heading, text = passage
    found = _path(heading)
    for e in item.expected:
        if not same_source(source, e.source):
            continue
        if e.contains:
            if _words(e.contains) in _words(f"{heading} {text}"):
                return True
        elif found[: len(_path(e.heading))] == _path(e.heading):
            return True
    return False


def text_matcher(sections: dict[tuple[str, str], str]) -> Matcher:
    """For systems without headings: the passage must contain a sentence of an expected section."""

    def match(passage: tuple[str, str, str], item: EvalItem) -> bool:
        source, _, text = passage
        body = _words(text)
        for e in item.expected:
            if e.contains:
                if same_source(source, e.source) and _words(e.contains) in body:
                    return True
                continue
            for (src, heading), section_text in sections.items():
                if not same_source(src, e.source):
                    continue
                if e.heading and not (
                    heading == e.heading or heading.startswith(e.heading + HEADING_SEP)
                ):
                    continue
                if same_source(source, e.source) and any(
                    s in body for s in _sentence_keys(section_text)
                ):
                    return True
        return False

    return match


def _path(heading: str) -> list[str]:
    """Heading path parts, compared without case and punctuation."""
    parts = heading.split(HEADING_SEP.strip()) if heading else []
    return [" ".join(re.sub(r"[^\w\s]", " ", p.lower()).split()) for p in parts]


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9]+", text.lower())) + " "


def _sentence_keys(text: str) -> list[str]:
    from retrieval.text import split_prose

    keys = []
    for sentence in split_prose(text):
        words = _words(sentence).strip()
        if len(words.split()) >= 6:
            keys.append(f" {words} ")
    return keys


# -- scoring (pure) --------------------------------------------------------------------------
def score_system(
    name: str, items: Sequence[EvalItem], ranked: Sequence[Ranked], matcher: Matcher
) -> tuple[SystemScores, list[str]]:
    hits_at = {1: 0, 3: 0, 5: 0}
    reciprocal = 0.0
    misses: list[str] = []
    in_scope = [(i, r) for i, r in zip(items, ranked, strict=True) if i.kind == "in_scope"]
    out_scope = [(i, r) for i, r in zip(items, ranked, strict=True) if i.kind == "out_of_scope"]
    for item, result in in_scope:
        first = next(
            (rank for rank, p in enumerate(result.passages[:RECALL_DEPTH], 1) if matcher(p, item)),
            None,
        )
        if first is None:
            misses.append(f"{item.id} {item.question!r}")
            continue
        reciprocal += 1 / first
        for depth in hits_at:
            hits_at[depth] += first <= depth
    answered = [(i, r) for i, r in in_scope if i.answer_contains and r.answer is not None]
    carried = [answer_carries(r.answer or "", i.answer_contains) if not r.abstained else (0, 0, 0)
               for i, r in answered]  # fmt: skip
    abstained_in = sum(r.abstained for _, r in in_scope)
    abstained_out = sum(r.abstained for _, r in out_scope)
    abstained_all = abstained_in + abstained_out
    n_in = len(in_scope) or 1
    scores = SystemScores(
        name=name,
        recall_at_1=hits_at[1] / n_in,
        recall_at_3=hits_at[3] / n_in,
        recall_at_5=hits_at[5] / n_in,
        mrr=reciprocal / n_in,
        abstain_precision=abstained_out / abstained_all if abstained_all else 1.0,
        abstain_recall=abstained_out / len(out_scope) if out_scope else 1.0,
        wrong_abstain_rate=abstained_in / n_in,
        partial_in_scope=sum(r.partial for _, r in in_scope) / n_in,
        partial_out_of_scope=sum(r.partial for _, r in out_scope) / (len(out_scope) or 1),
        answers_judged=len(answered),
        first_sentence=sum(c[0] for c in carried) / len(answered) if answered else None,
        first_two=sum(c[1] for c in carried) / len(answered) if answered else None,
        anywhere=sum(c[2] for c in carried) / len(answered) if answered else None,
    )
    return scores, misses


_CITED = re.compile(r"(.*?\[\d+\](?:\[\d+\])*[.!?\"')]*)\s*", re.S)


def answer_sentences(answer: str) -> list[str]:
    """The sentences a member reads, in order: an extractive answer's cited units (after any
    caveat line), or plain sentences for text without citations (the naive baseline)."""
    from answering.extractive import PARTIAL_CAVEAT
    from retrieval.text import split_prose

    text = answer.strip().removeprefix(PARTIAL_CAVEAT).strip()
    units = [m.group(1).strip() for m in _CITED.finditer(text) if m.group(1).strip()]
    return units or split_prose(text)


def answer_carries(answer: str, phrases: Sequence[str]) -> tuple[int, int, int]:
    """Does a phrase (whitespace, case and punctuation folded) appear in the answer's first
    sentence, its first two, anywhere? As (0 or 1) x 3."""
    sentences = answer_sentences(answer)
    keys = [_words(p) for p in phrases if p.strip()]

    def holds(text: str) -> int:
        return int(any(k in _words(text) for k in keys))

    return holds(" ".join(sentences[:1])), holds(" ".join(sentences[:2])), holds(answer)


def calibrate_policy(
    items: Sequence[EvalItem],
    ranked: Sequence[Ranked],
    label: str,
    base: AbstentionPolicy | None = None,
) -> AbstentionPolicy:
    """Bands chosen on these questions (use dev sets only: the sealed ones never choose).
    With a judge in force, its bands are the ones chosen."""
    base = base or AbstentionPolicy()
    pairs = list(zip(items, ranked, strict=True))
    judged = any(r.evidence is not None and r.evidence.judge_answers is not None for r in ranked)
    start = base
    if judged:
        start = base.model_copy(
            update={"refuse_below": base.judge_refuse_below, "direct_from": base.judge_direct_from}
        )
    chosen = choose_bands(
        [_position(r) for i, r in pairs if i.kind == "in_scope"],
        [_position(r) for i, r in pairs if i.kind == "out_of_scope"],
        label=label,
        base=start,
    )
    if not judged:
        return chosen
    return base.model_copy(
        update={
            "judge_refuse_below": chosen.refuse_below,
            "judge_direct_from": chosen.direct_from,
            "chosen_on": chosen.chosen_on,
        }
    )


def _position(r: Ranked) -> float:
    if r.confidence is not None:
        return r.confidence
    return r.evidence.top_dense if r.evidence else 0.0


# -- runners (adapters: model, Chroma) -------------------------------------------------------
def rank_with_retriever(
    retriever, items: Sequence[EvalItem], k: int = RECALL_DEPTH, *, answers: bool = True
) -> list[Ranked]:
    """Each question searched (and, when it names `answer_contains`, answered extractively
    from that same search, as a member would read it)."""
    out = []
    for item in items:
        # Calibration must see the evidence serving decides on, so take it from the search.
        result, evidence = retriever.search_with_evidence(item.question, k)
        answer = None
        if answers and item.answer_contains and item.kind == "in_scope":
            answer = render_answer(retriever, item.question, result)
        out.append(
            Ranked(
                passages=[(h.source, h.heading, h.text) for h in result.hits],
                abstained=result.abstained,
                evidence=evidence,
                confidence=retriever.policy.confidence(evidence, retriever.calibration()),
                partial=result.support == "partial",
                answer=answer,
            )
        )
    return out


class _Found:
    """A Retriever that hands back one search already made (the answer reuses it)."""

    def __init__(self, result: SearchResult) -> None:
        self.result = result

    def search(self, query: str, k: int = 5) -> SearchResult:
        return self.result

    def related_topics(self, query: str, n: int = 3) -> list[str]:
        return []


def render_answer(retriever, question: str, result: SearchResult) -> str:
    """The extractive answer a member reads for this search ("" when it is refused)."""
    from answering.pipeline import CoachAnswerer

    answerer = CoachAnswerer(_Found(result), retriever.embedder, judge=retriever.judge)
    answer = answerer.answer(question)
    return "" if answer.abstained else answer.answer


def reapply_policy(ranked: Sequence[Ranked], policy: AbstentionPolicy) -> list[Ranked]:
    out = []
    for r in ranked:
        value = _position(r)
        refuse_below, direct_from = (
            policy.bands(r.evidence) if r.evidence else (policy.refuse_below, policy.direct_from)
        )
        out.append(
            r.model_copy(
                update={
                    "abstained": value < refuse_below,
                    "partial": refuse_below <= value < direct_from,
                }
            )
        )
    return out


def expected_sections(knowledge_dir: Path) -> dict[tuple[str, str], str]:
    """(source, heading) -> section text of the clean knowledge, for text matching."""
    from retrieval.ingest.pipeline import load_document, scan_knowledge

    sections: dict[tuple[str, str], str] = {}
    paths, _ = scan_knowledge(knowledge_dir)
    for path in paths:
        try:
            doc = load_document(path, knowledge_dir)
        except Exception:  # a broken file just has no sections to match
            continue
        for section in doc.sections:
            key = (doc.source, HEADING_SEP.join(section.heading_path))
            sections[key] = sections.get(key, "") + "\n" + section.text
    return sections


def run_eval(
    retriever,
    baseline,
    items: Sequence[EvalItem],
    sections: dict[tuple[str, str], str],
    *,
    eval_set: str,
    calibrate_abstention: bool = False,
    judge_off=None,
) -> EvalReport:
    """Score Club Coach (and, in the same run, `judge_off`: the same index without its
    judge, and the naive baseline) on one eval set."""
    ranked = rank_with_retriever(retriever, items)
    policy = retriever.policy
    if calibrate_abstention:
        policy = calibrate_policy(items, ranked, label=eval_set, base=policy)
        ranked = reapply_policy(ranked, policy)
    ours, misses = score_system("club-coach", items, ranked, heading_matcher)
    systems = [ours]
    if judge_off is not None:
        plain = rank_with_retriever(judge_off, items)
        systems.append(score_system("club-coach-judge-off", items, plain, heading_matcher)[0])
    if baseline is not None:
        base_ranked = baseline.rank(items)
        # In sample, on the set being scored: the baseline has no calibration of its own.
        base_policy = calibrate_policy(items, base_ranked, label="baseline")
        # A naive build answers or refuses: it has no caveat band.
        base_ranked = [
            r.model_copy(update={"partial": False})
            for r in reapply_policy(base_ranked, base_policy)
        ]
        systems.append(
            score_system("naive-baseline", items, base_ranked, text_matcher(sections))[0]
        )
    return EvalReport(
        eval_set=eval_set,
        in_scope=sum(i.kind == "in_scope" for i in items),
        out_of_scope=sum(i.kind == "out_of_scope" for i in items),
        systems=systems,
        misses=misses,
        policy=policy,
        judge=getattr(getattr(retriever, "judge", None), "name", "off"),
    )


def run_cli_eval(
    knowledge_dir: Path,
    data_dir: Path,
    *,
    eval_set: Path | None,
    calibrate: bool,
    with_baseline: bool,
    temporary: bool,
    notify: Callable[[str], None],
    reference_dir: Path,
) -> EvalReport:
    """`coach eval`: index (temporarily for a foreign folder), rank, score, maybe calibrate.

    `reference_dir` holds the clean articles the eval set's expected passages refer to.
    """
    from evaluation.baseline import NaiveBaseline
    from retrieval.embedding import SentenceTransformerEmbedder
    from retrieval.live_index import open_retriever

    items = load_eval_set(eval_set or PUBLIC_EVAL_SET)
    notify("Loading the embedding model...")
    embedder = SentenceTransformerEmbedder(cache_dir=data_dir / "models")
    with tempfile.TemporaryDirectory(prefix="coach-eval-") as tmp:
        work_dir = Path(tmp) if temporary else data_dir
        notify(f"Indexing {knowledge_dir}...")
        retriever = open_retriever(knowledge_dir, work_dir, embedder)
        baseline = None
        if with_baseline:
            notify("Building the naive baseline (800/100 character splitter, dense only)...")
            baseline = NaiveBaseline(knowledge_dir, embedder, Path(tmp) / "baseline")
        # Expected passages are named in the clean articles, even when a messy copy is indexed.
        sections = expected_sections(reference_dir)
        report = run_eval(
            retriever,
            baseline,
            items,
            sections,
            eval_set=(eval_set or PUBLIC_EVAL_SET).name,
            calibrate_abstention=calibrate,
        )
    if calibrate:
        # Into the data dir, never the installed package (issue 10); search reads it first.
        target = data_dir / POLICY_NAME
        save_policy(report.policy, target)
        notify(f"Saved abstention bands to {target}: {json.dumps(report.policy.model_dump())}")
    return report
