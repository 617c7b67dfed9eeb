"""The OpenAI-compatible backend over real HTTP against a local fake server; every fault."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from studio.chat import presets, protocol, providers
from studio.chat.protocol import ChatRequest, StreamEvent
from studio.chat.providers import OpenAICompatibleBackend
from studio.core.errors import ProviderError
from tests.fake_openai_server import FakeOpenAI, closed_port


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(slow_s=3.0, stall_s=3.0, retry_after="0.2") as fake:
        yield fake


def backend(server: FakeOpenAI, **kwargs: object) -> OpenAICompatibleBackend:
    options: dict[str, object] = {"max_retries": 2, "idle_timeout_s": 0.6}
    options.update(kwargs)
    return OpenAICompatibleBackend(base_url=server.base_url, **options)  # type: ignore[arg-type]


def run(
    b: OpenAICompatibleBackend, model: str, *, deadline_s: float = 5.0, **extra: object
) -> tuple[str, list[StreamEvent]]:
    request = ChatRequest(
        messages=[{"role": "user", "content": "hello there"}],
        model=model,
        deadline=time.monotonic() + deadline_s,
        **extra,
    )  # type: ignore[arg-type]
    events: list[StreamEvent] = []
    try:
        for event in b.stream_chat(request):
            events.append(event)
    finally:
        text = "".join(e.text for e in events if e.kind == "text")
    return text, events


def test_streams_text_and_usage(server: FakeOpenAI) -> None:
    text, events = run(backend(server), "fake-model", temperature=0.7, max_tokens=123)
    assert text == "You said: hello there"
    assert sum(e.kind == "text" for e in events) > 1  # really streamed, chunk by chunk
    usage = next(e.usage for e in events if e.kind == "usage")
    assert usage is not None and usage.prompt_tokens == 11
    assert events[-1].kind == "done" and events[-1].finish_reason == "stop"
    sent = server.requests[-1]["body"]
    assert sent["temperature"] == 0.7 and sent["max_tokens"] == 123 and sent["stream"] is True


def test_tool_calls_are_collected_from_the_stream(server: FakeOpenAI) -> None:
    tools = [
        {
            "type": "function",
            "function": {"name": "get_order_status", "parameters": {"type": "object"}},
        }
    ]
    b = backend(server)
    request = ChatRequest(
        messages=[{"role": "user", "content": 'get_order_status {"order_id": "A1234"}'}],
        model="fake-model",
        tools=tools,
    )
    events = list(b.stream_chat(request))
    calls = next(e.tool_calls for e in events if e.kind == "tool_calls")
    assert calls[0].name == "get_order_status" and calls[0].arguments == '{"order_id": "A1234"}'
    assert server.requests[-1]["body"]["tools"] == tools


def test_lists_models(server: FakeOpenAI) -> None:
    assert "fake-model" in backend(server).list_models()


@pytest.mark.parametrize(
    ("model", "error", "partial", "max_seconds"),
    [
        ("fault-slow", protocol.ProviderTimeout, "", 2.5),
        ("fault-stall", protocol.StreamStalled, "Partial answer ", 2.5),
        ("fault-cut", protocol.StreamInterrupted, "Partial answer ", 2.0),
        ("fault-401", protocol.AuthenticationFailed, "", 2.0),
        ("no-such-model", protocol.ModelNotFound, "", 2.0),
        ("fault-429-noheader", protocol.RateLimited, "", 4.0),
        ("fault-500", protocol.ProviderUnavailable, "", 4.0),
        ("fault-503", protocol.ProviderUnavailable, "", 4.0),
        ("fault-malformed", protocol.MalformedResponse, "Partial answer ", 2.0),
        ("fault-context", protocol.ContextTooLong, "", 2.0),
    ],
)
def test_faults_become_clear_provider_errors(
    server: FakeOpenAI, model: str, error: type[ProviderError], partial: str, max_seconds: float
) -> None:
    started = time.monotonic()
    events: list[StreamEvent] = []
    b = backend(server)
    with pytest.raises(error) as caught:
        for event in b.stream_chat(
            ChatRequest(
                messages=[{"role": "user", "content": "hi"}],
                model=model,
                deadline=time.monotonic() + 5,
            )
        ):
            events.append(event)
    assert "".join(e.text for e in events if e.kind == "text") == partial
    assert time.monotonic() - started < max_seconds
    message = caught.value.message
    assert "Traceback" not in message and len(message) > 30


@pytest.mark.parametrize("model", ["fault-500", "fault-503", "fault-429-noheader"])
def test_server_errors_are_retried_a_bounded_number_of_times(
    server: FakeOpenAI, model: str
) -> None:
    with pytest.raises(ProviderError):
        run(backend(server, max_retries=2), model)
    assert server.hits[model] == 3  # first try + 2 retries


@pytest.mark.parametrize("model", ["fault-503-once", "fault-429-once"])
def test_a_passing_failure_is_retried_and_recovers(server: FakeOpenAI, model: str) -> None:
    text, _ = run(backend(server), model)
    assert text == "You said: hello there" and server.hits[model] == 2


def test_retry_after_is_honoured(server: FakeOpenAI) -> None:
    started = time.monotonic()
    run(backend(server), "fault-429-once")
    assert time.monotonic() - started >= 0.2  # waited what the server asked


def test_a_retry_after_beyond_the_deadline_fails_at_once() -> None:
    with FakeOpenAI(retry_after="30") as fake:
        started = time.monotonic()
        with pytest.raises(protocol.RateLimited) as caught:
            run(backend(fake), "fault-429", deadline_s=5)
        assert time.monotonic() - started < 1.5 and fake.hits["fault-429"] == 1
        assert "30 s" in caught.value.message


def test_bad_key_is_reported(server: FakeOpenAI) -> None:
    with pytest.raises(protocol.AuthenticationFailed) as caught:
        run(backend(server, api_key="bad-key"), "fake-model")
    assert "bad-key" not in caught.value.message  # never echo a secret


def test_connection_refused() -> None:
    b = OpenAICompatibleBackend(base_url=f"http://127.0.0.1:{closed_port()}/v1", max_retries=1)
    with pytest.raises(protocol.ProviderUnreachable, match="Nothing answers"):
        run(b, "fake-model")
    with pytest.raises(protocol.ProviderUnreachable):
        b.list_models()


def test_the_turn_deadline_caps_everything(server: FakeOpenAI) -> None:
    started = time.monotonic()
    with pytest.raises(protocol.ProviderTimeout):
        run(backend(server, idle_timeout_s=10), "fault-slow", deadline_s=1.0)
    assert time.monotonic() - started < 2.0


# --------------------------------------------------------------------------- keys and presets


def test_api_key_from_env_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    assert presets.resolve_api_key() is None and presets.api_key_status() == "not set"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    assert presets.resolve_api_key() == "sk-env"
    assert presets.api_key_status() == "set in the environment"


def test_api_key_from_streamlit_secrets(tmp_path: Path) -> None:
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text('OPENAI_API_KEY = "sk-secret"\n')
    assert presets.resolve_api_key() == "sk-secret"
    assert "sk-secret" not in presets.api_key_status()


def test_broken_secrets_file_means_no_key(tmp_path: Path) -> None:
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text("this is = = not toml")
    assert presets.resolve_api_key() is None


@pytest.mark.parametrize(
    ("preset", "url", "expected_url"),
    [
        ("ollama", None, "http://localhost:11434/v1"),
        ("vllm", None, "http://localhost:8000/v1"),
        ("lmstudio", None, "http://localhost:1234/v1"),
        ("llamacpp", None, "http://localhost:8080/v1"),
        ("openai", None, "https://api.openai.com/v1"),
        ("custom", "http://10.0.0.5:9000/v1/", "http://10.0.0.5:9000/v1"),
    ],
)
def test_presets(preset: str, url: str | None, expected_url: str) -> None:
    b = providers.make_backend(preset=preset, base_url=url)
    assert isinstance(b, OpenAICompatibleBackend) and b.base_url == expected_url


def test_simulator_is_the_default_and_labelled() -> None:
    b = providers.make_backend(preset="simulator")
    assert b.name == "simulator" and b.label == "Offline simulator — not a language model"


@pytest.mark.parametrize(
    ("preset", "url"), [("custom", ""), ("custom", "localhost:1234"), ("nope", None)]
)
def test_bad_provider_choices_are_explained(preset: str, url: str | None) -> None:
    with pytest.raises(ProviderError):
        providers.make_backend(preset=preset, base_url=url)
