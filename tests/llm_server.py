"""A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions protocol, scripted per test.

Tests and the benchmark point the `openai` engine at it instead of a model, so no test needs the network:

    with LLMServer(reply(valid_draft()), failure(500, "boom")) as server:
        engine = OpenAIEngine(model="m", base_url=server.url, ...)

Replies are served in the order given; the last one repeats once the script runs out. The server records
every request it receives (headers, JSON body, time spent handling it) and the most requests it ever had
in flight at once. With `accepts_schema=False` it answers any `response_format` of type json_schema with
a 400, the way servers without structured-output support do, without using up a scripted reply.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    """One scripted answer: a 200 completion carrying `content`, or an error `status` with `message`."""

    content: str = ""
    status: int = 200
    message: str = ""
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    finish_reason: str = "stop"


def reply(content: str, *, delay: float = 0.0) -> Reply:
    """A completion whose message content is `content`, sent after `delay` seconds."""
    return Reply(content=content, delay=delay)


def failure(status: int, message: str = "scripted failure", **headers: str) -> Reply:
    """An error answer in OpenAI's envelope; headers use underscores for dashes (retry_after_ms=...)."""
    return Reply(status=status, message=message, headers={k.replace("_", "-"): v for k, v in headers.items()})


@dataclass
class Received:
    """A request as the server saw it."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    arrived: float
    handled: float = 0.0  # seconds between reading the request and finishing the answer

    @property
    def messages(self) -> list[dict[str, str]]:
        return self.body.get("messages", [])

    @property
    def response_format(self) -> str | None:
        return (self.body.get("response_format") or {}).get("type")


class LLMServer:
    """A scripted OpenAI-compatible server on a free loopback port; use it as a context manager."""

    def __init__(self, *script: Reply, accepts_schema: bool = True) -> None:
        self.script: deque[Reply] = deque(script or [Reply(content="{}")])
        self.accepts_schema = accepts_schema
        self.requests: list[Received] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The API root to give the engine as its base URL."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> LLMServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()  # wakes handlers still sleeping on a slow reply
        self._httpd.shutdown()
        self._httpd.server_close()

    def next_reply(self, body: dict[str, Any]) -> Reply:
        fmt = (body.get("response_format") or {}).get("type")
        if fmt == "json_schema" and not self.accepts_schema:
            return failure(400, "response_format of type json_schema is not supported by this server")
        with self._lock:
            return self.script.popleft() if len(self.script) > 1 else self.script[0]

    def _enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1


def _completion(body: dict[str, Any], answer: Reply) -> dict[str, Any]:
    return {
        "id": "chatcmpl-loopback",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "loopback"),
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": answer.content}, "finish_reason": answer.finish_reason}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _handler_for(server: LLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real API servers do
        disable_nagle_algorithm = True

        def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            started = time.perf_counter()
            server._enter()
            try:
                body = json.loads(raw or b"{}")
                seen = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body, arrived=time.monotonic())
                with server._lock:
                    server.requests.append(seen)
                answer = server.next_reply(body)
                if answer.delay:
                    server._stopping.wait(answer.delay)
                if not self.path.endswith("/chat/completions"):
                    answer = failure(404, f"no route {self.path}")
                self._send(body, answer)
                seen.handled = time.perf_counter() - started
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test); nothing to answer
            finally:
                server._leave()

        def _send(self, body: dict[str, Any], answer: Reply) -> None:
            if answer.status == 200:
                payload = _completion(body, answer)
            else:
                payload = {"error": {"message": answer.message, "type": "loopback_error", "param": None, "code": None}}
            data = json.dumps(payload).encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature from http.server
            pass  # keep test output clean

    return Handler


def valid_draft(topic: str = "difficulty asking for help") -> str:
    """A page that passes every check: the built-in engine's sections for `topic`, as the model's JSON."""
    from innermeaning.engines.builtin import BuiltinEngine
    from innermeaning.knowledge import load_knowledge
    from innermeaning.pipeline import make_plan

    kb = load_knowledge()
    return BuiltinEngine(kb).compose(make_plan(topic, kb)).model_dump_json()
