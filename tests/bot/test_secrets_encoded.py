"""An API key a provider echoes base64- or percent-encoded is redacted too, in every output."""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from urllib.parse import quote

import pytest
from typer.testing import CliRunner

from answering import redaction
from answering.redaction import MARKER, Redactor
from bot import secrets_guard
from bot.cli import app
from tests.conftest import KNOWLEDGE_DIR
from tests.fakes.openai_server import FakeOpenAIServer, echoing_key_401

# Characters that base64 and percent-encoding both change.
KEY = "sk-test/SECRET+key=a1b2c3d4e5f6g7h8i9j0"
QUESTION = "Should I foam roll before or after a run?"


def encodings(value: str) -> dict[str, str]:
    raw = value.encode()
    return {
        "plain": value,
        "base64": base64.b64encode(raw).decode(),
        "base64url": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "percent (quoted)": quote(value, safe=""),
        "percent (every byte)": "".join(f"%{b:02X}" for b in raw),
        "percent (lower case)": "".join(f"%{b:02x}" for b in raw),
    }


@pytest.fixture(autouse=True)
def _restore_logging():
    yield
    redaction.uninstall()
    secrets_guard._current = Redactor()


@pytest.mark.parametrize("encoding", ["base64"])  # percent and URL-safe: the unit test below
def test_an_encoded_echo_of_the_key_is_redacted(
    encoding: str, bundled_index: Path, embedder, caplog, capsys, monkeypatch
) -> None:
    monkeypatch.setattr("retrieval.embedding.SentenceTransformerEmbedder", lambda *a, **k: embedder)
    caplog.set_level(logging.DEBUG)
    with FakeOpenAIServer(reply="never used") as server:
        server.enqueue(*[echoing_key_401(encoding) for _ in range(10)])
        env = {
            "COACH_LLM_API_KEY": KEY,
            "COACH_LLM": "openai:fake-model",
            "COACH_LLM_BASE_URL": server.base_url,
            "COACH_LLM_TIMEOUT_S": "5",
            "COACH_KNOWLEDGE_DIR": str(KNOWLEDGE_DIR),
            "COACH_DATA_DIR": str(bundled_index),
        }
        result = CliRunner().invoke(app, ["-v", "ask", QUESTION], env=env)
        assert server.chat_requests and server.chat_requests[0].status == 401
    captured = capsys.readouterr()
    everything = "\n".join([result.output, caplog.text, captured.out, captured.err])
    leaked = [name for name, form in encodings(KEY).items() if form in everything]
    assert leaked == [], everything[-2000:]
    assert MARKER in caplog.text  # the encoded key was there, and was redacted


@pytest.mark.parametrize("prefix", ["", "x", "xy", "Bearer "])
def test_base64_of_the_key_inside_a_longer_blob_is_redacted(prefix: str) -> None:
    """A key encoded with other bytes around it (any alignment) is still found."""
    blob = base64.b64encode(f"{prefix}{KEY} trailing".encode()).decode()
    redacted = Redactor([KEY]).redact(f"auth={blob}")
    key_b64 = base64.b64encode(KEY.encode()).decode()
    assert key_b64[4:-4] not in redacted and MARKER in redacted


def test_every_encoding_of_the_key_is_redacted() -> None:
    redactor = Redactor([KEY])
    for name, form in encodings(KEY).items():
        assert redactor.redact(f"said: {form}.") == f"said: {MARKER}.", name
