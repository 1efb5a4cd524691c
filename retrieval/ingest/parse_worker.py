"""Parsing one knowledge file under a time and memory budget, in a worker process (issue 21).

The parsers are bounded where we can bound them (front matter, regexes, nesting), but a
third-party parser can still run long or big on some input (markdown-it on thousands of
unclosed brackets, say). So files are parsed by `parsing.parse_text` in a long-lived child
process started on first use: it caps its own address space (RLIMIT_AS) at what it needed to start
plus PARSE_MEMORY_BYTES, and stops a parse that has used PARSE_SECONDS of CPU time: a
profiling timer interrupts Python code, and RLIMIT_CPU has the kernel end the worker one second
later if it is stuck in C (a regex, libxml2). CPU time, not the clock: on a busy machine a good
file must not look slow. A file over the budget is skipped with a one-line reason, and the
worker is replaced. The worker exits when idle, or when we do.

    python -m retrieval.ingest.parse_worker   # speaks the framed protocol below on stdin/stdout
"""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from retrieval.ingest.limits import PARSE_MEMORY_BYTES, PARSE_SECONDS, LimitError
from retrieval.ingest.parsing import parse_text
from retrieval.models import ParsedDocument

log = logging.getLogger(__name__)

IDLE_SECONDS = 60.0  # an idle worker exits; the next file starts a new one
START_SECONDS = 60.0  # imports on a cold, busy machine
# Only for a worker that stops answering without using CPU (CPU time is capped by the kernel).
SILENT_SECONDS = 60.0
_HEADER = struct.Struct("!II")  # request: metadata length, data length
_LENGTH = struct.Struct("!I")  # reply: length

TOO_SLOW = (
    "reading it took more than {seconds:g} s of computing — the file is unusually large or "
    "oddly built (thousands of lines, brackets or nested tags); split it or save it as plain text"
)
TOO_BIG = (
    "reading it needed more than {mb} MB of memory — the file is unusually large or oddly "
    "built; split it or save it as plain text"
)
CRASHED = "the parser stopped while reading it — save it again as plain text or Markdown"


class ParseWorker:
    """A child process that parses files under a budget; one request at a time (thread-safe)."""

    def __init__(
        self, *, seconds: float = PARSE_SECONDS, memory_bytes: int = PARSE_MEMORY_BYTES
    ) -> None:
        self.seconds = seconds
        self.memory_bytes = memory_bytes
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._last_id = 0
        # What the last parse cost in the worker: CPU seconds, and how far its peak RSS grew
        # (bytes, since it started); the fuzz suite holds these to the budget.
        self.last_cpu = 0.0
        self.last_grown = 0

    def parse(self, data: bytes, *, source: str, suffix: str, stem: str) -> ParsedDocument:
        """parse_text in the worker; LimitError when over budget, KnowledgeError as it raises."""
        with self._lock:
            self._last_id += 1
            meta = json.dumps(
                {
                    "id": self._last_id,
                    "source": source,
                    "suffix": suffix,
                    "stem": stem,
                    "seconds": self.seconds,
                }
            ).encode()
            request = _HEADER.pack(len(meta), len(data)) + meta + data
            reply = self._exchange(self._last_id, request)
            self.last_cpu = float(reply.get("cpu", 0.0))
            self.last_grown = int(reply.get("grown", 0))
        for name, level, message in reply.get("logs", []):
            logging.getLogger(name).log(level, "%s", message)
        return _result(reply, self.seconds, self.memory_bytes)

    def close(self) -> None:
        with self._lock:
            self._stop()

    # -- the child process --------------------------------------------------------------------

    def _exchange(self, request_id: int, request: bytes) -> dict[str, Any]:
        """Send one request and wait for its reply (an error reply when the worker died or
        went silent, and then it is replaced).

        The request is written by a helper thread while this one reads: a parent blocked on a
        full pipe while the worker is blocked writing a reply is a deadlock no deadline ends.
        Replies carry the request's id, so a stray reply can never be taken for this file's.
        """
        for attempt in (1, 2):
            proc = self._running()
            sender = _Sender(proc, request)
            reply = self._read_reply(
                proc, deadline=time.monotonic() + SILENT_SECONDS, request_id=request_id
            )
            sender.join(timeout=1.0)
            if reply is None:
                code = proc.poll()
                self._stop()  # also ends a sender still blocked on the pipe
                sender.join()
                # It exited cleanly (idle) or before reading anything: start again, once.
                if attempt == 1 and (code == 0 or (sender.failed and not sender.sent_any)):
                    continue
                # Still running but silent, or ended by the kernel for its CPU time (stuck in C).
                slow = code is None or code == -signal.SIGXCPU
                return {"error": "slow" if slow else "died"}
            if reply.get("exiting"):
                self._stop()  # it cut a parse short and starts clean
            return reply
        return {"error": "died"}

    def _running(self) -> subprocess.Popen[bytes]:
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        self._stop()
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "retrieval.ingest.parse_worker", str(self.memory_bytes)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        ready = self._read_reply(self._proc, deadline=time.monotonic() + START_SECONDS)
        if not ready or not ready.get("ready"):
            self._stop()
            raise RuntimeError("the file parser process did not start")
        return self._proc

    def _read_reply(
        self, proc: subprocess.Popen[bytes], deadline: float, request_id: int | None = None
    ) -> dict | None:
        """The next reply (for `request_id`, when given: others are dropped), or None."""
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        while True:
            head = _read_exact(fd, _LENGTH.size, deadline)
            if head is None:
                return None
            body = _read_exact(fd, _LENGTH.unpack(head)[0], deadline)
            if body is None:
                return None
            reply: dict = json.loads(body)
            if request_id is None or reply.get("id") == request_id:
                return reply
            log.warning("file parser: dropped a reply for another request")

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()


