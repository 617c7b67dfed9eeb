"""The backend protocol: the shapes of one model round, the errors a backend raises, its limits.

Both backends (the offline simulator and the OpenAI-compatible provider) and the turn loop import
this module, so none of them needs another.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel

from studio.core.errors import ProviderError

if TYPE_CHECKING:
    from studio.design.schemas import AssistantConfig
    from studio.knowledge.bases import Passage

SIMULATOR_LABEL = "Offline simulator — not a language model"
SIMULATOR_NAME = "simulator"
OPENAI_NAME = "openai-compatible"

IDLE_TIMEOUT_S = 15.0  # the stream watchdog: no byte for this long means the stream stalled
TURN_DEADLINE_S = 60.0  # a whole turn (every round and retry) never takes longer


# --------------------------------------------------------------------------- errors


class ProviderUnreachable(ProviderError):
    """Nothing answers at the base URL."""


class ProviderTimeout(ProviderError):
    """No answer (or no end of answer) within the turn's deadline."""


class StreamStalled(ProviderError):
    """The reply started, then stopped arriving (the idle watchdog fired)."""


class StreamInterrupted(ProviderError):
    """The connection closed before the reply was complete."""


class AuthenticationFailed(ProviderError):
    """The API key is missing, wrong or not allowed to use this model."""


class ModelNotFound(ProviderError):
    """The endpoint does not know the model name."""


class RateLimited(ProviderError):
    """The provider asked us to slow down (HTTP 429)."""

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ProviderUnavailable(ProviderError):
    """The provider kept failing with a server error (5xx)."""


class MalformedResponse(ProviderError):
    """The provider sent something that is not valid OpenAI-compatible JSON."""


class ContextTooLong(ProviderError):
    """The prompt plus history does not fit in the model's context window."""


class ProviderRejected(ProviderError):
    """The provider refused the request for another reason (HTTP 400/422…)."""


# --------------------------------------------------------------------------- shapes


class ToolCallRequest(BaseModel):
    """A tool call as the model asked for it; `arguments` is the raw JSON text it sent."""

    id: str
    name: str
    arguments: str


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True)
class StreamEvent:
    """One thing a model round produced: a text delta, the tool calls, the usage, or the end."""

    kind: Literal["text", "tool_calls", "usage", "done"]
    text: str = ""
    tool_calls: tuple[ToolCallRequest, ...] = ()
    usage: Usage | None = None
    finish_reason: str | None = None


@dataclass
class ChatRequest:
    """One model round. `config`/`passages` let the simulator work without parsing the prompt."""

    messages: list[dict[str, Any]]
    model: str
    tools: list[dict[str, Any]] = field(default_factory=list)
    temperature: float = 0.3
    max_tokens: int = 600
    deadline: float = field(default_factory=lambda: time.monotonic() + TURN_DEADLINE_S)
    config: AssistantConfig | None = None
    passages: list[Passage] = field(default_factory=list)
    response_format: dict[str, Any] | None = None  # e.g. {"type": "json_object"} (JSON mode)


class ChatBackend(Protocol):
    """What `studio.chat.turn` needs from a backend."""

    name: str  # stored with each turn: "simulator" or "openai-compatible"
    label: str  # shown to people

    def stream_chat(self, request: ChatRequest) -> Iterator[StreamEvent]:
        """Run one model round, yielding text deltas, then tool calls/usage, then "done"."""
        ...

    def list_models(self) -> list[str]:
        """Model names the backend offers. Raises ProviderError if it cannot be reached."""
        ...
