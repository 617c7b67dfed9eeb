"""The dashboard's SQL: a handful of GROUP BY queries over the rollups (studio.analytics.rollups)
of the selected and the previous period, each returning a small DataFrame (hours × versions ×
models, not turns). The rollups hold whole UTC days, which is what a period is made of."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Date, Integer, Select, and_, case, cast, func, select
from sqlalchemy.engine import Dialect
from sqlmodel import Session, col

from studio.analytics.filters import Filters, rollup_conditions
from studio.core.models import Document, KnowledgeBase
from studio.core.rollup_tables import (
    RollupDay,
    RollupDocument,
    RollupHour,
    RollupLatency,
    RollupSession,
    RollupTag,
)

SUMS = (
    "turns", "replies", "errors", "prompt_tokens", "completion_tokens", "cost_usd",
    "grounding_known", "ungrounded", "escalated", "violating", "violations",
)  # fmt: skip


def _keys(table: Any, filters: Filters) -> tuple[Any, ...]:
    current = case((table.day >= filters.start.isoformat(), 1), else_=0).label("current")
    return current, table.assistant_id.label("assistant_id"), table.version.label("version")


def _sums(table: Any, *names: str) -> list[Any]:
    return [func.sum(getattr(table, name)).label(name) for name in names]


def _weekday(day: Any, dialect: Dialect) -> Any:
    """0 = Monday … 6 = Sunday of a 'YYYY-MM-DD' column."""
    if dialect.name == "postgresql":
        return cast(func.extract("isodow", cast(day, Date)), Integer) - 1
    return (cast(func.strftime("%w", day), Integer) + 6) % 7


def statements(filters: Filters, dialect: Dialect) -> dict[str, Select[Any]]:
    """Every aggregate query of a dashboard, by name (the benchmark times them alone)."""
    # Days, or hours when the charts draw hours (a short range: few rows either way).
    t: Any = RollupHour if filters.hourly else RollupDay
    keys = _keys(t, filters)
    times: list[Any] = [col(t.day).label("day")] + (
        [col(t.hour).label("hour")] if filters.hourly else []
    )
    turns = (
        select(
            *times,
            *keys,
            col(t.model).label("model"),
            *_sums(t, *SUMS),
        )
        .where(rollup_conditions(t, filters))
        .group_by(*times, *keys, col(t.model))
    )
    feedback = (
        select(col(t.day).label("day"), *keys, *_sums(t, "up", "down", "edited"))
        .where(rollup_conditions(t, filters), col(t.feedback) > 0)
        .group_by(col(t.day), *keys)
    )
    h = RollupHour
    weekday = _weekday(col(h.day), dialect).label("weekday")
    hour = cast(func.substr(col(h.hour), 12, 2), Integer).label("hour_of_day")
    heatmap = (
        select(
            weekday,
            hour,
            col(h.assistant_id).label("assistant_id"),
            col(h.version).label("version"),
            func.sum(col(h.turns)).label("turns"),
        )
        .where(rollup_conditions(h, filters, both_periods=False))
        .group_by(weekday, hour, col(h.assistant_id), col(h.version))
    )
    s = RollupSession
    s_keys = _keys(s, filters)
    sessions = (
        select(
            col(s.day).label("day"),
            *s_keys,
            *_sums(s, "sessions", "session_turns", "escalated_sessions", "abandoned"),
        )
        .where(rollup_conditions(s, filters))
        .group_by(col(s.day), *s_keys)
    )
    lat = RollupLatency
    l_keys = _keys(lat, filters)
    latencies = (
        select(
            col(lat.metric).label("metric"),
            *l_keys,
            col(lat.ms).label("ms"),
            func.sum(col(lat.n)).label("n"),
        )
        .where(rollup_conditions(lat, filters))
        .group_by(col(lat.metric), *l_keys, col(lat.ms))
    )
    g = RollupTag
    g_keys = _keys(g, filters)
    tag_columns = (col(g.intent), col(g.emotion), col(g.urgency), col(g.tool_name))
    tags = (
        select(*g_keys, *tag_columns, func.sum(col(g.n)).label("n"))
        .where(rollup_conditions(g, filters))
        .group_by(*g_keys, *tag_columns)
    )
    d = RollupDocument
    documents: Any = (
        select(
            col(d.assistant_id).label("assistant_id"),
            col(d.version).label("version"),
            col(d.document_id).label("document_id"),
            func.sum(col(d.n)).label("n"),
        )
        .where(rollup_conditions(d, filters, both_periods=False))
        .group_by(col(d.assistant_id), col(d.version), col(d.document_id))
    )
    return {
        "turns": turns,
        "heatmap": heatmap,
        "sessions": sessions,
        "feedback": feedback,
        "latencies": latencies,
        "tags": tags,
        "documents": documents,
    }


def run_raw(*, session: Session, filters: Filters) -> dict[str, list[Any]]:
    """Run every aggregate and fetch its rows, nothing more (the benchmark's baseline)."""
    return {
        name: list(session.execute(q).all())
        for name, q in statements(filters, session.get_bind().dialect).items()
    }


def frames(*, session: Session, filters: Filters) -> dict[str, pd.DataFrame]:
    """Every aggregate as a small DataFrame, numbers as numbers (0 where SQL said NULL)."""
    out: dict[str, pd.DataFrame] = {}
    for name, query in statements(filters, session.get_bind().dialect).items():
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


def document_names(*, session: Session, assistant_ids: list[int]) -> pd.DataFrame:
    """The documents of the assistants' knowledge bases (id, name, assistant), for citations."""
    query: Any = (
        select(
            col(Document.id).label("document_id"),
            col(Document.name).label("document"),
            col(KnowledgeBase.assistant_id).label("assistant_id"),
        )
        .join(KnowledgeBase, col(KnowledgeBase.id) == col(Document.knowledge_base_id))
        .where(col(KnowledgeBase.assistant_id).is_not(None))
    )
    if assistant_ids:
        query = query.where(and_(col(KnowledgeBase.assistant_id).in_(assistant_ids)))
    result = session.execute(query)
    return pd.DataFrame(result.all(), columns=list(result.keys()))