class _Sender(threading.Thread):
    """Writes one request to the worker's stdin; a failed write is noted, not raised."""

    def __init__(self, proc: subprocess.Popen[bytes], request: bytes) -> None:
        super().__init__(name="parse-worker-send", daemon=True)
        self._proc, self._request = proc, request
        self.failed = False
        self.sent_any = False
        self.start()

    def run(self) -> None:
        stdin = self._proc.stdin
        try:
            assert stdin is not None
            view = memoryview(self._request)
            while view:
                # os.write: a partial write is seen, so a retry knows nothing was read yet.
                written = os.write(stdin.fileno(), view[: 1 << 16])
                self.sent_any = True
                view = view[written:]
        except (BrokenPipeError, OSError, ValueError):
            self.failed = True


def _readable(fd: int, seconds: float) -> bool:
    """Whether `fd` has data (or EOF) within `seconds`. poll, not select: select refuses any
    descriptor numbered 1024 or more, which a long-lived bot or a test run soon hands out."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    return bool(poller.poll(max(0.0, seconds) * 1000))


def _read_exact(fd: int, size: int, deadline: float) -> bytes | None:
    chunks: list[bytes] = []
    left = size
    while left:
        wait = deadline - time.monotonic()
        if wait <= 0 or not _readable(fd, wait):
            return None
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None  # the worker exited
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _result(reply: dict[str, Any], seconds: float, memory_bytes: int) -> ParsedDocument:
    from retrieval.errors import KnowledgeError

    if "document" in reply:
        return ParsedDocument.model_validate(reply["document"])
    kind, reason = reply.get("error"), reply.get("reason", "")
    if kind == "slow":
        raise LimitError(TOO_SLOW.format(seconds=seconds))
    if kind == "memory":
        raise LimitError(TOO_BIG.format(mb=memory_bytes // 1_000_000))
    if kind == "died":
        raise LimitError(CRASHED)
    if kind == "limit":
        raise LimitError(reason)
    if kind == "knowledge":
        raise KnowledgeError(reason)
    log.warning("parsing failed unexpectedly: %s", reason)
    raise KnowledgeError(f"{CRASHED} ({reason})")


_shared: ParseWorker | None = None
_shared_lock = threading.Lock()


def parse_bounded(data: bytes, *, source: str, suffix: str, stem: str) -> ParsedDocument:
    """parse_text under the budget, in this process's shared worker (started on first use)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ParseWorker()
        worker = _shared
    try:
        return worker.parse(data, source=source, suffix=suffix, stem=stem)
    except (RuntimeError, OSError) as exc:  # no worker (a platform without fork/pipes...)
        log.warning("file parser process unavailable (%s); parsing %s unbounded", exc, source)
        return parse_text(data, source=source, suffix=suffix, stem=stem)


