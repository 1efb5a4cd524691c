"""The judge: a small cross-encoder that decides whether a passage answers a question and
whether a passage says what a claim says. `make_judge` picks the shipped ONNX model, a local
folder (a bigger sentence-transformers CrossEncoder, or an ONNX folder of ours), or none.
"""

from __future__ import annotations

import logging
from pathlib import Path

from retrieval.judge.models import Judge, JudgeError, Relevance, Support

log = logging.getLogger(__name__)

__all__ = ["BUNDLED_DIR", "Judge", "JudgeError", "Relevance", "Support", "make_judge"]

# The shipped model, package data of `retrieval` (rebuilt by `make judge`).
BUNDLED_DIR = Path(__file__).resolve().parent.parent / "data" / "judge"
ONNX_FILE = "judge.onnx"
CONFIG_FILE = "judge.json"


def make_judge(choice: str, *, cache_dir: Path | None = None) -> Judge | None:
    """'bundled' (default): the shipped ONNX file; 'off': None; otherwise a path to a local
    sentence-transformers CrossEncoder folder (or an ONNX folder of ours).

    `cache_dir` keeps passages' token vectors between processes (our ONNX judge only).
    Unknown or missing choices raise `JudgeError` with a message a club member can act on.
    Heavy libraries are imported only when a model is actually loaded.
    """
    name = choice.strip()
    if name.lower() == "off":
        return None
    if name.lower() in ("", "bundled"):
        if not (BUNDLED_DIR / ONNX_FILE).is_file():
            raise JudgeError("the bundled judge model is missing: run `make judge`")
        return _onnx_judge(BUNDLED_DIR, cache_dir)
    folder = Path(name).expanduser()
    if not folder.exists():
        raise JudgeError(
            f"judge model folder not found: {folder} "
            "(COACH_JUDGE takes 'bundled', 'off' or the path of a local cross-encoder folder)"
        )
    if not folder.is_dir():
        raise JudgeError(
            f"the judge setting must name a folder, not a file: {folder} "
            "(a sentence-transformers CrossEncoder folder, or a folder with judge.onnx)"
        )
    if (folder / ONNX_FILE).is_file():
        return _onnx_judge(folder, cache_dir)
    if (folder / "config.json").is_file():
        from retrieval.judge.cross_encoder import CrossEncoderJudge

        return CrossEncoderJudge(folder)
    raise JudgeError(
        f"{folder} holds no judge model: expected a sentence-transformers CrossEncoder folder "
        "(config.json and weights) or our ONNX export (judge.onnx and judge.json)"
    )


def _onnx_judge(folder: Path, cache_dir: Path | None) -> Judge:
    from retrieval.judge.onnx_judge import OnnxJudge

    return OnnxJudge(folder, cache_dir=cache_dir)
