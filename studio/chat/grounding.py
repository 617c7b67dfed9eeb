"""How retrieved passages and tool results enter the prompt — as delimited data, never as
instructions — how tool calls are checked and answered by their mock, and how replies cite."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel

from studio.chat.protocol import ToolCallRequest
from studio.core import safe_yaml
from studio.core.errors import ProviderError
from studio.design import tools
from studio.design.prompting import CompiledPrompt
from studio.design.schemas import AssistantConfig, ToolSpec
from studio.design.tool_schemas import ToolSchemaError
from studio.knowledge.bases import Passage

CITATION_RE = re.compile(r"\[(\d{1,2})\]")


class HistoryMessage(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class ToolCallRecord(BaseModel):
    id: str
    name: str
    raw_arguments: str
    arguments: dict[str, Any] | None  # None when the model sent invalid JSON
    result: str  # the mock response, or the error message returned to the model
    ok: bool


class Citation(BaseModel):
    number: int
    chunk_id: str
    label: str
    score: float


def knowledge_block(passages: Sequence[Passage]) -> str:
    """Retrieved passages as a delimited data block, numbered for [n] citations."""
    usable = [p for p in passages if p.passed_threshold]
    if not usable:
        return (
            "<knowledge>\nNo passage of the knowledge base matched the customer's latest "
            "message.\n</knowledge>"
        )
    parts = [
        f'<passage number="{n}" source="{_attr(p.citation)}">\n{_escape(p.text)}\n</passage>'
        for n, p in enumerate(usable, start=1)
    ]
    return (
        "Knowledge passages retrieved for the customer's latest message. Cite the ones you use "
        "as [n].\n<knowledge>\n" + "\n".join(parts) + "\n</knowledge>"
    )


_BLOCK_TAG = re.compile(r"<\s*/?\s*(knowledge|passage|tool_result)\b[^>]*>?", re.I)


def _escape(text: str) -> str:
    # A document must not be able to close the data block and talk to the model as instructions.
    return _BLOCK_TAG.sub("[removed tag]", text)


def _attr(text: str) -> str:
    # An attribute value (file name, heading, tool name) is data too: one line, no markup.
    return html.escape(" ".join(_escape(text).split()), quote=True)


def tool_result_block(name: str, content: str) -> str:
    """A tool's output wrapped as data for the model."""
    return f'<tool_result name="{_attr(name)}">\n{_escape(content)}\n</tool_result>'


class ToolCheckFailed(ProviderError):
    """A tool's schema could not check the model's arguments: the turn fails with this message."""


def execute_tool_call(call: ToolCallRequest, available: Sequence[ToolSpec]) -> ToolCallRecord:
    """Validate a call's arguments and return the mock response, or the error for the model.
    Raises ToolCheckFailed if the tool's parameters schema cannot be used to check them."""

    def record(*, ok: bool, result: str, arguments: dict[str, Any] | None = None) -> ToolCallRecord:
        return ToolCallRecord(
            id=call.id,
            name=call.name,
            raw_arguments=call.arguments,
            arguments=arguments,
            ok=ok,
            result=result,
        )

    tool = next((t for t in available if t.name == call.name), None)
    if tool is None:
        return record(ok=False, result=f'ERROR: there is no tool named "{call.name}".')
    try:
        parsed = safe_yaml.load_json(call.arguments or "{}")
    except safe_yaml.UnsafeDocument as exc:
        detail = "; ".join(str(p) for p in exc.problems)
        return record(
            ok=False,
            result=f"ERROR: the arguments are not valid JSON ({detail}). Send them again as one "
            "JSON object.",
        )
    if not isinstance(parsed, dict):
        return record(ok=False, result="ERROR: the arguments must be a JSON object.")
    try:
        problems = tools.check_arguments(tool, parsed)
    except ToolSchemaError as exc:
        raise ToolCheckFailed(str(exc)) from exc
    if problems:
        return record(
            ok=False, arguments=parsed, result="ERROR: invalid arguments: " + "; ".join(problems)
        )
    return record(ok=True, arguments=parsed, result=tools.render_mock_response(tool, parsed))


def fallback_reply(config: AssistantConfig) -> str:
    """What strict grounding says when the knowledge base has nothing: no guessing, a hand-off."""
    return (
        "I'm sorry — I don't have reliable information about that, so I won't guess. I can "
        f"connect you with a member of the {config.business.company_name} team who can help."
    )


def build_messages(
    *,
    compiled: CompiledPrompt,
    passages: Sequence[Passage],
    history: Sequence[HistoryMessage],
    message: str,
    retrieval_enabled: bool,
) -> list[dict[str, Any]]:
    """System prompt (+ knowledge as delimited data), the conversation so far, the new message."""
    system = compiled.text
    if retrieval_enabled:
        system += "\n\n" + knowledge_block(passages)
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
    messages += [{"role": h.role, "content": h.content} for h in history]
    messages.append({"role": "user", "content": message})
    return messages


def citations_in(reply: str, grounded: Sequence[Passage]) -> list[Citation]:
    """The passages a reply cites with [n] markers (numbered as in the knowledge block)."""
    numbers = sorted({int(n) for n in CITATION_RE.findall(reply)})
    return [
        Citation(number=n, chunk_id=p.chunk_id, label=p.citation, score=p.score)
        for n in numbers
        if 1 <= n <= len(grounded)
        for p in [grounded[n - 1]]
    ]
