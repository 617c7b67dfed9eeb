"""Pure: configuration → system prompt, tools payload, and a trace of what came from where.

INTERFACE STUB — owned by the "compiler" helper, who replaces the bodies.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from studio.schemas import AssistantConfig


class PromptSection(BaseModel):
    key: str
    title: str
    text: str
    sources: list[str]  # dotted field paths of the configuration that produced this section


class CompiledPrompt(BaseModel):
    text: str  # the full system prompt
    sections: list[PromptSection]
    tools: list[dict[str, Any]]  # OpenAI `tools` payload (enabled tools only)
    token_count: int


def compile_prompt(config: AssistantConfig) -> CompiledPrompt:
    """Compile a configuration into the system prompt, its sections and the tools payload."""
    raise NotImplementedError
