"""A local OpenAI-compatible HTTP server for tests: real sockets, real SSE, faults on demand.

Start it with ``with FakeOpenAI() as server: ...`` and point a client at ``server.base_url``.
The model name selects the behaviour:

- ``fake-model``: echoes ("You said: …"), streamed word by word, with usage; calls a tool when the
  user message names one, with the JSON object found in the message as arguments; after a tool
  result, answers "Tool result: …".
- ``fault-slow`` (no answer for ``slow_s``), ``fault-stall`` (two chunks, then silence for
  ``stall_s``), ``fault-cut`` (two chunks, then the connection closes), ``fault-401``,
  ``fault-429`` (Retry-After: ``retry_after``), ``fault-429-noheader``, ``fault-429-once``,
  ``fault-500``, ``fault-503``, ``fault-503-once``, ``fault-malformed`` (invalid JSON in the
  stream), ``fault-badargs`` (a tool call with invalid JSON arguments, then an answer),
  ``fault-toolloop`` (tool calls forever), ``fault-context`` (400 context_length_exceeded),
  ``fault-ping`` (one token, then only SSE comments ``: ping`` every ``ping_s``),
  ``fault-ping-first`` (SSE comments only; both for ``ping_for_s`` at most), ``fault-badbody``
  (HTTP 200, a JSON content type and a body that is not JSON), ``fault-badshape`` (SSE chunks
  that are JSON but not chunks),
  ``fault-echo-401`` / ``fault-echo-500`` / ``fault-echo-400`` (an error whose message echoes the
  Authorization header and the request URL, as careless proxies do).
- ``fake-delay-<ms>`` (e.g. ``fake-delay-600``): like ``fake-model`` after waiting <ms> before the
  first byte (a fixed, known provider latency for concurrency tests and benchmarks).
- any other name: 404 model_not_found. The key ``bad-key`` gets 401.
- ``/embeddings`` answers hash vectors; the embedding model ``embed-nodata`` gets HTTP 200 without
  ``data``, ``embed-slow`` no answer for ``slow_s``, ``embed-echo-500`` an error echoing the
  Authorization header.

``reply_delay_s`` delays every fake-model answer (a model that takes its time, for benchmarks).
A grading request (system prompt "You grade …") from a model-graded suite check gets "PASS".
A tagging request (system prompt "You tag …", studio.chat.model_tagging) gets the JSON object
written in the customer message (so a test chooses the model's answer), else fixed valid tags.

Every request body is kept in ``server.requests`` for assertions, with its path, query string
and Authorization header.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODELS = ("fake-model",)
FAULTS = (
    "fault-slow", "fault-stall", "fault-cut", "fault-401", "fault-429", "fault-429-noheader",
    "fault-429-once", "fault-500", "fault-503", "fault-503-once", "fault-malformed",
    "fault-badargs", "fault-toolloop", "fault-context", "fault-ping", "fault-ping-first",
    "fault-badbody", "fault-badshape", "fault-echo-401", "fault-echo-500", "fault-echo-400",
)  # fmt: skip


def closed_port() -> int:
    """A local port nothing listens on (for "connection refused")."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeOpenAI:
    def __init__(
        self,
        *,
        slow_s: float = 3.0,
        stall_s: float = 3.0,
        retry_after: str = "1",
        reply_delay_s: float = 0.0,
        ping_s: float = 0.2,
        ping_for_s: float = 20.0,
    ) -> None:
        self.slow_s, self.stall_s, self.retry_after = slow_s, stall_s, retry_after
        self.reply_delay_s = reply_delay_s
        self.ping_s, self.ping_for_s = ping_s, ping_for_s
        self.requests: list[dict[str, Any]] = []
        self.hits: dict[str, int] = {}
        self.stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def count(self, model: str) -> int:
        self.hits[model] = self.hits.get(model, 0) + 1
        return self.hits[model]


