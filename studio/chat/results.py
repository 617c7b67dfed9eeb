"""The plain shapes of a turn: what it runs (`TurnTarget`) and what came of it (`TurnResult`).

The turn loop makes them and the conversation log stores them; both import them from here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from studio.chat import tagging
from studio.chat.grounding import Citation, ToolCallRecord
from studio.core.models import TurnStatus
from studio.design.schemas import AssistantConfig
from studio.knowledge.bases import Passage


class TurnTarget(BaseModel):
    """Which configuration a turn runs: the draft (version_number None) or a saved version."""

    assistant_id: int
    config: AssistantConfig
    config_hash: str
    version_number: int | None = None


class TurnResult(BaseModel):
    """Everything the inspector shows about one turn; plain data, safe to keep in session state."""

    user_message: str
    reply: str = ""
    status: TurnStatus = TurnStatus.OK
    error: str | None = None
    error_kind: str | None = None
    backend: str
    backend_label: str
    model: str
    passages: list[Passage] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    tool_calls: list[ToolCallRecord] = Field(default_factory=list)
    messages: list[dict[str, Any]] = Field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    ttft_ms: float | None = None
    latency_ms: float = 0.0
    model_ms: float = 0.0  # time spent waiting for the backend
    cost_usd: float = 0.0
    cost_known: bool = True
    tags: tagging.Tags | None = None
    lint_flags: list[str] = Field(default_factory=list)
    grounded: bool | None = None
    escalated: bool = False
    session_id: int | None = None
    turn_id: int | None = None
    log_error: str | None = None

    @property
    def overhead_ms(self) -> float:
        """Time the studio itself spent (everything but waiting for the model)."""
        return max(0.0, self.latency_ms - self.model_ms)