# -- the worker side ------------------------------------------------------------------------------


class _OverBudget(Exception):
    pass


def _serve(memory_bytes: int) -> None:
    import math
    import resource

    import trafilatura  # noqa: F401

    # Everything a parse may import, imported now: the address-space cap is set after this.
    import retrieval.ingest.cleaning
    import retrieval.ingest.loaders
    import retrieval.ingest.sections  # noqa: F401
    from retrieval.errors import KnowledgeError

    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr  # a stray print must not break the protocol
    cap = _vm_bytes() + memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    def over_budget(signum: int, frame: object) -> None:
        raise _OverBudget

    signal.signal(signal.SIGPROF, over_budget)
    logs = _LogCollector()
    logging.basicConfig(level=logging.INFO, handlers=[logs], force=True)
    started_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    _send(out, {"ready": True})
    stdin = sys.stdin.buffer
    while _readable(stdin.fileno(), IDLE_SECONDS):
        head = stdin.read(_HEADER.size)
        if len(head) < _HEADER.size:
            return
        meta_len, data_len = _HEADER.unpack(head)
        meta = json.loads(stdin.read(meta_len))
        data = stdin.read(data_len)
        cpu = time.process_time()
        seconds = float(meta["seconds"])
        # The kernel's backstop, a second after the timer: ends the worker even inside C code.
        cpu_cap = math.ceil(cpu + seconds) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_cap, resource.RLIM_INFINITY))
        reply: dict[str, Any]
        fatal = False
        try:
            signal.setitimer(signal.ITIMER_PROF, seconds)
            doc = parse_text(data, source=meta["source"], suffix=meta["suffix"], stem=meta["stem"])
            signal.setitimer(signal.ITIMER_PROF, 0)
            reply = {"document": doc.model_dump(mode="json")}
        except _OverBudget:
            reply, fatal = {"error": "slow"}, True
        except MemoryError:
            reply, fatal = {"error": "memory"}, True
        except LimitError as exc:
            reply = {"error": "limit", "reason": str(exc)}
        except KnowledgeError as exc:
            reply = {"error": "knowledge", "reason": str(exc)}
        except RecursionError:
            reply = {"error": "limit", "reason": "it is nested too deeply to read"}
        except Exception as exc:  # any other parser failure skips this file, not the run
            reply = {"error": "other", "reason": f"{type(exc).__name__}: {exc}"[:200]}
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        if _vm_bytes("VmPeak:") > cap - 8_000_000:
            # Parsers that fail to allocate often say something else ("no text left"); and
            # the peak only resets in a new worker.
            fatal = True
            if "error" in reply:
                reply = {"error": "memory"}
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - started_rss
        reply.update(
            id=meta.get("id"),
            cpu=time.process_time() - cpu,
            grown=grown,
            logs=logs.take(),
            exiting=fatal,
        )
        try:
            _send(out, reply)
        except MemoryError:
            _send(out, {"error": "memory", "id": meta.get("id")})
            return
        if fatal:
            return  # after a cut parse, start clean


class _LogCollector(logging.Handler):
    """Log records of one parse, sent back with its reply and logged again by the parent."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()[:500]))

    def take(self) -> list[tuple[str, int, str]]:
        taken, self.records = self.records[:100], []
        return taken


def _send(out: Any, message: dict[str, Any]) -> None:
    body = json.dumps(message).encode()
    out.write(_LENGTH.pack(len(body)) + body)
    out.flush()


def _vm_bytes(field: str = "VmSize:") -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 * 4


if __name__ == "__main__":
    _serve(int(sys.argv[1]) if len(sys.argv) > 1 else PARSE_MEMORY_BYTES)
