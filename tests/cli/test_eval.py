"""`coach eval --calibrate` writes into the data dir (never the package); status shows the bands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from retrieval.search.abstention import CALIBRATION_NAME, POLICY_NAME, POLICY_PATH
from tests.retrieval.conftest import write_articles

HILL, TRACK, REST = "hill-repeats.md", "track-etiquette.md", "rest-days.md"
QUESTIONS = [
    ("how long do i rest between hill reps", "in_scope", HILL, "Recovering between repeats"),
    ("which lane do i warm up in at the track", "in_scope", TRACK, "Lanes and passing"),
    ("is a swim ok on a rest day", "in_scope", REST, "Active recovery ideas"),
    ("what's a good lasagne recipe", "out_of_scope", "", ""),
    ("how do i fix a flat bike tyre", "out_of_scope", "", ""),
]


pytestmark = pytest.mark.usefixtures("session_model")


def write_set(path: Path) -> Path:
    lines = ["# a club's own dev questions"]
    for n, (question, kind, source, heading) in enumerate(QUESTIONS, 1):
        expected = [{"source": source, "heading": heading}] if source else []
        item = {"id": f"c{n}", "question": question, "kind": kind, "expected": expected}
        lines.append(json.dumps(item))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_calibrate_writes_bands_into_the_data_dir(tmp_path: Path) -> None:
    knowledge = write_articles(tmp_path / "knowledge")
    data = tmp_path / "data"
    env = {"COACH_KNOWLEDGE_DIR": str(knowledge), "COACH_DATA_DIR": str(data)}
    shipped = POLICY_PATH.read_bytes()
    eval_set = str(write_set(tmp_path / "club.dev.jsonl"))
    args = ["eval", "--set", eval_set, "--calibrate", "--no-baseline", "--json"]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["in_scope"] == 3 and report["out_of_scope"] == 2
    saved = json.loads((data / POLICY_NAME).read_text(encoding="utf-8"))
    assert saved["chosen_on"] == "club.dev.jsonl"
    assert POLICY_PATH.read_bytes() == shipped  # the installed package is never written

    # The club's own bands are what `coach status` reports, once the index is calibrated.
    assert CliRunner().invoke(app, ["search", "hill repeats recovery"], env=env).exit_code == 0
    assert (data / CALIBRATION_NAME).exists()
    status = CliRunner().invoke(app, ["status", "--json"], env=env)
    abstention = json.loads(status.stdout)["abstention"]
    assert abstention.startswith("calibrated on this index")
    assert "club.dev.jsonl" in abstention
