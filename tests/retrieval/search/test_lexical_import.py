"""BM25 without scipy (a one-shot `coach ask` skips ~100 ms of imports) scores exactly as before."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import KNOWLEDGE_DIR, REPO

QUERIES = [
    "How often should runners lift weights?",
    "foam roll before or after a run",
    "calf raises for shin splints",
    "deload week after a race",
    "single leg squat knee pain",
]


def _run(script: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_lexical_index_never_imports_scipy() -> None:
    got = _run(
        "import json, sys\n"
        "from retrieval.search.lexical import LexicalIndex\n"
        "index = LexicalIndex(['squats twice a week', 'calf raises for shins'])\n"
        "scores = index.scores('calf raises').tolist()\n"
        "loaded = 'scipy.sparse' in sys.modules\n"
        "import scipy.sparse  # still importable by anyone who needs it\n"
        "print(json.dumps({'loaded': loaded, 'scores': scores}))\n"
    )
    assert got["loaded"] is False
    assert got["scores"][1] > 0 == got["scores"][0]


def test_scores_equal_bm25s_scipy_backend() -> None:
    paragraphs = [
        p
        for path in sorted(KNOWLEDGE_DIR.glob("*.md"))
        for p in path.read_text(encoding="utf-8").split("\n\n")
        if len(p.split()) > 5
    ]
    got = _run(
        "import json, sys\n"
        "import numpy as np\n"
        "import scipy.sparse  # bm25s takes its scipy backend when scipy is there first\n"
        "import bm25s\n"
        "from retrieval.search.lexical import LexicalIndex\n"
        "from retrieval.text import tokenize\n"
        f"texts = {paragraphs!r}\n"
        "ours = LexicalIndex(texts)\n"
        "ref = bm25s.BM25(csc_backend='scipy')\n"
        "ref.index([tokenize(t) for t in texts], show_progress=False)\n"
        "worst = 0.0\n"
        f"for q in {QUERIES!r}:\n"
        "    tokens = [t for t in tokenize(q) if t in ours.vocabulary]\n"
        "    diff = np.abs(ours.scores(q) - np.asarray(ref.get_scores(tokens), np.float32))\n"
        "    worst = max(worst, float(diff.max()))\n"
        "print(json.dumps({'backends': [ours._bm25.csc_backend, ref.csc_backend],\n"
        "                  'texts': len(texts), 'worst': worst}))\n"
    )
    assert got["backends"] == ["numpy", "scipy"]
    assert got["texts"] > 100
    assert got["worst"] < 1e-5
