"""No "Loading weights" progress bar in the console or the bot's log: every model load in a
process that built the embedder is quiet (the ONNX export and the judge load weights too)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
from pathlib import Path
from retrieval.embedding import SentenceTransformerEmbedder

embedder = SentenceTransformerEmbedder(cache_dir=Path("unused"))
from transformers import AutoModel

AutoModel.from_pretrained(str(embedder.model_dir))  # as the ONNX export loads it
print("loaded")
"""


@pytest.mark.slow  # a fresh process loads the real model's weights
def test_loading_weights_after_the_embedder_is_built_shows_no_progress_bar(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "PYTHONPATH": str(root),
    }
    env.pop("TQDM_DISABLE", None)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=240,
    )  # fmt: skip
    assert done.returncode == 0 and "loaded" in done.stdout, done.stderr[-2000:]
    assert "Loading weights" not in done.stderr and "it/s]" not in done.stderr, done.stderr