def _chunk(model: str, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _tool_call(name: str, arguments: str, call_id: str = "call_1") -> dict[str, Any]:
    return {"index": 0, "id": call_id, "type": "function",
            "function": {"name": name, "arguments": arguments}}  # fmt: skip


def _plan(body: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """What fake-model answers: (text, tool calls)."""
    messages = body.get("messages") or []
    last = messages[-1] if messages else {}
    if str(messages[0].get("content") or "").startswith("You grade") if messages else False:
        return "PASS\nThe reply meets the rubric.", []
    if str(messages[0].get("content") or "").startswith("You tag") if messages else False:
        found = re.search(r"\{.*\}", str(last.get("content") or ""), re.S)
        answer = '{"intent": "other", "emotion": "neutral", "urgency": "low"}'
        return (found.group(0) if found else answer), []
    tools = [t["function"]["name"] for t in body.get("tools") or []]
    if last.get("role") == "tool":
        content = re.sub(r"</?tool_result[^>]*>", "", str(last.get("content"))).strip()
        return f"Tool result: {content}", []
    user = str(last.get("content") or "")
    for name in tools:
        if name in user:
            found = re.search(r"\{.*\}", user, re.S)
            return "", [_tool_call(name, found.group(0) if found else "{}")]
    return f"You said: {user}", []


def _handler(server: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # no keep-alive: each response ends when the socket closes

        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _error(
            self, status: int, message: str, code: str, headers: dict[str, str] | None = None
        ) -> None:
            self._json(
                status, {"error": {"message": message, "type": "error", "code": code}}, headers
            )

        def do_GET(self) -> None:
            if self.path.rstrip("/") == "/v1/models":
                ids = [*MODELS, *FAULTS]
                self._json(200, {"object": "list",
                                 "data": [{"id": m, "object": "model", "created": 0,
                                           "owned_by": "fake"} for m in ids]})  # fmt: skip
            else:
                self._error(404, "not found", "not_found")

        @property
        def raw_url(self) -> str:
            return f"http://{self.headers.get('Host', '')}{self.requestline.split(' ')[1]}"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            auth = self.headers.get("Authorization", "")
            path, _, query = self.path.partition("?")
            self.path = path
            server.requests.append(
                {"path": path, "query": query, "authorization": auth, "body": body}
            )
            self.echo = f"Authorization: {auth}; url: {self.raw_url}"
            if auth == "Bearer bad-key":
                return self._error(401, "Incorrect API key provided", "invalid_api_key")
            if self.path.rstrip("/") == "/v1/embeddings":
                return self._embeddings(body)
            if self.path.rstrip("/") != "/v1/chat/completions":
                return self._error(404, "not found", "not_found")
            # The client may give up mid-answer: that is what several faults test.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._chat(body)

        def _embeddings(self, body: dict[str, Any]) -> None:
            model = str(body.get("model"))
            if model == "embed-nodata":
                return self._json(200, {"object": "list", "model": model})
            if model == "embed-slow":
                server.stopping.wait(server.slow_s)
            if model == "embed-echo-500":
                return self._error(500, f"upstream refused {self.echo}", "server_error")
            inputs = body.get("input")
            texts = [inputs] if isinstance(inputs, str) else list(inputs or [])
            data = []
            for i, text in enumerate(texts):
                digest = hashlib.sha256(str(text).encode()).digest()
                data.append({"object": "embedding", "index": i,
                             "embedding": [b / 255 for b in digest]})  # fmt: skip
            self._json(200, {"object": "list", "data": data, "model": body.get("model"),
                             "usage": {"prompt_tokens": 1, "total_tokens": 1}})  # fmt: skip

        def _chat(self, body: dict[str, Any]) -> None:
            model = str(body.get("model"))
            n = server.count(model)
            delay = re.fullmatch(r"fake-delay-(\d{1,5})", model)
            if delay is not None:
                server.stopping.wait(int(delay.group(1)) / 1000)
            elif model not in MODELS and model not in FAULTS:
                return self._error(404, f"The model `{model}` does not exist", "model_not_found")
            if model.startswith("fault-echo-"):
                status = int(model.rsplit("-", 1)[1])
                return self._error(status, f"Bad request headers: {self.echo}", "echo")
            if model == "fault-badbody":
                data = b'{"id": "chatcmpl-fake", "choices": [{"delta": '
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return None
            if model == "fault-401":
                return self._error(401, "Incorrect API key provided", "invalid_api_key")
            if model == "fault-429" or (model == "fault-429-once" and n == 1):
                return self._error(429, "Rate limit reached", "rate_limit_exceeded",
                                   {"Retry-After": server.retry_after})  # fmt: skip
            if model == "fault-429-noheader":
                return self._error(429, "Rate limit reached", "rate_limit_exceeded")
            if model == "fault-500":
                return self._error(500, "Internal error", "server_error")
            if model == "fault-503" or (model == "fault-503-once" and n == 1):
                return self._error(503, "Overloaded", "overloaded")
            if model == "fault-context":
                return self._error(400, "This model's maximum context length is 8192 tokens.",
                                   "context_length_exceeded")  # fmt: skip
            if model == "fault-slow":
                server.stopping.wait(server.slow_s)
            if model in MODELS and server.reply_delay_s:
                server.stopping.wait(server.reply_delay_s)
            text, calls = _plan(body)
            last_role = (body.get("messages") or [{}])[-1].get("role")
            if model == "fault-toolloop":
                text, calls = (
                    "",
                    [_tool_call("get_order_status", '{"order_id": "A1"}', f"call_{n}")],
                )
            if model == "fault-badargs" and last_role != "tool":
                text, calls = "", [_tool_call("get_order_status", '{"order_id": "A1', "call_bad")]
            if not body.get("stream"):
                return self._complete(model, text, calls)
            self._stream(model, text, calls, body)

        def _complete(self, model: str, text: str, calls: list[dict[str, Any]]) -> None:
            message: dict[str, Any] = {"role": "assistant", "content": text or None}
            if calls:
                message["tool_calls"] = [
                    {k: v for k, v in c.items() if k != "index"} for c in calls
                ]
            self._json(200, {
                "id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": model,
                "choices": [{"index": 0, "message": message,
                             "finish_reason": "tool_calls" if calls else "stop"}],
                "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
            })  # fmt: skip

        def _send(self, payload: Any) -> None:
            raw = payload if isinstance(payload, str) else json.dumps(payload)
            self.wfile.write(f"data: {raw}\n\n".encode())
            self.wfile.flush()

        def _stream(
            self, model: str, text: str, calls: list[dict[str, Any]], body: dict[str, Any]
        ) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            words = re.findall(r"\S+\s*", text)
            if model in ("fault-ping", "fault-ping-first"):
                if model == "fault-ping":
                    self._send(_chunk(model, {"role": "assistant", "content": "One "}))
                until = time.monotonic() + server.ping_for_s  # then the body just ends
                while not server.stopping.wait(server.ping_s) and time.monotonic() < until:
                    self.wfile.write(b": ping\n\n")
                    self.wfile.flush()
                return None
            if model == "fault-badshape":
                self._send(_chunk(model, {"content": "Partial "}))
                self._send({"choices": "not a list", "usage": 7})
                return None
            if model in ("fault-stall", "fault-cut", "fault-malformed"):
                words = ["Partial ", "answer ", "that ", "never ", "ends."]
            self._send(_chunk(model, {"role": "assistant", "content": ""}))
            for i, word in enumerate(words):
                if i == 2 and model == "fault-stall":
                    server.stopping.wait(server.stall_s)
                if i == 2 and model == "fault-cut":
                    return  # HTTP/1.0: closing the socket now ends the body mid-answer
                if i == 2 and model == "fault-malformed":
                    return self._send("{this is not json")
                self._send(_chunk(model, {"content": word}))
            if calls:
                self._send(_chunk(model, {"tool_calls": calls}))
            self._send(_chunk(model, {}, "tool_calls" if calls else "stop"))
            if (body.get("stream_options") or {}).get("include_usage"):
                self._send({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0,
                            "model": model, "choices": [],
                            "usage": {"prompt_tokens": 11, "completion_tokens": max(1, len(words)),
                                      "total_tokens": 11 + max(1, len(words))}})  # fmt: skip
            self._send("[DONE]")

    return Handler


if __name__ == "__main__":  # handy for trying the Preview page by hand
    with FakeOpenAI() as fake:
        print(f"Fake OpenAI-compatible server at {fake.base_url} (Ctrl+C to stop)")
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
