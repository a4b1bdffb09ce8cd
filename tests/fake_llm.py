"""A local OpenAI-compatible chat-completions server, so litellm runs for real in tests.

It speaks the wire protocol of ``POST /v1/chat/completions`` (the one vLLM, Ollama and
most gateways copy) and can misbehave the way real providers do, per model name:

- an HTTP status (429 with ``Retry-After``, 500, ...) with an OpenAI-style error body;
- ``"timeout"``: answer only after ``slow_seconds``, longer than the client waits;
- ``"hang"``: never answer: hold the connection open until the server stops;
- ``"malformed-body"``: a 200 whose body is not JSON at all;
- ``"malformed-json"``: a well-formed completion whose content is not the agreed JSON.

Faults are given per model as one fault (always) or a list consumed one request at a
time whose last element then repeats: ``{"gpt-4o-mini": [429, "ok"]}`` fails once.
Every request is recorded (model, body, Authorization header) for the assertions.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Fault = int | str  # an HTTP status, "ok", "timeout", "hang", "malformed-body" or "malformed-json"
Reply = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any] | str]

NARRATIVE = {
    "summary": "Cached session lookups in memory for the web app, cutting p95 latency from 420 ms to 180 ms.",
    "achievement": "Cut p95 latency from 420 ms to 180 ms by caching session lookups (acme/web-app#1).",
    "star": {
        "situation": "Session lookups hit the database on every request.",
        "task": "Make session lookups fast without changing their behaviour.",
        "action": "Added an in-memory cache for session lookups with tests.",
        "result": "p95 latency fell from 420 ms to 180 ms.",
    },
    "skills": ["Python", "caching", "performance optimisation"],
}


class FakeLLMProvider:
    """Answers POST /v1/chat/completions with ``reply`` (or a fault) and records every request."""

    def __init__(
        self,
        reply: Reply | None = None,
        faults: dict[str, Fault | list[Fault]] | None = None,
        *,
        status: int = 200,
        slow_seconds: float = 3.0,
        usage: tuple[int, int] = (50, 20),
    ) -> None:
        self.reply: Reply = reply if reply is not None else NARRATIVE
        self.default_fault: Fault = "ok" if status == 200 else status
        self.faults = {model: list(f) if isinstance(f, list) else [f] for model, f in (faults or {}).items()}
        self.slow_seconds = slow_seconds
        self.usage = usage
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()  # releases the "hang" requests on exit
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                model = str(body.get("model", ""))
                fault = provider._next_fault(model)
                with provider._lock:
                    provider.requests.append(
                        {"path": self.path, "model": model, "body": body, "auth": self.headers.get("Authorization")}
                    )
                if fault == "hang":
                    provider._stopping.wait()
                    return
                if fault == "timeout":
                    time.sleep(provider.slow_seconds)
                    fault = "ok"
                if fault == "malformed-body":
                    self._send(200, b'{"id": "chatcmpl-fake", "choices": [')
                elif isinstance(fault, int):
                    error = {"error": {"message": f"fake provider fault {fault}", "type": "server_error"}}
                    headers = {"Retry-After": "1"} if fault == 429 else {}
                    self._send(fault, json.dumps(error).encode(), headers)
                else:
                    content = "Sure! Here is the summary you asked for" if fault == "malformed-json" else None
                    self._send(200, json.dumps(provider._completion(body, content)).encode())

            def _send(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True  # a "timeout" request must not hold up shutdown
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _next_fault(self, model: str) -> Fault:
        with self._lock:
            queue = self.faults.get(model.split("/")[-1]) or self.faults.get(model)
            if not queue:
                return self.default_fault
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def _completion(self, body: dict[str, Any], content: str | None) -> dict[str, Any]:
        if content is None:
            reply = self.reply(body) if callable(self.reply) else self.reply
            content = reply if isinstance(reply, str) else json.dumps(reply)
        prompt_tokens, completion_tokens = self.usage
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def models_called(self) -> list[str]:
        """The model of every request, in arrival order."""
        return [r["model"] for r in self.requests]

    def __enter__(self) -> FakeLLMProvider:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
