"""Logged chat sessions and turns: writing a turn, listing/reopening sessions, feedback."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from studio.access.roles import Permission, current_actor, require
from studio.chat.results import TurnResult, TurnTarget
from studio.core.db import retry_locked, write_scope
from studio.core.errors import InvalidInput, NotFound, StudioError
from studio.core.models import ChatSession, Feedback, Turn, TurnSource, TurnStatus, utcnow
from studio.core.redaction import redact

log = logging.getLogger(__name__)
MAX_COMMENT = 2000
MAX_CORRECTION = 8000


class SessionSummary(BaseModel):
    id: int
    assistant_id: int
    title: str
    backend: str
    model: str
    source: TurnSource
    version_number: int | None
    started_at: datetime
    last_turn_at: datetime
    turn_count: int


class TurnRecord(BaseModel):
    """A stored turn as the Preview page redraws it (read-only)."""

    id: int
    user_message: str
    reply: str
    status: TurnStatus
    error: str | None
    backend: str
    model: str
    created_at: datetime
    ttft_ms: float | None
    latency_ms: float | None
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    intent: str | None
    emotion: str | None
    urgency: str | None
    tagger: str | None = None
    lint_flags: list[str]
    grounded: bool | None
    escalated: bool
    retrieved: list[dict[str, Any]]
    tool_calls: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    rating: int | None = None
    comment: str = ""
    corrected_reply: str | None = None


def log_turn(
    *,
    engine: Engine,
    target: TurnTarget,
    result: TurnResult,
    source: TurnSource,
    comparison_id: str | None = None,
) -> None:
    """Store a turn (and its session, if new); sets result.session_id/turn_id or result.log_error.

    A new session records `comparison_id`, shared by both sides of a live comparison.

    Never raises: the person chatting must not lose a reply because the database hiccuped. The
    write takes SQLite's lock up front and is retried a few times while another writer holds it,
    so the studio's own load (many chats at once) never loses a turn.
    """
    try:
        session_id, turn_id = retry_locked(
            lambda: _write_turn(
                engine=engine,
                target=target,
                result=result,
                source=source,
                comparison_id=comparison_id,
            )
        )
    except (SQLAlchemyError, StudioError, ValueError) as exc:
        log.warning("could not log a turn: %s", type(exc).__name__)
        result.log_error = (
            "This turn could not be saved to the history (the database did not accept it); the "
            "chat itself is unaffected."
        )
    else:
        result.session_id, result.turn_id = session_id, turn_id


def _write_turn(
    *,
    engine: Engine,
    target: TurnTarget,
    result: TurnResult,
    source: TurnSource,
    comparison_id: str | None,
) -> tuple[int | None, int | None]:
    tags = result.tags
    passing = [p for p in result.passages if p.passed_threshold]
    top = max(passing, key=lambda p: p.score, default=None)
    # Everything is computed before the transaction begins: it holds the write lock.
    fields: dict[str, Any] = dict(
        assistant_id=target.assistant_id,
        version_number=target.version_number,
        config_hash=target.config_hash,
        source=source,
        backend=result.backend,
        model=result.model,
        user_name=current_actor().name,
        provider=result.backend_label[:200],
        user_message=result.user_message,
        reply=result.reply,
        status=result.status,
        error=redact(result.error) if result.error else None,
        ttft_ms=result.ttft_ms,
        latency_ms=result.latency_ms,
        prompt_tokens=result.prompt_tokens,
        completion_tokens=result.completion_tokens,
        cost_usd=result.cost_usd,
        intent=tags.intent.value if tags else None,
        emotion=tags.emotion.value if tags else None,
        urgency=tags.urgency.value if tags else None,
        tagger=tags.tagger if tags else None,
        lint_flags=list(result.lint_flags),
        grounded=result.grounded,
        escalated=result.escalated,
        retrieved=[p.model_dump(mode="json") for p in result.passages],
        tool_calls=[c.model_dump(mode="json") for c in result.tool_calls],
        messages=result.messages,
        best_score=max((p.score for p in result.passages), default=None),
        top_document_id=top.document_id if top else None,
        tool_name=result.tool_calls[0].name[:80] if result.tool_calls else None,
        brand_violations=sum(f.startswith(("phrase:", "topic:")) for f in result.lint_flags),
    )
    with write_scope(engine) as db:
        chat = db.get(ChatSession, result.session_id) if result.session_id else None
        if chat is None:
            chat = ChatSession(
                assistant_id=target.assistant_id,
                version_number=target.version_number,
                config_hash=target.config_hash,
                source=source,
                backend=result.backend,
                model=result.model,
                title=result.user_message[:80],
                comparison_id=comparison_id,
            )
            db.add(chat)
            db.flush()
        chat.last_turn_at = utcnow()
        chat.turn_count += 1
        chat.escalated = chat.escalated or result.escalated
        chat.unanswered = result.status is TurnStatus.FAILED or not result.reply.strip()
        turn = Turn(session_id=chat.id or 0, **fields)  # a fresh row on every attempt
        db.add(turn)
        db.flush()
        ids = chat.id, turn.id
    return ids


def list_sessions(
    *,
    session: Session,
    assistant_id: int,
    limit: int = 30,
    sources: tuple[TurnSource, ...] = (TurnSource.PREVIEW,),
) -> list[SessionSummary]:
    """The assistant's most recent chat sessions of `sources` (the Preview's own by default, not
    imported, generated or suite sessions) with their turn counts."""
    rows = session.exec(
        select(ChatSession)
        .where(ChatSession.assistant_id == assistant_id, col(ChatSession.source).in_(sources))
        .order_by(col(ChatSession.last_turn_at).desc())
        .limit(limit)
    ).all()
    return [
        SessionSummary(
            id=c.id or 0,
            assistant_id=c.assistant_id,
            title=c.title or "(untitled)",
            backend=c.backend,
            model=c.model,
            source=c.source,
            version_number=c.version_number,
            started_at=c.started_at,
            last_turn_at=c.last_turn_at,
            turn_count=c.turn_count,  # kept up to date by log_turn (and the importers)
        )
        for c in rows
    ]


def session_turns(*, session: Session, session_id: int) -> list[TurnRecord]:
    """Every turn of a session, oldest first, with its feedback. Raises NotFound if unknown."""
    if session.get(ChatSession, session_id) is None:
        raise NotFound("That conversation no longer exists.")
    rows = session.exec(
        select(Turn, Feedback)
        .join(Feedback, col(Feedback.turn_id) == Turn.id, isouter=True)
        .where(Turn.session_id == session_id)
        .order_by(col(Turn.id))
    ).all()
    records = []
    for turn, feedback in rows:
        data = turn.model_dump()
        data.update(
            rating=feedback.rating if feedback else None,
            comment=feedback.comment if feedback else "",
            corrected_reply=feedback.corrected_reply if feedback else None,
        )
        records.append(TurnRecord.model_validate(data))
    return records


def _feedback_row(session: Session, turn_id: int) -> Feedback:
    if session.get(Turn, turn_id) is None:
        raise NotFound("That reply was not saved, so it cannot take feedback.")
    existing = session.exec(select(Feedback).where(Feedback.turn_id == turn_id)).first()
    return existing or Feedback(turn_id=turn_id)


def rate_turn(*, session: Session, turn_id: int, rating: int, comment: str = "") -> None:
    """Store 👍 (+1) or 👎 (-1) with an optional comment. Raises InvalidInput/NotFound."""
    require(Permission.FEEDBACK)
    if rating not in (1, -1):
        raise InvalidInput("A rating is 👍 or 👎.")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(f"Keep the comment under {MAX_COMMENT:,} characters.")
    row = _feedback_row(session, turn_id)
    row.rating, row.comment, row.updated_at = rating, comment, utcnow()
    session.add(row)
    session.flush()


def correct_turn(*, session: Session, turn_id: int, corrected_reply: str) -> None:
    """Store the answer the assistant should have given. Raises InvalidInput/NotFound."""
    require(Permission.FEEDBACK)
    text = corrected_reply.strip()
    if not text:
        raise InvalidInput("Write the corrected reply first.")
    if len(text) > MAX_CORRECTION:
        raise InvalidInput(f"Keep the corrected reply under {MAX_CORRECTION:,} characters.")
    row = _feedback_row(session, turn_id)
    row.corrected_reply, row.updated_at = text, utcnow()
    session.add(row)
    session.flush()
