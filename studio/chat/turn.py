"""One preview turn, end to end: check → tag → retrieve → prompt → model/tool loop → lint → log.

The Preview page, both sides of a comparison, test suites and benchmarks all call `run_turn`.
Provider failures never raise out of it: they come back in the result (status, error, partial
text) so every caller can show them and the turn is still logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from studio.access import limits
from studio.chat import conversations, insights, pricing, tagging
from studio.chat.grounding import (
    HistoryMessage,
    ToolCallRecord,
    build_messages,
    citations_in,
    execute_tool_call,
    fallback_reply,
    tool_result_block,
)
from studio.chat.model_tagging import start_model_tagging
from studio.chat.protocol import (
    SIMULATOR_NAME,
    TURN_DEADLINE_S,
    ChatBackend,
    ChatRequest,
    StreamEvent,
    ToolCallRequest,
)
from studio.chat.results import TurnResult, TurnTarget
from studio.chat.simulator import SIMULATOR_MODEL
from studio.chat.tool_matching import match_tool
from studio.core import deadlines
from studio.core.db import session_scope
from studio.core.errors import ProviderError, StudioError
from studio.core.models import TurnSource, TurnStatus
from studio.core.redaction import redact
from studio.design import assistants, versions
from studio.design.prompting import CompiledPrompt, compile_prompt
from studio.design.schemas import AssistantConfig, GroundingMode, ToolSpec
from studio.knowledge import bases
from studio.knowledge.bases import Passage

logger = logging.getLogger(__name__)

MAX_TOOL_ROUNDS = 4  # model → tool → model… at most this many tool rounds per turn
# Retrieval (an endpoint embedding may be slow) gets this share of the turn's time, so that a
# slow embedding endpoint leaves the model time to answer (keyword search stands in for it).
RETRIEVAL_SHARE = 0.25


class ToolLoopExceeded(ProviderError):
    """The model kept calling tools without ever answering."""


def draft_target(*, session: Session, assistant_id: int) -> TurnTarget:
    """The target for chatting with an assistant's draft. Raises NotFound if it does not exist."""
    detail = assistants.get_assistant(session=session, assistant_id=assistant_id)
    return TurnTarget(
        assistant_id=assistant_id, config=detail.draft, config_hash=detail.config_hash
    )


def version_target(*, session: Session, assistant_id: int, number: int) -> TurnTarget:
    """The target for a saved version. Raises NotFound if it does not exist."""
    version = versions.get_version(session=session, assistant_id=assistant_id, number=number)
    return TurnTarget(
        assistant_id=assistant_id,
        config=version.config,
        config_hash=version.config_hash,
        version_number=number,
    )


_COMPILED: dict[str, CompiledPrompt] = {}


def _compiled(target: TurnTarget) -> CompiledPrompt:
    # Compiling counts tokens; a conversation reuses the same configuration every turn.
    cached = _COMPILED.get(target.config_hash)
    if cached is None:
        if len(_COMPILED) > 64:
            _COMPILED.clear()
        cached = _COMPILED[target.config_hash] = compile_prompt(target.config)
    return cached


class _Timed:
    """Iterate a backend's events, adding up the time spent waiting for them."""

    def __init__(self, events: Iterator[StreamEvent]) -> None:
        self.events = events
        self.waited = 0.0

    def __iter__(self) -> Iterator[StreamEvent]:
        while True:
            started = time.perf_counter()
            try:
                event = next(self.events)
            except StopIteration:
                self.waited += time.perf_counter() - started
                return
            self.waited += time.perf_counter() - started
            yield event


