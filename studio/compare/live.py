"""A live side-by-side turn: one message, both variants answering at the same time.

Each side runs `studio.chat.turn.run_turn` in its own thread, so the wall time is that of the
slower side, not the sum. Text deltas from both threads come back, in arrival order, on the
caller's thread through `stream_side_by_side` (Streamlit must draw from its script thread). Each
side is logged as its own session with source COMPARE and the comparison's shared id.
"""

from __future__ import annotations

import contextvars
import logging
import queue
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.engine import Engine

from studio.chat import insights, turn
from studio.chat.grounding import HistoryMessage
from studio.chat.protocol import ChatBackend
from studio.chat.results import TurnResult
from studio.chat.tagging import tag
from studio.core.errors import StudioError
from studio.core.models import TurnSource, TurnStatus
from studio.knowledge.bases import KnowledgeStore

from .variants import Variant

logger = logging.getLogger(__name__)

SIDES = 2
_POLL_S = 0.05  # how often the caller's thread wakes up to check on a silent side


def new_comparison_id() -> str:
    """A fresh id shared by both sides' sessions (and by the votes on them)."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Side:
    """One side of a compare turn: the variant, who answers for it, and its conversation."""

    variant: Variant
    backend: ChatBackend
    model: str | None = None  # None: the variant's configured model (or the simulator)
    history: Sequence[HistoryMessage] = ()
    session_id: int | None = None  # None: the first turn opens this side's session


@dataclass(frozen=True)
class SideEvent:
    """Something one side produced: a text delta, or its finished (logged) result."""

    side: int
    kind: Literal["text", "done"]
    text: str = ""
    result: TurnResult | None = None


def _failed(side: Side, message: str, error: StudioError) -> TurnResult:
    # Something other than the provider failed on one side (a provider failure already comes
    # back inside the result): that side shows the error, the other side still answers.
    return TurnResult(
        user_message=message,
        status=TurnStatus.FAILED,
        error=str(error),
        error_kind=type(error).__name__,
        backend=side.backend.name,
        backend_label=side.backend.label,
        model=side.model or side.variant.target.config.model.model,
        session_id=side.session_id,
        tags=tag(message),
    )


def stream_side_by_side(
    *,
    engine: Engine,
    sides: Sequence[Side],
    message: str,
    comparison_id: str,
    store: KnowledgeStore | None = None,
) -> Iterator[SideEvent]:
    """Run one turn on every side at once, yielding each side's deltas as they arrive and then
    its result ("done"), on the caller's thread.

    Raises InvalidInput (before anything runs) if the message is empty or too long.
    """
    text = insights.check_message(message)
    events: queue.Queue[SideEvent] = queue.Queue()

    def run(index: int, side: Side) -> TurnResult:
        def on_text(delta: str) -> None:
            events.put(SideEvent(side=index, kind="text", text=delta))

        target = side.variant.target
        try:
            return turn.run_turn(
                engine=engine,
                backend=side.backend,
                target=target,
                message=text,
                history=side.history,
                session_id=side.session_id,
                source=TurnSource.COMPARE,
                store=store if target.config.retrieval.enabled else None,
                model=side.model,
                on_text=on_text,
                comparison_id=comparison_id,
            )
        except StudioError as error:
            return _failed(side, text, error)

    pool = ThreadPoolExecutor(max_workers=max(1, len(sides)), thread_name_prefix="compare-side")
    try:
        futures: dict[Future[TurnResult], int] = {
            # Each side runs as the person who sent the message (contextvars do not cross into
            # pool threads by themselves).
            pool.submit(contextvars.copy_context().run, run, index, side): index
            for index, side in enumerate(sides)
        }
        pending = set(futures)
        while pending or not events.empty():
            try:
                event: SideEvent | None = events.get(timeout=_POLL_S)
            except queue.Empty:
                event = None
            if event is not None:
                yield event
            for future in [f for f in pending if f.done()]:
                pending.discard(future)
                # Deltas the side put in before finishing come first, then its result.
                while not events.empty():
                    yield events.get_nowait()
                yield SideEvent(side=futures[future], kind="done", result=future.result())
    finally:
        # A caller that stops listening (a Streamlit rerun) lets the sides finish and log.
        pool.shutdown(wait=False)


def run_side_by_side(
    *,
    engine: Engine,
    sides: Sequence[Side],
    message: str,
    comparison_id: str,
    store: KnowledgeStore | None = None,
) -> list[TurnResult]:
    """Both sides' results, in side order (deltas ignored). Raises InvalidInput like
    `stream_side_by_side`."""
    results: dict[int, TurnResult] = {}
    for event in stream_side_by_side(
        engine=engine, sides=sides, message=message, comparison_id=comparison_id, store=store
    ):
        if event.kind == "done" and event.result is not None:
            results[event.side] = event.result
    return [results[i] for i in range(len(sides))]
