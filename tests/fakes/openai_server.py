"""A loopback fake of an OpenAI-compatible server: POST /v1/chat/completions, GET /v1/models.

Runs a real HTTP server on 127.0.0.1 in a background thread, so it serves sync and async
tests alike. Behaviour is scriptable per test: the reply text (a function of the request's
messages), a queue of one-off responses (status codes, Retry-After, malformed bodies) and a
delay. Every request is recorded.

    with FakeOpenAIServer(reply=lambda messages: "Foam roll after [1].") as llm:
        settings = Settings(llm="openai:fake", llm_base_url=llm.base_url, llm_api_key="x")
        ...
        assert llm.calls == 1
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Messages = list[dict[str, Any]]
ReplyFn = Callable[[Messages], str]


@dataclass
class Scripted:
    """One queued response. `body` replaces the whole JSON body (str = sent as is)."""

    status: int = 200
    text: str | None = None
    body: str | dict | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    # Send the body one byte at a time, this many seconds apart (a server that never times out).
    trickle_s: float = 0.0
    # Put the request's Authorization header in the error message (a provider echoing the key),
    # as it is, or encoded: "base64", "base64url" or "percent" (every byte as %XX).
    echo_auth: bool | str = False
    # Never answer: hold the request until the server stops, then drop the connection.
    hang: bool = False


@dataclass
class RecordedRequest:
    method: str
    path: str
    body: dict[str, Any]
    status: int = 0
    server_ms: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    trickle_s: float = 0.0

    @property
    def messages(self) -> Messages:
        return list(self.body.get("messages", []))

    def text_of(self, role: str) -> str:
        """All message contents of one role, joined (system/user/assistant)."""
        return "\n".join(_content(m) for m in self.messages if m.get("role") == role)


def error_response(
    status: int, retry_after: str | None = None, *, retry_after_ms: str | None = None
) -> Scripted:
    """An OpenAI-style error body, with Retry-After (seconds) or retry-after-ms when given."""
    headers = {}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    if retry_after_ms is not None:
        headers["retry-after-ms"] = retry_after_ms
    body = {"error": {"message": f"fake error {status}", "type": "server_error", "code": None}}
    return Scripted(status=status, body=body, headers=headers)


def trickling_response(text: str = "Warm up first [1].", every_s: float = 0.2) -> Scripted:
    """A 200 whose body arrives one byte every `every_s` seconds: each read is quick, the whole
    body takes minutes, so only a wall-clock cap stops it."""
    return Scripted(status=200, text=text, trickle_s=every_s)


def echoing_key_401(encoding: str = "") -> Scripted:
    """A 401 whose message repeats the API key it was sent, as some providers do (encoded, if
    `encoding` says how: "base64", "base64url", "percent")."""
    return Scripted(status=401, echo_auth=encoding or True)


def encode_echo(key: str, encoding: str) -> str:
    """The key as a provider might echo it."""
    import base64

    if encoding == "base64":
        return base64.b64encode(key.encode()).decode()
    if encoding == "base64url":
        return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")
    if encoding == "percent":
        return "".join(f"%{byte:02X}" for byte in key.encode())
    return key


def hanging_response() -> Scripted:
    """A request the server holds without a byte of reply until it stops (then hangs up)."""
    return Scripted(hang=True)


def malformed_response() -> Scripted:
    """A 200 whose body is not JSON at all."""
    return Scripted(status=200, body='{"id": "chatcmpl-broken", "choices": [ {"mess')


class FakeOpenAIServer:
    """The fake server. Use as a (async) context manager, or call start()/stop()."""

    def __init__(
        self,
        reply: ReplyFn | str = "I don't know.",
        *,
        delay_s: float = 0.0,
        script: Iterable[Scripted] = (),
        model: str = "fake-model",
    ) -> None:
        self.reply: ReplyFn | str = reply
        self.delay_s = delay_s
        self.model = model
        self.requests: list[RecordedRequest] = []
        self._script: list[Scripted] = list(script)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._ids = itertools.count(1)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeOpenAIServer:
        handler = type("_Handler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in a delay
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> FakeOpenAIServer:
        return self.start()

    async def __aexit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting and inspection ----------------------------------------------------------
    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("FakeOpenAIServer is not running; use it as a context manager")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def enqueue(self, *responses: Scripted) -> None:
        """Queue one-off responses, served in order before the default reply."""
        with self._lock:
            self._script.extend(responses)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def calls(self) -> int:
        return len(self.chat_requests)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._script.clear()

    # -- serving ---------------------------------------------------------------------------
    def _next(self) -> Scripted | None:
        with self._lock:
            return self._script.pop(0) if self._script else None

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    def _completion(self, request: RecordedRequest) -> tuple[int, dict[str, str], bytes] | None:
        """The reply to send, or None to hang up without one."""
        scripted = self._next() or Scripted()
        if scripted.hang:
            self._stopping.wait()
            return None
        self._sleep(scripted.delay_s or self.delay_s)
        request.trickle_s = scripted.trickle_s
        if scripted.echo_auth:
            auth = request.headers.get("authorization", "")
            key = auth.removeprefix("Bearer ").strip()
            if isinstance(scripted.echo_auth, str):
                key = encode_echo(key, scripted.echo_auth)
            message = f"Incorrect API key provided: {key}. You can find your API key in settings."
            body = {"error": {"message": message, "type": "invalid_request_error",
                              "code": "invalid_api_key"}}  # fmt: skip
            return scripted.status, scripted.headers, json.dumps(body).encode()
        if scripted.body is not None:
            raw = scripted.body if isinstance(scripted.body, str) else json.dumps(scripted.body)
            return scripted.status, scripted.headers, raw.encode()
        if scripted.text is not None:
            text = scripted.text
        elif callable(self.reply):
            text = self.reply(request.messages)
        else:
            text = self.reply
        body = {
            "id": f"chatcmpl-fake-{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.body.get("model", self.model),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        }
        return scripted.status, scripted.headers, json.dumps(body).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
    fake: FakeOpenAIServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            models = {"object": "list", "data": [{"id": self.fake.model, "object": "model"}]}
            self._send(200, {}, json.dumps(models).encode())
        else:
            self._send(404, {}, b'{"error": {"message": "not found"}}')

    def do_POST(self) -> None:
        started = time.perf_counter()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            body = {"_raw": raw.decode("utf-8", "replace")}
        request = RecordedRequest(
            method="POST",
            path=self.path,
            body=body,
            headers={k.lower(): v for k, v in self.headers.items()},
        )
        self.fake._record(request)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            request.status = 404
            self._send(404, {}, b'{"error": {"message": "not found"}}')
            return
        reply = self.fake._completion(request)
        if reply is None:
            self.close_connection = True
            return
        status, headers, payload = reply
        request.status = status
        request.server_ms = (time.perf_counter() - started) * 1000
        self._send(status, headers, payload, trickle_s=request.trickle_s)

    def _send(
        self, status: int, headers: dict[str, str], payload: bytes, *, trickle_s: float = 0.0
    ) -> None:
        try:
            self.send_response(status, HTTPStatus(status).phrase)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if trickle_s <= 0:
                self.wfile.write(payload)
                return
            self.wfile.flush()
            for i in range(len(payload)):
                if self.fake._stopping.wait(trickle_s):
                    return  # the server is stopping: abandon the trickle
                self.wfile.write(payload[i : i + 1])
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to answer


def _content(message: dict[str, Any]) -> str:
    content = message.get("content", "")
    if isinstance(content, list):  # content parts
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return str(content or "")
