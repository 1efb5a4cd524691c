"""Server mode: the index lives in a real `chroma run` process reached over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.chroma_store import COLLECTION_PREFIX
from retrieval.errors import IndexUnavailableError
from retrieval.live_index import open_retriever, open_store, refresh_index
from tests.retrieval.conftest import CountingEmbedder, write_articles

pytestmark = pytest.mark.server

CHROMA = Path(sys.executable).parent / "chroma"
STARTUP_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def heartbeat(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def start_server(root: Path, port: int) -> subprocess.Popen:
    """`chroma run` on `root/db`, waited for until it answers its heartbeat."""
    url = f"http://127.0.0.1:{port}"
    log = (root / "server.log").open("ab")
    argv = [str(CHROMA), "run", "--path", str(root / "db"), "--host", "127.0.0.1"]
    server = subprocess.Popen([*argv, "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    log.close()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not heartbeat(url):
        if server.poll() is not None:
            pytest.fail(f"chroma run exited early:\n{(root / 'server.log').read_text()}")
        if time.monotonic() > deadline:
            stop_server(server)
            pytest.fail(f"chroma run gave no heartbeat in {STARTUP_TIMEOUT_S} s")
        time.sleep(0.25)
    return server


def stop_server(server: subprocess.Popen, *, kill: bool = False) -> None:
    if kill:
        server.kill()
    else:
        server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    server = start_server(root, port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(server)


def test_index_and_search_through_the_server(chroma_url: str, tmp_path: Path, embedder) -> None:
    import chromadb

    knowledge = write_articles(tmp_path / "knowledge")
    data_dir = tmp_path / "data"
    counting = CountingEmbedder(embedder)
    retriever = open_retriever(knowledge, data_dir, counting, chroma_url=chroma_url)

    hits = retriever.search("how do I run a hill session", 3).hits
    assert hits[0].source == "hill-repeats.md"
    # The collection is on the server, not in an embedded store under the data dir.
    port = int(chroma_url.rsplit(":", 1)[1])
    client = chromadb.HttpClient(
        host="127.0.0.1", port=port, settings=chromadb.Settings(anonymized_telemetry=False)
    )
    names = [c if isinstance(c, str) else c.name for c in client.list_collections()]
    assert retriever.manifest.collection in names
    assert retriever.manifest.collection.startswith(COLLECTION_PREFIX)
    assert client.get_collection(retriever.manifest.collection).count() == 2 * len(
        retriever.chunks()
    )
    assert not (data_dir / "chroma").exists()

    # Incremental over HTTP too: a second run with a fresh client embeds nothing.
    texts = counting.texts
    report = refresh_index(knowledge, data_dir, open_store(data_dir, chroma_url), counting)
    assert (report.embedded, report.switched) == (0, False)
    assert counting.texts == texts


def test_dead_server_is_a_readable_error(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(IndexUnavailableError) as caught:
        open_store(tmp_path / "data", url)
    message = str(caught.value)
    assert url in message
    assert "chroma run" in message
    assert "COACH_CHROMA_URL" in message


@pytest.mark.parametrize("url", ["http://", "http://:8000"])
def test_malformed_url_is_a_readable_error(tmp_path: Path, url: str) -> None:
    with pytest.raises(IndexUnavailableError, match="is not a URL"):
        open_store(tmp_path / "data", url)


def test_bot_and_indexer_as_separate_processes(chroma_url: str, tmp_path: Path, embedder) -> None:
    """The README's server mode: the bot serves, a separate `coach index` process writes; both
    share COACH_DATA_DIR (the manifest is the live pointer) and COACH_CHROMA_URL."""
    knowledge = write_articles(tmp_path / "knowledge")
    data_dir = tmp_path / "data"
    bot = open_retriever(knowledge, data_dir, embedder, chroma_url=chroma_url)
    assert all(c.source != "tempo-runs.md" for c in bot.chunks())
    (knowledge / "tempo-runs.md").write_text(TEMPO, encoding="utf-8")
    env = {
        **os.environ,
        "COACH_CHROMA_URL": chroma_url,
        "COACH_DATA_DIR": str(data_dir),
        "COACH_KNOWLEDGE_DIR": str(knowledge),
    }
    indexer = subprocess.run(
        [str(Path(sys.executable).parent / "coach"), "index"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert indexer.returncode == 0, indexer.stderr
    assert "tempo-runs.md" in indexer.stdout
    assert bot.search("how hard should a tempo run feel", 3).hits[0].source == "tempo-runs.md"
    assert not (data_dir / "chroma").exists()  # nothing embedded: all in the server


def test_server_dying_mid_session_keeps_answering_then_reconnects(tmp_path: Path, embedder) -> None:
    root = tmp_path / "server"
    root.mkdir()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_server(root, port)
    try:
        knowledge = write_articles(tmp_path / "knowledge")
        data_dir = tmp_path / "data"
        store = open_store(data_dir, url)
        retriever = open_retriever(knowledge, data_dir, embedder, store=store)
        stop_server(server, kill=True)

        # Answers keep coming from the generation in memory.
        assert retriever.search("how do I run a hill session", 3).hits[0].source == (
            "hill-repeats.md"
        )
        (knowledge / "tempo-runs.md").write_text(TEMPO, encoding="utf-8")
        with pytest.raises(IndexUnavailableError) as caught:
            refresh_index(knowledge, data_dir, store, embedder)
        message = str(caught.value)
        assert url in message and "\n" not in message
        assert retriever.search("hill session", 3).hits  # still serving

        server = start_server(root, port)  # back, same data
        report = refresh_index(knowledge, data_dir, store, embedder)  # same client reconnects
        assert report.added == ["tempo-runs.md"]
        assert retriever.refresh()
        assert retriever.search("how hard should a tempo run feel", 3).hits[0].source == (
            "tempo-runs.md"
        )
    finally:
        stop_server(server)


TEMPO = """# Tempo runs

## What a tempo run is

A tempo run is twenty minutes at a comfortably hard effort, the pace you could race for about
an hour. It teaches the body to clear lactate and to hold form while tired.
"""
