"""Training pairs for the judge, built from the committed articles and items.

The articles go through the project's real ingestion and index (`open_retriever` over a temporary
data dir, the bundled embedder), so a passage here is exactly what the judge reads at run time:
`passage_for_judge(title, heading, text)` of an indexed chunk. Each item's `passage_contains`
names its passage. Pairs:

- relevance (question, passage) -> answers / touches / not_covered: every question with its own
  passage, as labelled; "answers" questions with the retriever's top non-gold passages as read
  (`labels/`; an unread one is no negative) and a random passage as `not_covered`;
  out-of-scope questions with their top retrieved and a random passage as `not_covered`.
- support (claim, passage) -> supported / contradicted / unsupported: every claim with its passage,
  and with its closest sentence when that sentence alone carries it; claims with other articles'
  passages as `unsupported`.

About 10 % of the ARTICLES (not rows) are held out as the dev split. Fixed seed throughout.
Writes `build/pairs.jsonl`, `build/ranking_dev.jsonl` (dev questions with the retriever's top 10)
and `build/dataset.json` (counts).

    python -m training.judge.dataset [--seed 13]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import re
import shutil
import tempfile
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from retrieval.models import Chunk, passage_for_judge
from retrieval.text import CITATION_RE, sentence_spans, split_prose

log = logging.getLogger("training.judge.dataset")

HERE = Path(__file__).resolve().parent
ARTICLES = HERE / "articles"
ITEMS = HERE / "items"
LABELS = HERE / "labels"
# Which sentence of its own passage answers an "answers" question, labelled by reading
# (`sentence_labels/*.jsonl`, see the README): trains the judge to pick the first sentence.
SENTENCE_LABELS = HERE / "sentence_labels"
BUILD = HERE / "build"

RELEVANCE = ("answers", "touches", "not_covered")
SUPPORT = ("supported", "contradicted", "unsupported")
_QUESTION_LABELS = {"answers": 0, "touches": 1, "not": 2, "not_covered": 2}
_CLAIM_LABELS = {"supported": 0, "contradicted": 1, "unsupported": 2}
DEV_SHARE = 0.10
RANK_K = 10
# The retriever's top passages other than the labelled one, written out for labelling.
LABEL_CANDIDATES = 5
# A claim is paired with one sentence alone only when that sentence is clearly the one it
# paraphrases (cosine of the bundled MiniLM vectors), not when it spans two sentences.
SENTENCE_MIN_SIM = 0.55
SENTENCE_MARGIN = 0.08
# Sentence windows as the extractive answerer builds them: a sentence and the next one.
WINDOW = 1
# No sentence-level labels are written: an "answers" question's window in its own passage is
# the one the bundled MiniLM finds closest, when clearly so; a window of the same passage far
# below it is "touches" (on the topic, not the answer).
WINDOW_MARGIN = 0.05
WINDOW_FAR = 0.15


@dataclass
class Item:
    article: str
    kind: str  # question | claim
    text: str
    label: str
    passage_contains: str = ""
    out_of_scope: bool = False


@dataclass
class Corpus:
    chunks: list[Chunk]
    by_article: dict[str, list[int]] = field(default_factory=dict)

    def passage(self, row: int) -> str:
        c = self.chunks[row]
        return passage_for_judge(c.title, c.heading, c.text)

    def windows(self, row: int) -> list[str]:
        """Each sentence with the next WINDOW, under the passage's title and heading: how the
        extractive answerer shows sentences to the judge (answering.extractive.judge_windows)."""
        c = self.chunks[row]
        sentences = split_prose(c.text)
        return [
            passage_for_judge(c.title, c.heading, " ".join(sentences[i : i + 1 + WINDOW]))
            for i in range(len(sentences))
        ] or [self.passage(row)]


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=BUILD)
    args = parser.parse_args(list(argv) if argv is not None else None)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    build(args.seed, args.out)


def build(seed: int, out: Path) -> dict:
    rng = random.Random(seed)
    items = load_items()
    labels = load_labels()
    out.mkdir(parents=True, exist_ok=True)
    from retrieval.embedding import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(cache_dir=out / "model-cache")
    with tempfile.TemporaryDirectory(prefix="judge-index-") as tmp:
        knowledge = Path(tmp) / "knowledge"
        shutil.copytree(ARTICLES, knowledge)
        retriever = _open_retriever(knowledge, Path(tmp) / "data", embedder)
        corpus = Corpus(chunks=retriever.chunks())
        for row, chunk in enumerate(corpus.chunks):
            corpus.by_article.setdefault(chunk.source, []).append(row)
        articles = sorted(corpus.by_article)
        dev = set(rng.sample(articles, max(2, round(DEV_SHARE * len(articles)))))
        gold, unmapped = map_items(items, corpus)
        questions = [it for it in items if it.kind == "question"]
        retrieved = _retrieve(retriever, [it.text for it in questions])
    log.info("%d passages from %d articles; dev articles: %s", len(corpus.chunks), len(articles),
             ", ".join(sorted(dev)))  # fmt: skip
    vectors = _sentence_vectors(embedder, items, gold, corpus)
    windows = _answer_windows(embedder, items, gold, corpus)
    rows: list[dict] = []
    ranking: list[dict] = []
    candidates: list[dict] = []
    spans: list[dict] = []
    sentence_labels = load_sentence_labels()
    for i, item in enumerate(items):
        if i in unmapped:
            continue
        split = "dev" if item.article in dev else "train"
        if item.out_of_scope:
            split = "dev" if rng.random() < DEV_SHARE else "train"
        emit = _Emitter(rows, split, item)
        if item.kind == "question":
            _question_pairs(
                emit,
                item,
                gold.get(i),
                retrieved[item.text],
                corpus,
                rng,
                windows.get(i),
                labels.get(item.text, {}),
            )
            if item.label == "answers" and not item.out_of_scope:
                if split == "dev":
                    ranking.append(
                        _ranking_row(
                            item, gold[i], retrieved[item.text], corpus, labels.get(item.text, {})
                        )
                    )
                candidates.append(
                    _candidate_row(item, split, gold[i], retrieved[item.text], corpus)
                )
                chosen = sentence_labels.get((item.text, item.article))
                if chosen is not None:
                    spans.append(_span_row(item, split, gold[i], corpus, *chosen))
        else:
            _claim_pairs(emit, item, gold[i], corpus, rng, vectors.get(i))
    rng.shuffle(rows)
    stats = {
        "seed": seed,
        "articles": len(articles),
        "dev_articles": sorted(dev),
        "passages": len(corpus.chunks),
        "items": len(items),
        "unmapped_items": len(unmapped),
        "pairs": dict(Counter(f"{r['split']}/{r['task']}/{r['label_name']}" for r in rows)),
        "sources": dict(Counter(f"{r['task']}/{r['source']}" for r in rows)),
        "ranking_dev_questions": len(ranking),
        "labelled_candidates": sum(len(v) for v in labels.values()),
        "span_groups": dict(Counter(r["split"] for r in spans)),
    }
    _write_jsonl(out / "pairs.jsonl", rows)
    _write_jsonl(out / "ranking_dev.jsonl", ranking)
    _write_jsonl(out / "candidates.jsonl", candidates)
    _write_jsonl(out / "spans.jsonl", spans)
    (out / "dataset.json").write_text(json.dumps(stats, indent=1) + "\n", encoding="utf-8")
    log.info("wrote %d pairs (%s)", len(rows), json.dumps(stats["pairs"]))
    return stats


def load_items() -> list[Item]:
    """Every item line; out-of-scope files (no article) carry questions answered nowhere.

    A line that `check_disjoint` flags is left out here too (`make judge` stops before this
    on any overlap; a manual run on data still being written only warns)."""
    from training.judge.check_disjoint import find_overlaps

    flagged = {(o.file, o.line) for o in find_overlaps()[0]}
    if flagged:
        log.warning("%d training lines share text with eval data; their items are left out",
                    len(flagged))  # fmt: skip
    items: list[Item] = []
    for path in sorted(ITEMS.glob("*.jsonl")):
        if path.name.endswith(".test.jsonl"):
            continue
        oos = "out-of-scope" in path.name
        name = str(path.relative_to(HERE.parents[1]))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip() or (name, n) in flagged:
                continue
            raw = json.loads(line)
            items.append(
                Item(
                    article=raw.get("article") or "",
                    kind=raw.get("kind", "question"),
                    text=" ".join(str(raw["text"]).split()),
                    label=raw.get("label", "not"),
                    passage_contains=raw.get("passage_contains") or "",
                    out_of_scope=oos or not raw.get("article"),
                )
            )
    return items


def load_labels() -> dict[str, dict[str, int]]:
    """Question -> {passage key -> label} for the retriever's candidates labelled by reading
    (`labels/*.jsonl`, see the README): "answers", "touches" or "not"."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for path in sorted(LABELS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                raw = json.loads(line)
                question = " ".join(str(raw["question"]).split())
                out[question][raw["key"]] = _QUESTION_LABELS[raw["label"]]
    return out


