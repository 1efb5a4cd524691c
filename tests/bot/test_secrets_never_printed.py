"""Secrets never printed: recognisable DISCORD_TOKEN and COACH_LLM_API_KEY values, every
command, error and log path we can drive, and a grep of all the output for them.

The LLM provider is the loopback fake, set to answer every request with a 401 that echoes the
key it was sent (as some providers do); the bot talks to the loopback Discord fake.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from answering import redaction
from answering.redaction import MARKER, Redactor
from bot import secrets_guard
from bot.app import CoachApp
from bot.cli import app
from bot.discord_bot.client import CoachBot
from bot.settings import Settings
from tests.conftest import KNOWLEDGE_DIR
from tests.discord.conftest import fake_discord, running_bot
from tests.fakes.openai_server import FakeOpenAIServer, echoing_key_401

TOKEN = "MTE5ODk3NjU0MzIx.SECRET-discord-token.q8x7c6v5b4n3m2"
KEY = "sk-test-SECRETKEY-a1b2c3d4e5f6g7h8i9j0"
QUESTION = "Should I foam roll before or after a run?"


def leaks(text: str) -> list[str]:
    """Which secret (or the tail a provider may shorten it to) the text contains."""
    found = []
    for name, value in (("DISCORD_TOKEN", TOKEN), ("COACH_LLM_API_KEY", KEY)):
        if value in text or value[-8:] in text:
            found.append(name)
    return found


@pytest.fixture
def echoing_llm():
    with FakeOpenAIServer(reply="never used") as server:
        server.enqueue(*[echoing_key_401() for _ in range(50)])
        yield server


@pytest.fixture(autouse=True)
def _restore_logging():
    yield
    redaction.uninstall()
    secrets_guard._current = Redactor()


@pytest.fixture
def env(echoing_llm: FakeOpenAIServer, bundled_index: Path, tmp_path: Path) -> dict[str, str]:
    return {
        "DISCORD_TOKEN": TOKEN,
        "COACH_LLM_API_KEY": KEY,
        "COACH_LLM": "openai:fake-model",
        "COACH_LLM_BASE_URL": echoing_llm.base_url,
        "COACH_LLM_TIMEOUT_S": "5",
        "COACH_KNOWLEDGE_DIR": str(KNOWLEDGE_DIR),
        "COACH_DATA_DIR": str(bundled_index),
    }


pytestmark = pytest.mark.usefixtures("session_model")


COMMANDS: list[tuple[list[str], dict[str, str]]] = [
    (["-v", "ask", QUESTION], {}),
    (["-v", "ask", "--json", QUESTION], {}),
    (["-v", "search", "foam rolling"], {}),
    (["-v", "status"], {}),
    (["-v", "status", "--json"], {}),
    (["-v", "kb", "list"], {}),
    (["-v", "ask", QUESTION], {"COACH_LLM": "claude:opus"}),  # unknown provider
    (["-v", "ask", QUESTION], {"COACH_LLM_TIMEOUT_S": "soon"}),  # bad setting
    (["-v", "ask", QUESTION], {"COACH_KNOWLEDGE_DIR": "/nonexistent/knowledge"}),
    (["-v", "ask", QUESTION], {"COACH_LLM": "openai-compatible:m", "COACH_LLM_BASE_URL": ""}),
    (["-v", "ask", ""], {}),
]


@pytest.mark.parametrize(("args", "overrides"), COMMANDS, ids=lambda v: " ".join(v) or "env")
def test_cli_commands_and_errors_never_print_a_secret(
    args: list[str], overrides: dict[str, str], env: dict[str, str], caplog, capsys
) -> None:
    caplog.set_level(logging.DEBUG)
    result = CliRunner().invoke(app, args, env={**env, **overrides})
    captured = capsys.readouterr()
    everything = "\n".join(
        [
            result.stdout,
            result.stderr,
            caplog.text,
            captured.out,
            captured.err,
            repr(result.exception),
        ]
    )
    assert leaks(everything) == [], everything[-2000:]


def test_the_provider_really_echoed_the_key(env: dict[str, str], echoing_llm, caplog) -> None:
    """Without this, the test above could pass because nothing ever carried the key."""
    caplog.set_level(logging.INFO)
    result = CliRunner().invoke(app, ["ask", "--json", QUESTION], env=env)
    assert json.loads(result.stdout)["mode"] == "extractive_fallback"
    assert echoing_llm.chat_requests[0].status == 401
    assert echoing_llm.chat_requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert MARKER in caplog.text  # the echoed key was there, and was redacted


def test_exception_tracebacks_in_logs_are_redacted(caplog) -> None:
    caplog.set_level(logging.DEBUG)
    secrets_guard.protect(Settings(discord_token=TOKEN, llm_api_key=KEY))
    log = logging.getLogger("coach.test")
    try:
        raise RuntimeError(f"provider said: Incorrect API key provided: {KEY}")
    except RuntimeError:
        log.exception("call failed with token %s", TOKEN)
    log.warning("shortened key ...%s", KEY[-8:])

    assert leaks(caplog.text) == []
    assert caplog.text.count(MARKER) >= 3


async def test_the_bot_never_sends_or_logs_a_secret(env, bundled_index, embedder, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    settings = Settings(
        data_dir=bundled_index,
        knowledge_dir=KNOWLEDGE_DIR,
        cooldown_s=0,
        discord_token=TOKEN,
        llm="openai:fake-model",
        llm_base_url=env["COACH_LLM_BASE_URL"],
        llm_api_key=KEY,
        llm_timeout_s=5,
    )
    coach = CoachApp(settings, embedder=embedder)
    async with fake_discord() as fake, running_bot(coach, fake):
        payload = fake.slash("ask", {"question": QUESTION})
        await fake.interact(payload)
        await fake.callback(payload)
        (followup,) = await fake.followups(payload, timeout=60)

    async with fake_discord() as fake:
        fake.reject_token = True  # Discord refuses the token: the error path of login
        bot = CoachBot(coach)
        with pytest.raises(Exception) as refused:
            await bot.start(TOKEN)
        await bot.close()

    sent = json.dumps([c.json for c in fake.calls], default=str)
    everything = "\n".join([caplog.text, json.dumps(followup.json), sent, repr(refused.value)])
    assert "Sources" in json.dumps(followup.json)  # the member got the extractive answer
    assert leaks(everything) == [], everything[-2000:]