def run_turn(
    *,
    engine: Engine,
    backend: ChatBackend,
    target: TurnTarget,
    message: str,
    history: Sequence[HistoryMessage] = (),
    session_id: int | None = None,
    source: TurnSource = TurnSource.PREVIEW,
    store: bases.KnowledgeStore | None = None,
    model: str | None = None,
    on_text: Callable[[str], None] | None = None,
    deadline_s: float = TURN_DEADLINE_S,
    log: bool = True,
    comparison_id: str | None = None,
) -> TurnResult:
    """Run one turn and log it. Raises InvalidInput if the message is empty or too long,
    PermissionDenied if the actor may not chat, LimitReached past a real model's limits.

    Takes an engine rather than a session on purpose: a turn may wait a minute for a model, and
    retrieval and logging each use their own short unit of work (logging must never break chat).
    """
    started = time.perf_counter()
    # One deadline for the whole turn: retrieval (an endpoint embedding) and every model round.
    deadline = time.monotonic() + deadline_s
    text = insights.check_message(message)
    limits.check_turn(
        engine=engine,
        provider=backend.label,
        simulated=backend.name == SIMULATOR_NAME,
        source=source,
    )
    config = target.config
    model_name = (
        SIMULATOR_MODEL if backend.name == SIMULATOR_NAME else (model or config.model.model)
    )
    result = TurnResult(
        user_message=text,
        backend=backend.name,
        backend_label=backend.label,
        model=model_name,
        session_id=session_id,
        tags=tagging.tag(text),
    )
    model_tagging = start_model_tagging(backend, model_name, text, result.tags, deadline)
    flags: list[str] = []

    if store is not None and config.retrieval.enabled:
        try:
            retrieval_deadline = time.monotonic() + deadline_s * RETRIEVAL_SHARE
            with deadlines.deadline_scope(retrieval_deadline), session_scope(engine) as db:
                result.passages = bases.retrieve(
                    session=db,
                    store=store,
                    assistant_id=target.assistant_id,
                    query=text,
                    settings=config.retrieval,
                )
        except StudioError:
            flags.append("retrieval_failed")  # chat goes on without knowledge
    grounded_passages = [p for p in result.passages if p.passed_threshold]
    compiled = _compiled(target)
    enabled_tools = [t for t in config.tools if t.enabled]
    result.messages = build_messages(
        compiled=compiled,
        passages=result.passages,
        history=history,
        message=text,
        retrieval_enabled=config.retrieval.enabled,
    )

    tags = result.tags
    small_talk = tags is not None and tags.intent in (
        tagging.Intent.GREETING,
        tagging.Intent.FAREWELL,
    )
    if (
        config.retrieval.enabled
        and config.retrieval.grounding_mode is GroundingMode.STRICT
        and not grounded_passages
        and not small_talk
        and match_tool(text, enabled_tools) is None
        and not _rule_applies(text, config)
    ):
        result.reply = fallback_reply(config)  # strict: nothing found, so no model and no guess
        if on_text is not None:
            on_text(result.reply)
        flags.append("no_knowledge")
    else:
        _model_loop(
            result,
            backend=backend,
            config=config,
            tools_payload=compiled.tools,
            enabled_tools=enabled_tools,
            on_text=on_text,
            deadline=deadline,
            started=started,
        )

    _finish(
        result,
        config=config,
        flags=flags,
        grounded_passages=grounded_passages,
        small_talk=small_talk,
    )
    if model_tagging is not None:
        result.tags = model_tagging()
    result.latency_ms = (time.perf_counter() - started) * 1000
    if backend.name != SIMULATOR_NAME:
        try:
            with session_scope(engine) as db:
                price = pricing.get_price(session=db, model=model_name)
            result.cost_usd = pricing.estimate_cost(
                price,
                prompt_tokens=result.prompt_tokens,
                completion_tokens=result.completion_tokens,
            )
            result.cost_known = price is not None
        except SQLAlchemyError:  # a missing price must not fail the turn; it shows "cost unknown"
            logger.warning("Could not read the price of %s", model_name, exc_info=True)
            result.cost_known = False
    if log:
        conversations.log_turn(
            engine=engine,
            target=target,
            result=result,
            source=source,
            comparison_id=comparison_id,
        )
    return result


def _rule_applies(text: str, config: AssistantConfig) -> bool:
    # A forbidden topic, an escalation trigger or a request for a person is answered by the
    # persona's rules (refuse / hand over), which is not guessing: strict grounding lets it through.
    persona = config.persona
    return insights.asks_for_human(text) or any(
        insights.mentions_topic(text, rule)
        for rule in (*persona.forbidden_topics, *persona.escalation_triggers)
    )


