"""Settings are checked at start: every number finite and bounded, every folder named and usable.

The contract: each numeric setting has a lower and an upper bound, and a value outside them
(infinity, 1e12, NaN...) is refused in one line naming the variable and the allowed range. A
new numeric setting without bounds fails here.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from bot.cli import app
from bot.settings import Settings, describe_problems, describe_range, numeric_bounds

NUMERIC = {
    name: field
    for name, field in Settings.model_fields.items()
    if field.annotation in (int, float, int | None, float | None)
}


def _env_name(name: str) -> str:
    return Settings.model_fields[name].validation_alias.choices[0]  # type: ignore[union-attr]


def test_every_numeric_setting_has_finite_bounds() -> None:
    assert len(NUMERIC) >= 8
    for name in NUMERIC:
        low, high = numeric_bounds(name)
        assert math.isfinite(low) and math.isfinite(high) and low < high, name


def _bad_values(name: str) -> list[str]:
    low, high = numeric_bounds(name)
    huge = (
        f"{int(high) * 10 + 1}"
        if Settings.model_fields[name].annotation in (int, int | None)
        else "1e12"
    )
    values = [huge, f"{low - 1:g}"]
    if Settings.model_fields[name].annotation in (float, float | None):
        values += ["inf", "-inf", "nan"]
    return values


CASES = [(name, value) for name in NUMERIC for value in _bad_values(name)]


@pytest.mark.parametrize(("name", "value"), CASES, ids=[f"{n}={v}" for n, v in CASES])
def test_an_out_of_range_number_is_refused_naming_the_variable_and_range(
    name: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    variable = _env_name(name)
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError) as refused:
        Settings()
    message = describe_problems(refused.value)
    assert message.startswith(f"{variable}={value}: give ") and describe_range(name) in message
    assert re.search(r"from -?[\d.]+ to [\d.]+$", message), message
    assert "\n" not in message


def test_the_cli_refuses_an_infinite_llm_timeout_in_one_line(tmp_path: Path) -> None:
    for value in ("inf", "1e12"):
        result = CliRunner().invoke(
            app, ["status"], env={"COACH_LLM_TIMEOUT_S": value, "COACH_DATA_DIR": str(tmp_path)}
        )
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert result.exit_code != 0 and len(lines) == 1, result.output
        assert re.search(rf"COACH_LLM_TIMEOUT_S={re.escape(value)}\b.*from 0\.1 to 600", lines[0])


@pytest.mark.parametrize("variable", ["COACH_DATA_DIR", "COACH_KNOWLEDGE_DIR"])
@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_folder_setting_is_refused(variable: str, value: str, tmp_path: Path) -> None:
    env = {"COACH_DATA_DIR": str(tmp_path / "data"), variable: value}
    result = CliRunner().invoke(app, ["status"], env=env)
    assert result.exit_code != 0
    assert variable in result.stderr and "empty" in result.stderr, result.output
    assert not list(Path.cwd().glob("chroma")), "nothing is written into the current folder"


@pytest.mark.parametrize("command", [["status"], ["index"], ["ask", "how often should I lift"]])
@pytest.mark.parametrize(
    ("where", "needle"),
    [("/proc/nope", "cannot be created"), ("file", "is a file, not a folder")],
)
def test_an_unusable_data_dir_is_named_as_such_not_as_a_damaged_store(
    command: list[str], where: str, needle: str, tmp_path: Path
) -> None:
    if where == "file":
        (tmp_path / "file").write_text("not a folder")
        where = str(tmp_path / "file")
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    env = {"COACH_DATA_DIR": where, "COACH_KNOWLEDGE_DIR": str(knowledge)}
    result = CliRunner().invoke(app, command, env=env)
    assert result.exit_code != 0
    assert "COACH_DATA_DIR" in result.stderr and needle in result.stderr, result.output
    assert "damaged" not in result.output
