"""Chat backends behind one small interface; SDK errors are mapped to `ProviderError`s once, here.

Two backends: the offline simulator (`studio.chat.simulator`, the default, no network) and any
OpenAI-compatible endpoint through the `openai` client. A backend runs ONE model round and yields
`StreamEvent`s; the tool loop lives in `studio.chat.turn` so both backends share it.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx2
import openai
from openai.types.chat import ChatCompletionChunk
from pydantic import ValidationError

from studio.chat.presets import PRESETS_BY_KEY, resolve_api_key
from studio.chat.protocol import (
    IDLE_TIMEOUT_S,
    OPENAI_NAME,
    AuthenticationFailed,
    ChatBackend,
    ChatRequest,
    ContextTooLong,
    MalformedResponse,
    ModelNotFound,
    ProviderRejected,
    ProviderTimeout,
    ProviderUnavailable,
    ProviderUnreachable,
    RateLimited,
    StreamEvent,
    StreamInterrupted,
    StreamStalled,
    ToolCallRequest,
    Usage,
)
from studio.chat.simulator import SimulatorBackend
from studio.core.errors import ProviderError
from studio.core.redaction import display_url, install_log_redaction, redact, register_secret

CONNECT_TIMEOUT_S = 5.0
MAX_BACKOFF_S = 8.0

# --------------------------------------------------------------------------- OpenAI-compatible


def _retry_after(headers: Any) -> float | None:
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        raw = headers.get(name) if headers is not None else None
        if raw is None:
            continue
        try:
            return max(0.0, float(raw) / divisor)
        except ValueError:
            continue
    return None


def _error_detail(exc: openai.APIStatusError) -> tuple[str, str]:
    body = exc.body if isinstance(exc.body, dict) else {}
    raw = body.get("error", body)
    inner: dict[str, Any] = raw if isinstance(raw, dict) else {}
    code = str(inner.get("code") or exc.code or "")
    message = str(inner.get("message") or exc.message or "")
    return code, message


def map_status_error(exc: openai.APIStatusError, *, model: str, base_url: str) -> ProviderError:
    """Translate an HTTP error from the provider into a message the user can act on."""
    code, detail = _error_detail(exc)
    detail = redact(detail)  # a proxy may echo the Authorization header back
    base_url = display_url(base_url)
    status = exc.status_code
    if status in (401, 403):
        return AuthenticationFailed(
            f"The provider at {base_url} refused the API key (HTTP {status}). Set a valid key in "
            "STUDIO_LLM_API_KEY or OPENAI_API_KEY (or .streamlit/secrets.toml) and restart."
        )
    if status == 404:
        return ModelNotFound(
            f'The provider at {base_url} does not know the model "{model}". Pick one from the '
            "model list on the Preview page, or check the model name under Prompt & versions."
        )
    if status == 429:
        wait = _retry_after(exc.response.headers)
        hint = f" It asked to wait {wait:.0f} s." if wait is not None else ""
        return RateLimited(
            f"The provider is rate-limiting requests (HTTP 429).{hint} Wait a moment and retry, "
            "or check your plan's limits.",
            retry_after_s=wait,
        )
    if (
        "context_length" in code
        or "context length" in detail.lower()
        or "too long" in detail.lower()
    ):
        return ContextTooLong(
            f'The conversation no longer fits in the context window of "{model}". Start a new '
            "conversation, lower the number of retrieved passages, or use a larger model."
        )
    if status >= 500:
        return ProviderUnavailable(
            f"The provider at {base_url} kept failing (HTTP {status}) after retries. Try again "
            "later, or switch to the offline simulator."
        )
    short = (detail or "no details")[:300]
    return ProviderRejected(f"The provider rejected the request (HTTP {status}): {short}")


def _retryable(error: ProviderError) -> bool:
    return isinstance(error, RateLimited | ProviderUnavailable | ProviderUnreachable)


class OpenAICompatibleBackend:
    """Any OpenAI-compatible endpoint, streamed, with our own retries, deadline and watchdog.

    The SDK's own retries are off: they can sleep up to two minutes on a Retry-After and never
    retry once a stream started, so we decide here, against the turn's deadline.
    """

    name = OPENAI_NAME

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None = None,
        max_retries: int = 2,
        idle_timeout_s: float = IDLE_TIMEOUT_S,
        request_timeout_s: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.shown_url = display_url(self.base_url)  # never the credentials a URL may carry
        self.label = f"OpenAI-compatible · {self.shown_url}"
        self._key = api_key
        register_secret(api_key, self.base_url)
        install_log_redaction()
        self.max_retries = max_retries
        self.idle_timeout_s = idle_timeout_s
        self.request_timeout_s = request_timeout_s
        # Local servers need no key, but the SDK insists on one.
        self._client = openai.OpenAI(
            base_url=self.base_url,
            api_key=api_key or "not-needed",
            max_retries=0,
            timeout=httpx2.Timeout(request_timeout_s, connect=CONNECT_TIMEOUT_S),
        )

    def _timeout(self, deadline: float) -> httpx2.Timeout:
        remaining = max(0.05, deadline - time.monotonic())
        read = min(self.idle_timeout_s, self.request_timeout_s, remaining)
        return httpx2.Timeout(read, connect=min(CONNECT_TIMEOUT_S, remaining))

    def list_models(self) -> list[str]:
        """Model ids served at the endpoint. Raises ProviderError if it cannot be reached."""
        deadline = time.monotonic() + min(10.0, self.request_timeout_s)
        try:
            page = self._client.models.list(timeout=self._timeout(deadline))
            return sorted(m.id for m in page.data)
        except openai.APIStatusError as exc:
            raise map_status_error(exc, model="", base_url=self.base_url) from exc
        except openai.APIConnectionError as exc:
            raise self._unreachable() from exc
        except (ValidationError, ValueError) as exc:
            raise MalformedResponse(
                f"{self.shown_url} answered the model list with something unexpected."
            ) from exc

    def _unreachable(self) -> ProviderUnreachable:
        return ProviderUnreachable(
            f"Nothing answers at {self.shown_url}. Check the URL and that the server is running "
            "(e.g. `ollama serve`), or switch to the offline simulator."
        )

    def stream_chat(self, request: ChatRequest) -> Iterator[StreamEvent]:
        """One streamed round with bounded retries before the first byte of the reply.

        Raises ProviderError subclasses (see module) — never an SDK exception.
        """
        attempt = 0
        while True:
            started = False
            try:
                for event in self._one_attempt(request):
                    if event.kind == "text":
                        started = True
                    yield event
                return
            except ProviderError as error:
                attempt += 1
                wait = self._wait_before_retry(error, attempt, request.deadline)
                if started or wait is None:
                    raise
                time.sleep(wait)

    def _wait_before_retry(
        self, error: ProviderError, attempt: int, deadline: float
    ) -> float | None:
        if not _retryable(error) or attempt > self.max_retries:
            return None
        wait = min(MAX_BACKOFF_S, 0.25 * 2 ** (attempt - 1))
        if isinstance(error, RateLimited) and error.retry_after_s is not None:
            wait = error.retry_after_s
        if time.monotonic() + wait >= deadline - 0.5:
            return None  # waiting would blow the turn's deadline: report now instead
        return wait

    def _one_attempt(self, request: ChatRequest) -> Iterator[StreamEvent]:
        kwargs: dict[str, Any] = {
            "model": request.model,
            "messages": request.messages,
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
            "stream": True,
            "stream_options": {"include_usage": True},
            "timeout": self._timeout(request.deadline),
        }
        if request.tools:
            kwargs["tools"] = request.tools
        if request.response_format is not None:
            kwargs["response_format"] = request.response_format
        stream = _ContentStream(
            deadline=request.deadline, idle_timeout_s=self.idle_timeout_s, name=self.base_url
        )
        try:
            with self._client.chat.completions.with_streaming_response.create(**kwargs) as raw:
                yield from stream.events(raw.http_response)
        except openai.APIStatusError as exc:
            raise map_status_error(exc, model=request.model, base_url=self.base_url) from exc
        except (openai.APITimeoutError, httpx2.TimeoutException) as exc:
            raise stream.timed_out() from exc
        except (openai.APIConnectionError, httpx2.TransportError) as exc:
            if stream.expired():
                raise stream.timed_out() from exc  # the watchdog cut the socket at the deadline
            if stream.started:
                raise StreamInterrupted(
                    "The connection broke in the middle of the reply; the text so far is kept. "
                    "Retry the message."
                ) from exc
            raise self._unreachable() from exc
        except (openai.APIResponseValidationError, json.JSONDecodeError, ValidationError) as exc:
            raise _malformed(self.base_url) from exc
        except openai.OpenAIError as exc:
            raise ProviderRejected(
                f"The provider call failed: {redact(str(exc), secrets=[self._key])}"
            ) from exc


def _malformed(base_url: str) -> MalformedResponse:
    return MalformedResponse(
        f"{display_url(base_url)} sent a reply that is not valid OpenAI-compatible JSON. Check "
        "that the URL points at an OpenAI-compatible /v1 endpoint."
    )


MAX_EVENT_BYTES = 1_000_000  # one SSE event larger than this is not a chat chunk


class _ContentStream:
    """Reads a server-sent-event reply ourselves, so that every byte received hands control back:
    the idle watchdog counts only content (a `: ping` comment or an empty chunk is not progress)
    and the turn's deadline holds whatever the provider sends. A watchdog thread shuts the socket
    at the deadline, so a provider that goes silent cannot hold the turn past it either."""

    def __init__(self, *, deadline: float, idle_timeout_s: float, name: str) -> None:
        self.deadline = deadline
        self.idle_timeout_s = idle_timeout_s
        self.name = name
        self.started = False
        self.last_content = time.monotonic()
        self.calls: dict[int, dict[str, str]] = {}
        self.finish: str | None = None
        self.usage: Usage | None = None

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline - 0.01

    def timed_out(self) -> ProviderError:
        if self.expired():
            return ProviderTimeout(
                "The model did not finish within the turn's time limit; the text so far is kept. "
                "Retry, or ask for a shorter answer."
            )
        if self.started:
            return StreamStalled(
                f"The reply stopped arriving (no text for {self.idle_timeout_s:.0f} s); the "
                "text so far is kept. Retry the message."
            )
        return ProviderTimeout(
            f"{display_url(self.name)} gave no answer in time. The server may be overloaded or "
            "still loading the model; retry in a moment."
        )

    def _check_time(self) -> None:
        if self.expired() or time.monotonic() - self.last_content > self.idle_timeout_s:
            raise self.timed_out()

    def events(self, response: httpx2.Response) -> Iterator[StreamEvent]:
        """The reply's events; raises ProviderError subclasses for every way it goes wrong."""
        content_type = response.headers.get("content-type", "")
        stop = threading.Event()
        watchdog = threading.Thread(
            target=_cut_at_deadline, args=(response, self.deadline, stop), daemon=True
        )
        watchdog.start()
        try:
            yield from self._read(response, content_type)
        finally:
            stop.set()

    def _read(self, response: httpx2.Response, content_type: str) -> Iterator[StreamEvent]:
        buffer = b""
        data: list[bytes] = []
        received = False
        done = False
        for piece in response.iter_bytes():
            self._check_time()
            buffer += piece
            while not done and b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                line = line.rstrip(b"\r")
                if line.startswith(b"data:"):
                    data.append(line[5:].removeprefix(b" "))
                elif not line and data:
                    payload = b"\n".join(data)
                    data = []
                    if payload.strip() == b"[DONE]":
                        done = True
                        break
                    received = True
                    yield from self._chunk(payload)
            if done:
                break
            if len(buffer) + sum(len(d) for d in data) > MAX_EVENT_BYTES:
                raise _malformed(self.name)
            self._check_time()
        if self.expired():  # the watchdog ended the body at the deadline
            raise self.timed_out()
        if data and not done:
            raise (
                _malformed(self.name)
                if "event-stream" not in content_type
                else (self._interrupted())
            )
        if not received and "event-stream" not in content_type:
            raise _malformed(self.name)  # a JSON (or HTML) body where a stream was asked for
        if self.finish is None:
            raise self._interrupted()
        if self.calls:
            yield StreamEvent(
                kind="tool_calls",
                tool_calls=tuple(
                    ToolCallRequest(id=c["id"] or f"call_{i}", name=c["name"], arguments=c["args"])
                    for i, c in sorted(self.calls.items())
                ),
            )
        if self.usage is not None:
            yield StreamEvent(kind="usage", usage=self.usage)
        yield StreamEvent(kind="done", finish_reason=self.finish)

    def _interrupted(self) -> StreamInterrupted:
        return StreamInterrupted(
            "The connection closed before the reply was complete; the text so far is kept. "
            "Retry the message."
        )

    def _chunk(self, payload: bytes) -> Iterator[StreamEvent]:
        try:
            raw = json.loads(payload)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise _malformed(self.name) from exc
        if isinstance(raw, dict) and isinstance(raw.get("error"), dict | str):
            inner = raw["error"]
            detail = str(inner.get("message") if isinstance(inner, dict) else inner)[:300]
            raise ProviderRejected(
                f"The provider stopped the reply with an error: {redact(detail)}"
            )
        try:
            chunk = ChatCompletionChunk.model_validate(raw)
        except ValidationError as exc:
            raise _malformed(self.name) from exc
        if chunk.usage is not None:
            self.usage = Usage(
                prompt_tokens=chunk.usage.prompt_tokens or 0,
                completion_tokens=chunk.usage.completion_tokens or 0,
            )
        for choice in chunk.choices:
            delta = choice.delta
            if delta is not None and delta.content:
                self.started = True
                self.last_content = time.monotonic()
                yield StreamEvent(kind="text", text=delta.content)
            for tc in (delta.tool_calls if delta is not None else None) or []:
                self.last_content = time.monotonic()  # tool-call arguments are content too
                slot = self.calls.setdefault(tc.index, {"id": "", "name": "", "args": ""})
                slot["id"] = tc.id or slot["id"]
                if tc.function is not None:
                    slot["name"] += tc.function.name or ""
                    slot["args"] += tc.function.arguments or ""
            self.finish = choice.finish_reason or self.finish


