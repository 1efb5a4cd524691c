"""The URL fetch's wall-clock limit against every slow-server shape (issue 21).

Each shape is a loopback server from `tests/fakes/slow_servers.py` that keeps every socket
read short (a byte a second, or a redirect every few seconds), so only a limit on the whole
fetch stops it. For each shape: `fetch_url` in this process, and `coach kb add URL --yes` as a
fresh process; the baseline measured in the same run is the same command refused before any
fetch (an ftp:// link), i.e. the process's own start-up and exit.

    .venv/bin/python -m benchmarks.bench_fetch_deadline [--limit 8]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from library.errors import FetchError
from library.fetch import fetch_url
from tests.fakes.slow_servers import (
    Handler,
    body_trickled,
    headers_trickled,
    never_accepts,
    serve_raw,
    slow_redirects,
)

COACH = Path(sys.executable).with_name("coach")


def _raw(handler: Handler) -> Callable[[], AbstractContextManager[int]]:
    @contextmanager
    def serve() -> Iterator[int]:
        with serve_raw(handler) as (port, _paths):
            yield port

    return serve


SHAPES: dict[str, Callable[[], AbstractContextManager[int]]] = {
    "slow connect (queue full, never accepted)": never_accepts,
    "headers trickled, 1 byte/s": _raw(headers_trickled(1.0)),
    "body trickled, 1 byte/s": _raw(body_trickled(1.0)),
    "slow redirects, 3 s a hop": _raw(slow_redirects(3.0)),
}


def _coach(url: str, env: dict[str, str]) -> tuple[float, str]:
    started = time.monotonic()
    done = subprocess.run(
        [str(COACH), "kb", "add", url, "--yes"], env=env, capture_output=True, text=True
    )
    return time.monotonic() - started, " ".join(done.stderr.split())[-90:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=8.0, help="COACH_KB_FETCH_TIMEOUT_S")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="fetch-deadline-"))
    env = {
        **os.environ,
        "COACH_KB_FETCH_TIMEOUT_S": f"{args.limit:g}",
        "COACH_KB_ALLOW_HOSTS": "127.0.0.1",
        "COACH_DATA_DIR": str(root / "data"),
        "COACH_KNOWLEDGE_DIR": str(root / "knowledge"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    baseline, _ = _coach("ftp://example.org/a.md", env)
    print(f"limit {args.limit:g} s; baseline (coach kb add refused before fetching): "
          f"{baseline:.2f} s")  # fmt: skip
    worst = 0.0
    for name, serve in SHAPES.items():
        with serve() as port:
            url = f"http://127.0.0.1:{port}/hop/0"
            started = time.monotonic()
            try:
                fetch_url(url, max_bytes=5_000_000, timeout_s=args.limit, allow_hosts=["127.0.0.1"])
                verdict = "fetched (!)"
            except FetchError as exc:
                verdict = str(exc)[:40]
            in_process = time.monotonic() - started
        with serve() as port:
            total, said = _coach(f"http://127.0.0.1:{port}/hop/0", env)
        worst = max(worst, in_process, total - baseline)
        print(f"{name}: fetch_url {in_process:.2f} s ({verdict}); coach kb add {total:.2f} s, "
              f"{total - baseline:.2f} s over the baseline; said: {said}")  # fmt: skip
    print(f"worst: {worst:.2f} s against the limit {args.limit:g} s (target: limit + 1 s)")
    return 0 if worst <= args.limit + 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
