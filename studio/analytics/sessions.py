"""Drill-down and export: the filtered session list, one session's transcript, and the filtered
sessions and turns as CSV or JSONL (JSONL in the transcript-import shape, so it round-trips)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlmodel import Session, col

from studio.analytics import rollups
from studio.analytics.dashboard import version_label
from studio.analytics.filters import DRAFT, Filters, rollup_conditions, session_conditions
from studio.chat.conversations import TurnRecord, session_turns
from studio.core.errors import InvalidInput
from studio.core.models import Assistant, ChatSession, Feedback, Turn
from studio.core.rollup_tables import RollupSession

MAX_LIST = 500
MAX_EXPORT_TURNS = 50_000


class SessionFlag(StrEnum):
    ANY = "any"
    ESCALATED = "escalated"
    ABANDONED = "abandoned"
    RATED_DOWN = "rated_down"


class SessionRow(BaseModel):
    id: int
    started_at: datetime
    assistant: str
    version: str
    source: str
    title: str
    turns: int
    escalated: bool
    abandoned: bool


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _session_query(filters: Filters, *, search: str, flag: SessionFlag) -> Any:
    query = (
        select(ChatSession, col(Assistant.name))
        .join(Assistant, col(Assistant.id) == col(ChatSession.assistant_id))
        .where(session_conditions(filters, both_periods=False))
    )
    text = search.strip()[:200]
    if text:
        query = query.where(col(ChatSession.title).ilike(f"%{_escape_like(text)}%", escape="\\"))
    if flag is SessionFlag.ESCALATED:
        query = query.where(col(ChatSession.escalated).is_(True))
    elif flag is SessionFlag.ABANDONED:
        query = query.where(col(ChatSession.unanswered).is_(True))
    elif flag is SessionFlag.RATED_DOWN:
        down = (
            select(col(Turn.session_id))
            .join(Feedback, col(Feedback.turn_id) == col(Turn.id))
            .where(col(Feedback.rating) == -1)
        )
        query = query.where(col(ChatSession.id).in_(down))
    return query


_ROLLUP_COUNTS = {
    SessionFlag.ANY: "sessions",
    SessionFlag.ESCALATED: "escalated_sessions",
    SessionFlag.ABANDONED: "abandoned",
}


def _counted(session: Session, filters: Filters, *, search: str, flag: SessionFlag) -> int | None:
    """How many sessions match, from the rollups when they hold the answer (no search, nothing
    pending: this is a read, it does not refresh them)."""
    column = _ROLLUP_COUNTS.get(flag)
    if search.strip() or column is None or rollups.pending(session=session):
        return None
    where = rollup_conditions(RollupSession, filters, both_periods=False)
    total = session.execute(
        select(func.sum(getattr(RollupSession, column))).where(where)
    ).scalar_one()
    return int(total or 0)


def list_sessions(
    *,
    session: Session,
    filters: Filters,
    search: str = "",
    flag: SessionFlag = SessionFlag.ANY,
    limit: int = MAX_LIST,
) -> tuple[list[SessionRow], int]:
    """The newest `limit` sessions of the period matching search/flag, and how many match."""
    filters = filters.check()
    query = _session_query(filters, search=search, flag=flag)
    total = _counted(session, filters, search=search, flag=flag)
    if total is None:
        total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(col(ChatSession.started_at).desc(), col(ChatSession.id).desc()).limit(limit)
    ).all()
    return [
        SessionRow(
            id=chat.id or 0,
            started_at=chat.started_at,
            assistant=name,
            version=version_label(chat.version_number or DRAFT),
            source=chat.source.value,
            title=chat.title or "(untitled)",
            turns=chat.turn_count,
            escalated=chat.escalated,
            abandoned=chat.unanswered,
        )
        for chat, name in rows
    ], int(total)


def transcript(*, session: Session, session_id: int) -> list[TurnRecord]:
    """Every turn of a session with tags, citations, tool calls and feedback. Raises NotFound."""
    return session_turns(session=session, session_id=session_id)


# --------------------------------------------------------------------------- export


def _export_rows(session: Session, filters: Filters) -> list[tuple[ChatSession, str, Turn, Any]]:
    filters = filters.check()
    ids = select(col(ChatSession.id)).where(session_conditions(filters, both_periods=False))
    count = session.execute(
        select(func.count()).select_from(Turn).where(col(Turn.session_id).in_(ids))
    ).scalar_one()
    if count > MAX_EXPORT_TURNS:
        raise InvalidInput(
            f"These filters select {count:,} turns; an export holds at most "
            f"{MAX_EXPORT_TURNS:,}. Narrow the date range or pick fewer assistants."
        )
    rows = session.execute(
        select(ChatSession, col(Assistant.name), Turn, Feedback)
        .join(Assistant, col(Assistant.id) == col(ChatSession.assistant_id))
        .join(Turn, col(Turn.session_id) == col(ChatSession.id))
        .join(Feedback, col(Feedback.turn_id) == col(Turn.id), isouter=True)
        .where(col(ChatSession.id).in_(ids))
        .order_by(col(ChatSession.started_at), col(ChatSession.id), col(Turn.id))
    ).all()
    return [(c, n, t, f) for c, n, t, f in rows]


def _turn_fields(chat: ChatSession, assistant: str, turn: Turn, feedback: Any) -> dict[str, Any]:
    return {
        "session_id": chat.id,
        "turn_id": turn.id,
        "created_at": turn.created_at.isoformat(),
        "assistant": assistant,
        "version": version_label(turn.version_number or DRAFT),
        "source": turn.source.value,
        "model": turn.model,
        "user_message": turn.user_message,
        "reply": turn.reply,
        "status": turn.status.value,
        "latency_ms": turn.latency_ms,
        "ttft_ms": turn.ttft_ms,
        "prompt_tokens": turn.prompt_tokens,
        "completion_tokens": turn.completion_tokens,
        "cost_usd": turn.cost_usd,
        "intent": turn.intent,
        "emotion": turn.emotion,
        "urgency": turn.urgency,
        "grounded": turn.grounded,
        "escalated": turn.escalated,
        "best_score": turn.best_score,
        "tool": turn.tool_name,
        "rating": feedback.rating if feedback else None,
        "corrected_reply": feedback.corrected_reply if feedback else None,
    }


TURN_COLUMNS = [
    "session_id",
    "turn_id",
    "created_at",
    "assistant",
    "version",
    "source",
    "model",
    "user_message",
    "reply",
    "status",
    "latency_ms",
    "ttft_ms",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
    "intent",
    "emotion",
    "urgency",
    "grounded",
    "escalated",
    "best_score",
    "tool",
    "rating",
    "corrected_reply",
]


def _csv_cell(value: Any) -> Any:
    # A cell starting with = + - @ runs as a formula in spreadsheets: keep it text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_turns_csv(*, session: Session, filters: Filters) -> bytes:
    """One row per turn of the filtered sessions, with its numbers, tags and feedback (UTF-8).
    Raises InvalidInput when the selection is too large."""
    rows = [_turn_fields(*r) for r in _export_rows(session, filters)]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=TURN_COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_cell(v) for k, v in row.items()})
    return out.getvalue().encode("utf-8")


def export_sessions_jsonl(*, session: Session, filters: Filters) -> bytes:
    """One conversation per line in the import shape ({id, started_at, messages, metadata}).
    Raises InvalidInput when the selection is too large."""
    lines: list[str] = []
    current: dict[str, Any] | None = None
    for chat, assistant, turn, feedback in _export_rows(session, filters):
        if current is None or current["id"] != f"studio-{chat.id}":
            if current is not None:
                lines.append(json.dumps(current, ensure_ascii=False))
            current = {
                "id": f"studio-{chat.id}",
                "started_at": chat.started_at.isoformat(),
                "messages": [],
                "metadata": {
                    "assistant": assistant,
                    "version": version_label(chat.version_number or DRAFT),
                    "source": chat.source.value,
                    "model": chat.model,
                },
            }
        stamp = turn.created_at.isoformat()
        current["messages"].append(
            {"role": "user", "content": turn.user_message, "timestamp": stamp}
        )
        if turn.reply:
            reply: dict[str, Any] = {"role": "assistant", "content": turn.reply, "timestamp": stamp}
            if feedback is not None and feedback.rating is not None:
                reply["rating"] = feedback.rating
            current["messages"].append(reply)
    if current is not None:
        lines.append(json.dumps(current, ensure_ascii=False))
    return ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8")
