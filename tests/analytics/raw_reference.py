"""The dashboard's SQL before rollups (revision 0008): the same GROUP BY queries straight over
the raw turns, sessions and feedback, with 10 ms latency bins. The tests compare the rollups
against it; the benchmark runs it as the old baseline."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Integer, Select, case, cast, func, literal, select, union_all
from sqlalchemy.engine import Dialect
from sqlmodel import Session, col

from studio.analytics.filters import (
    DRAFT,
    Filters,
    day_bucket,
    hour_bucket,
    session_conditions,
    turn_conditions,
)
from studio.core.models import ChatSession, Feedback, Turn, TurnStatus


def ms_bin(column: Any, dialect: Dialect) -> Any:
    """A duration in ms rounded down to its 10 ms bin, in the database."""
    if dialect.name == "postgresql":
        return cast(func.floor(column / 10), Integer) * 10
    return cast(column / 10, Integer) * 10


def _current(column: Any, filters: Filters) -> Any:
    return case((column >= filters.current[0], 1), else_=0)


def _version(column: Any) -> Any:
    return func.coalesce(column, DRAFT)


def _count_if(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def statements(filters: Filters, dialect: Dialect) -> dict[str, Select[Any]]:
    """Every aggregate query of a dashboard, by name (the benchmark times them alone)."""
    t = Turn
    current = _current(col(t.created_at), filters).label("current")
    version = _version(col(t.version_number)).label("version")
    keys: tuple[Any, ...] = (current, col(t.assistant_id).label("assistant_id"), version)
    where = turn_conditions(filters)

    hours = hour_bucket(col(t.created_at), dialect).label("hour")
    turns = (
        select(
            hours,
            *keys,
            col(t.model).label("model"),
            func.count().label("turns"),
            _count_if(col(t.status) != TurnStatus.FAILED).label("replies"),
            _count_if(col(t.status) != TurnStatus.OK).label("errors"),
            func.sum(col(t.prompt_tokens)).label("prompt_tokens"),
            func.sum(col(t.completion_tokens)).label("completion_tokens"),
            func.sum(col(t.cost_usd)).label("cost_usd"),
            func.count(col(t.grounded)).label("grounding_known"),
            _count_if(col(t.grounded).is_(False)).label("ungrounded"),
            _count_if(col(t.escalated).is_(True)).label("escalated"),
            _count_if(col(t.brand_violations) > 0).label("violating"),
            func.sum(col(t.brand_violations)).label("violations"),
        )
        .where(where)
        .group_by(hours, *keys, col(t.model))
    )

    s = ChatSession
    s_keys: tuple[Any, ...] = (
        _current(col(s.started_at), filters).label("current"),
        col(s.assistant_id).label("assistant_id"),
        _version(col(s.version_number)).label("version"),
    )
    s_day = day_bucket(col(s.started_at), dialect).label("day")
    sessions = (
        select(
            s_day,
            *s_keys,
            func.count().label("sessions"),
            func.sum(col(s.turn_count)).label("session_turns"),
            _count_if(col(s.escalated).is_(True)).label("escalated_sessions"),
            _count_if(col(s.unanswered).is_(True)).label("abandoned"),
        )
        .where(session_conditions(filters))
        .group_by(s_day, *s_keys)
    )

    f_day = day_bucket(col(t.created_at), dialect).label("day")
    feedback = (
        select(
            f_day,
            *keys,
            _count_if(col(Feedback.rating) == 1).label("up"),
            _count_if(col(Feedback.rating) == -1).label("down"),
            _count_if(col(Feedback.corrected_reply).is_not(None)).label("edited"),
        )
        .select_from(Feedback)
        .join(t, col(t.id) == col(Feedback.turn_id))
        .where(where)
        .group_by(f_day, *keys)
    )

    def histogram(metric: str, column: Any) -> Select[Any]:
        ms = ms_bin(column, dialect).label("ms")
        return (
            select(literal(metric).label("metric"), *keys, ms, func.count().label("n"))
            .where(where, column.is_not(None))
            .group_by(*keys, ms)
        )

    latency = union_all(
        histogram("latency", col(t.latency_ms)), histogram("ttft", col(t.ttft_ms))
    ).subquery()
    latencies = select(latency)

    tag_cols: dict[str, Any] = {
        "intent": col(t.intent),
        "emotion": col(t.emotion),
        "urgency": col(t.urgency),
        "tool_name": col(t.tool_name),
    }
    tags = (
        select(*keys, *(c.label(n) for n, c in tag_cols.items()), func.count().label("n"))
        .where(where)
        .group_by(*keys, *tag_cols.values())
    )

    documents = (
        select(
            col(t.assistant_id).label("assistant_id"),
            version,
            col(t.top_document_id).label("document_id"),
            func.count().label("n"),
        )
        .where(turn_conditions(filters, both_periods=False), col(t.top_document_id).is_not(None))
        .group_by(col(t.assistant_id), version, col(t.top_document_id))
    )
    return {
        "turns": turns,
        "sessions": sessions,
        "feedback": feedback,
        "latencies": latencies,
        "tags": tags,
        "documents": documents,
    }


def run_raw(*, session: Session, filters: Filters) -> dict[str, list[Any]]:
    """Run every aggregate and fetch its rows, nothing more (the benchmark's baseline)."""
    dialect = session.get_bind().dialect
    return {
        name: list(session.execute(q).all()) for name, q in statements(filters, dialect).items()
    }


def frames(*, session: Session, filters: Filters) -> dict[str, pd.DataFrame]:
    """Every aggregate as a small DataFrame, numbers as numbers (0 where SQL said NULL)."""
    dialect = session.get_bind().dialect
    out: dict[str, pd.DataFrame] = {}
    for name, query in statements(filters, dialect).items():
        result = session.execute(query)
        frame = pd.DataFrame(result.all(), columns=list(result.keys()))
        out[name] = _numeric(frame)
    return out


_TEXT = {"hour", "day", "model", "metric", "intent", "emotion", "urgency", "tool_name"}


def _numeric(frame: pd.DataFrame) -> pd.DataFrame:
    for column in frame.columns:
        if column not in _TEXT:
            frame[column] = pd.to_numeric(frame[column]).fillna(0)
    return frame