def _model_loop(
    result: TurnResult,
    *,
    backend: ChatBackend,
    config: AssistantConfig,
    tools_payload: list[dict[str, Any]],
    enabled_tools: list[ToolSpec],
    on_text: Callable[[str], None] | None,
    deadline: float,
    started: float,
) -> None:
    messages = [dict(m) for m in result.messages]
    pieces: list[str] = []
    try:
        for round_no in range(MAX_TOOL_ROUNDS + 1):
            request = ChatRequest(
                messages=messages,
                model=result.model,
                tools=tools_payload,
                temperature=config.model.temperature,
                max_tokens=config.model.max_output_tokens,
                deadline=deadline,
                config=config,
                passages=result.passages,
            )
            timed = _Timed(iter(backend.stream_chat(request)))
            calls: tuple[ToolCallRequest, ...] = ()
            round_text: list[str] = []
            try:
                for event in timed:
                    if event.kind == "text":
                        if result.ttft_ms is None:
                            result.ttft_ms = (time.perf_counter() - started) * 1000
                        round_text.append(event.text)
                        pieces.append(event.text)
                        if on_text is not None:
                            on_text(event.text)
                    elif event.kind == "tool_calls":
                        calls = event.tool_calls
                    elif event.kind == "usage" and event.usage is not None:
                        result.prompt_tokens += event.usage.prompt_tokens
                        result.completion_tokens += event.usage.completion_tokens
            finally:
                result.model_ms += timed.waited * 1000
            if not calls:
                break
            if round_no == MAX_TOOL_ROUNDS:
                raise ToolLoopExceeded(
                    f"The model kept calling tools ({MAX_TOOL_ROUNDS} rounds) without answering, "
                    "so the turn was stopped. Check the tool descriptions and mock responses."
                )
            messages.append(
                {
                    "role": "assistant",
                    "content": "".join(round_text) or None,
                    "tool_calls": [
                        {
                            "id": c.id,
                            "type": "function",
                            "function": {"name": c.name, "arguments": c.arguments},
                        }
                        for c in calls
                    ],
                }
            )
            for call in calls:
                record = execute_tool_call(call, enabled_tools)
                result.tool_calls.append(record)
                messages.append(
                    {
                        "role": "tool",
                        "tool_call_id": call.id,
                        "content": tool_result_block(call.name, record.result),
                    }
                )
            if pieces and not pieces[-1].endswith((" ", "\n")):
                pieces.append(" ")
    except ProviderError as error:
        result.error = redact(error.message)  # stored and shown: never the key it may echo
        result.error_kind = type(error).__name__
        result.status = TurnStatus.PARTIAL if "".join(pieces).strip() else TurnStatus.FAILED
    result.reply = "".join(pieces).strip()
    result.messages = messages


def _finish(
    result: TurnResult,
    *,
    config: AssistantConfig,
    flags: list[str],
    grounded_passages: list[Passage],
    small_talk: bool,
) -> None:
    result.citations = citations_in(result.reply, grounded_passages)
    flags += insights.lint_reply(
        result.reply,
        forbidden_phrases=config.brand_voice.forbidden_phrases,
        forbidden_topics=config.persona.forbidden_topics,
    )
    used_tool = any(c.ok for c in result.tool_calls)
    if small_talk or result.status is TurnStatus.FAILED:
        result.grounded = None
    elif not config.retrieval.enabled:
        result.grounded = used_tool or None
    else:
        result.grounded = bool(grounded_passages) or used_tool
        if not result.grounded and "no_knowledge" not in flags:
            flags.append("ungrounded")
    result.escalated = insights.reply_escalates(result.reply)
    result.lint_flags = flags


def result_from_record(record: conversations.TurnRecord) -> TurnResult:
    """A stored turn in the shape the inspector shows (for reopening a past conversation)."""
    tags = (
        tagging.Tags(
            intent=tagging.Intent(record.intent),
            emotion=tagging.Emotion(record.emotion or "neutral"),
            urgency=tagging.Urgency(record.urgency or "low"),
            tagger=record.tagger or tagging.RULES,
        )
        if record.intent
        else None
    )
    passages = [Passage.model_validate(p) for p in record.retrieved]
    grounded = [p for p in passages if p.passed_threshold]
    return TurnResult(
        user_message=record.user_message, reply=record.reply, status=record.status,
        error=record.error, backend=record.backend, backend_label=record.backend,
        model=record.model, passages=passages,
        citations=citations_in(record.reply, grounded),
        tool_calls=[ToolCallRecord.model_validate(c) for c in record.tool_calls],
        messages=record.messages, prompt_tokens=record.prompt_tokens,
        completion_tokens=record.completion_tokens, ttft_ms=record.ttft_ms,
        latency_ms=record.latency_ms or 0.0, cost_usd=record.cost_usd, tags=tags,
        lint_flags=record.lint_flags, grounded=record.grounded, escalated=record.escalated,
        turn_id=record.id,
    )  # fmt: skip


def history_of(results: Sequence[TurnResult]) -> list[HistoryMessage]:
    """The conversation so far as the model should see it (failed turns left out)."""
    history: list[HistoryMessage] = []
    for r in results:
        if r.status is TurnStatus.FAILED:
            continue
        history.append(HistoryMessage(role="user", content=r.user_message))
        if r.reply:
            history.append(HistoryMessage(role="assistant", content=r.reply))
    return history