def _cut_at_deadline(response: httpx2.Response, deadline: float, stop: threading.Event) -> None:
    # A read blocked on a silent socket only wakes when the socket is shut down (closing it from
    # another thread does not wake it on Linux); the reader then sees the deadline has passed.
    # A little after the deadline: while bytes arrive, the reader notices it first.
    if stop.wait(max(0.0, deadline - time.monotonic()) + 0.1):
        return
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    with contextlib.suppress(OSError):
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)


def make_backend(
    *,
    preset: str,
    base_url: str | None = None,
    api_key: str | None = None,
    max_retries: int = 2,
    request_timeout_s: float = 30.0,
    idle_timeout_s: float = IDLE_TIMEOUT_S,
) -> ChatBackend:
    """The backend for a provider preset or custom URL. Raises ProviderError if the URL is bad."""
    chosen = PRESETS_BY_KEY.get(preset)
    if chosen is None:
        raise ProviderError(f'Unknown provider "{preset}". Pick one from the list.')
    if chosen.base_url is None:
        return SimulatorBackend()
    url = (base_url or chosen.base_url or "").strip()
    if not url.startswith(("http://", "https://")):
        raise ProviderError(
            "Enter the provider's base URL, starting with http:// or https:// "
            "(for example http://localhost:11434/v1)."
        )
    return OpenAICompatibleBackend(
        base_url=url,
        api_key=api_key if api_key is not None else resolve_api_key(),
        max_retries=max_retries,
        request_timeout_s=request_timeout_s,
        idle_timeout_s=idle_timeout_s,
    )