def load_sentence_labels() -> dict[tuple[str, str], tuple[int, list[int]]]:
    """(question, article) -> (the answering sentence, other sentences that carry part of the
    answer), 0-based in `split_prose` order; questions no single sentence answers are left out."""
    out: dict[tuple[str, str], tuple[int, list[int]]] = {}
    for path in sorted(SENTENCE_LABELS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("best") is not None:
                also = [n - 1 for n in row.get("also") or [] if n != row["best"]]
                out[(row["question"], row["article"])] = (row["best"] - 1, also)
    return out


def _span_row(item: Item, split: str, row: int, corpus: Corpus, best: int, also: list[int]) -> dict:
    """A question, its own passage as the judge reads it, and where each sentence sits in it."""
    chunk = corpus.chunks[row]
    passage = corpus.passage(row)
    base = len(passage) - len(chunk.text)
    spans = sentence_spans(chunk.text, split_prose(chunk.text))
    return {
        "text": item.text,
        "passage": passage,
        "spans": [[base + a, base + b] for a, b in spans],
        "best": best,
        "also": also,
        "split": split,
        "article": item.article,
    }


def map_items(items: list[Item], corpus: Corpus) -> tuple[dict[int, int], set[int]]:
    """Item index -> corpus row of the passage its `passage_contains` names."""
    # A question-style heading ("Q: ...") may hold the named words: search headings too.
    keys = [_key(f"{c.heading} {c.text}") for c in corpus.chunks]
    gold: dict[int, int] = {}
    unmapped: set[int] = set()
    cache: dict[tuple[str, str], int | None] = {}
    for i, item in enumerate(items):
        if item.out_of_scope:
            continue
        probe = (item.article, item.passage_contains)
        if probe not in cache:
            cache[probe] = _find(item, corpus, keys)
        row = cache[probe]
        if row is None:
            unmapped.add(i)
        else:
            gold[i] = row
    misses = {(items[i].article, items[i].passage_contains) for i in unmapped}
    for article, needle in sorted(misses):
        log.warning("no passage of %s contains %r", article, needle[:80])
    return gold, unmapped


def _find(item: Item, corpus: Corpus, keys: list[str]) -> int | None:
    rows = corpus.by_article.get(item.article, [])
    needle = _key(item.passage_contains)
    for row in rows:
        if needle and needle in keys[row]:
            return row
    # Cleaning may re-wrap or drop a marker: fall back to the passage sharing most words.
    words = set(needle.split())
    best = max(rows, key=lambda r: len(words & set(keys[r].split())), default=None)
    if best is not None and words and len(words & set(keys[best].split())) >= 0.8 * len(words):
        return best
    return None


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("’", "'").replace("“", '"').replace("”", '"')
    return " ".join(re.sub(r"[^\w%' ]+", " ", text).split())


@dataclass
class _Emitter:
    rows: list[dict]
    split: str
    item: Item

    def __call__(self, task: str, text: str, passage: str, label: int, source: str) -> None:
        names = RELEVANCE if task == "relevance" else SUPPORT
        self.rows.append(
            {
                "task": task,
                "text": text,
                "passage": passage,
                "label": label,
                "label_name": names[label],
                "source": source,
                "split": self.split,
                "article": self.item.article,
            }
        )


def _question_pairs(
    emit: _Emitter,
    item: Item,
    gold: int | None,
    hits: list[int],
    corpus: Corpus,
    rng: random.Random,
    windows: tuple[str, str | None] | None = None,
    labelled: dict[str, int] | None = None,
) -> None:
    """`labelled` holds read labels of the retriever's candidates for this question: with
    them, those candidates are pairs as labelled (many answer too), and no unlabelled
    candidate is taken for a negative."""
    q = item.text
    if item.out_of_scope:
        for row in hits[:2]:
            emit("relevance", q, corpus.passage(row), 2, "oos-retrieved")
        emit("relevance", q, corpus.passage(rng.randrange(len(corpus.chunks))), 2, "oos-random")
        return
    assert gold is not None
    label = _QUESTION_LABELS[item.label]
    emit("relevance", q, corpus.passage(gold), label, "gold")
    if label == 0:
        candidates = [row for row in hits if row != gold][:LABEL_CANDIDATES]
        # Only candidates read as "not" are negatives: an unlabelled top passage answers too
        # as often as not (written to answer one sentence, round 7's questions have no labels).
        keys = {r: passage_key(corpus.passage(r)) for r in candidates}
        read = {r: labelled[k] for r, k in keys.items() if labelled and k in labelled}
        for row, given in read.items():
            emit("relevance", q, corpus.passage(row), given, "labelled")
        negatives = [r for r, given in read.items() if given == 2]
        if windows is not None:
            best, far = windows
            emit("relevance", q, best, 0, "window-best")
            if far is not None:
                emit("relevance", q, far, 1, "window-same-passage")
        if negatives:
            emit("relevance", q, rng.choice(corpus.windows(negatives[0])), 2, "window-negative")
    other = _random_row(corpus, rng, exclude=item.article)
    emit("relevance", q, corpus.passage(other), 2, "random")


def _claim_pairs(
    emit: _Emitter,
    item: Item,
    gold: int,
    corpus: Corpus,
    rng: random.Random,
    sentence: str | None,
) -> None:
    label = _CLAIM_LABELS[item.label]
    # Claims arrive with and without their "[n]" marker; the judge must not care.
    bare = " ".join(CITATION_RE.sub("", item.text).split())
    text = item.text if rng.random() < 0.5 else bare
    emit("support", text, corpus.passage(gold), label, "gold")
    if sentence is not None:
        c = corpus.chunks[gold]
        emit("support", bare, passage_for_judge(c.title, c.heading, sentence), label, "sentence")
    if label == 0:
        other = _random_row(corpus, rng, exclude=item.article)
        emit("support", text, corpus.passage(other), 2, "random")


def passage_key(passage: str) -> str:
    """A short fingerprint of a passage as the judge reads it: a label written for one text
    is never applied to another (articles or the pipeline may change)."""
    return hashlib.sha1(passage.encode("utf-8")).hexdigest()[:12]


def _candidate_row(item: Item, split: str, gold: int, hits: list[int], corpus: Corpus) -> dict:
    """An "answers" question with the retriever's top passages other than its own, for
    labelling: many of those answer it too, and an unlabelled one is no negative."""
    others = [row for row in hits if row != gold][:LABEL_CANDIDATES]
    return {
        "question": item.text,
        "article": item.article,
        "split": split,
        "own_passage": corpus.passage(gold),
        "candidates": [
            {"key": passage_key(corpus.passage(r)), "passage": corpus.passage(r)} for r in others
        ],
    }


def _ranking_row(
    item: Item, gold: int, hits: list[int], corpus: Corpus, labelled: dict[str, int]
) -> dict:
    """A dev question with the retriever's top 10; `answering` also holds the candidates read
    as answering it, so a judge that puts one of those first is not counted wrong."""
    answering = [corpus.chunks[gold].chunk_id] + [
        corpus.chunks[r].chunk_id
        for r in hits
        if r != gold and labelled.get(passage_key(corpus.passage(r))) == 0
    ]
    return {
        "question": item.text,
        "article": item.article,
        "gold": corpus.chunks[gold].chunk_id,
        "answering": answering,
        "candidates": [
            {"chunk_id": corpus.chunks[r].chunk_id, "passage": corpus.passage(r)} for r in hits
        ],
    }


def _sentence_vectors(
    embedder, items: list[Item], gold: dict[int, int], corpus: Corpus
) -> dict[int, str]:
    """Claim index -> the one sentence of its passage that carries it, when there is one."""
    claims = [i for i, it in enumerate(items) if it.kind == "claim" and i in gold]
    if not claims:
        return {}
    sentences = {row: split_prose(corpus.chunks[row].text) for row in {gold[i] for i in claims}}
    flat = sorted({s for ss in sentences.values() for s in ss})
    index = {s: n for n, s in enumerate(flat)}
    sv = embedder.embed(flat)
    cv = embedder.embed([" ".join(CITATION_RE.sub("", items[i].text).split()) for i in claims])
    chosen: dict[int, str] = {}
    for vec, i in zip(cv, claims, strict=True):
        own = sentences[gold[i]]
        if len(own) < 2:
            continue
        sims = np.asarray([float(sv[index[s]] @ vec) for s in own])
        best, second = np.argsort(-sims)[:2]
        if sims[best] >= SENTENCE_MIN_SIM and sims[best] - sims[second] >= SENTENCE_MARGIN:
            chosen[i] = own[int(best)]
    return chosen


def _answer_windows(
    embedder, items: list[Item], gold: dict[int, int], corpus: Corpus
) -> dict[int, tuple[str, str | None]]:
    """ "answers" question index -> (its closest window, a far window of the same passage)."""
    asked = [
        i
        for i, it in enumerate(items)
        if it.kind == "question" and it.label == "answers" and i in gold
    ]
    rows = sorted({gold[i] for i in asked})
    windows = {row: corpus.windows(row) for row in rows}
    flat = sorted({w for ws in windows.values() for w in ws})
    if not asked or not flat:
        return {}
    index = {w: n for n, w in enumerate(flat)}
    wv = embedder.embed(flat)
    qv = embedder.embed([items[i].text for i in asked])
    out: dict[int, tuple[str, str | None]] = {}
    for vec, i in zip(qv, asked, strict=True):
        own = windows[gold[i]]
        if len(own) < 2:
            continue
        sims = np.asarray([float(wv[index[w]] @ vec) for w in own])
        best, second = np.argsort(-sims)[:2]
        if sims[best] - sims[second] < WINDOW_MARGIN:
            continue
        worst = int(np.argmin(sims))
        far = own[worst] if sims[best] - sims[worst] >= WINDOW_FAR else None
        out[i] = (own[int(best)], far)
    return out


def _random_row(corpus: Corpus, rng: random.Random, *, exclude: str) -> int:
    while True:
        row = rng.randrange(len(corpus.chunks))
        if corpus.chunks[row].source != exclude:
            return row


def _open_retriever(knowledge: Path, data_dir: Path, embedder):
    from retrieval.live_index import open_retriever

    return open_retriever(knowledge, data_dir, embedder)


def _retrieve(retriever, questions: list[str]) -> dict[str, list[int]]:
    """Question -> corpus rows of today's retriever's top 10 (no abstention: ranking only)."""
    index_of = {c.chunk_id: n for n, c in enumerate(retriever.chunks())}
    out: dict[str, list[int]] = defaultdict(list)
    for q in sorted(set(questions)):
        result, _ = retriever.search_with_evidence(q, RANK_K, decide=False)
        out[q] = [index_of[h.chunk_id] for h in result.hits]
    return out


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
