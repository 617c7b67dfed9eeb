"""Keeping the Analytics rollups (studio.core.rollup_tables) equal to the raw tables.

Every change to a turn, a session or feedback is marked in `rollupdirty` by database triggers
in the writer's own transaction (migration 0010_rollups), so nothing a writer does needs to
know about rollups and nothing is missed across processes. `refresh` consumes the marks and
recomputes only those (day, assistant) keys from the raw tables: bounded work, one index range
per assistant. It is safe with several studio processes:

- PostgreSQL: refreshes take one advisory transaction lock, so they run one at a time; each
  claims the marks committed when it starts (DELETE … RETURNING) and recomputes them in later
  statements, which see every turn whose mark it claimed (READ COMMITTED: each statement sees
  what was committed before it began). A turn committed meanwhile left its own mark, which the
  next refresh picks up; a refresh that fails rolls back its claim too.
- SQLite: one writer at a time; the refresh runs in a write transaction (BEGIN IMMEDIATE).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, case, delete, func, literal, select, text, update
from sqlalchemy.engine import Dialect, Engine
from sqlmodel import Session, col

from studio.analytics.filters import day_bucket, hour_bucket, ms_bin
from studio.analytics.gaps import score_bin
from studio.core.db import retry_locked, session_scope, write_scope
from studio.core.models import ChatSession, Feedback, Turn, TurnStatus
from studio.core.rollup_tables import (
    RollupDay,
    RollupDirty,
    RollupDocument,
    RollupGap,
    RollupHour,
    RollupLatency,
    RollupSession,
    RollupState,
    RollupTag,
    TurnSums,
)

LOCK_KEY = 0x524F_4C4C_5550  # "ROLLUP": the advisory lock of refreshes on PostgreSQL
TABLES: tuple[Any, ...] = (
    RollupHour, RollupDay, RollupSession, RollupLatency, RollupTag, RollupDocument, RollupGap,
)  # fmt: skip


def _flag(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _key_columns(dialect: Dialect) -> tuple[Any, ...]:
    t = Turn
    return (
        day_bucket(col(t.created_at), dialect).label("day"),
        col(t.assistant_id).label("assistant_id"),
        func.coalesce(col(t.version_number), 0).label("version"),
        col(t.source).label("source"),
    )


def _statements(dialect: Dialect, turn_where: list[Any], session_where: list[Any]) -> list[Any]:
    """INSERT … SELECT for every rollup table over the raw rows selected by the conditions."""
    t, f, s = Turn, Feedback, ChatSession
    day, assistant, version, source = _key_columns(dialect)
    hour = hour_bucket(col(t.created_at), dialect).label("hour")
    hours: Select[Any] = (
        select(
            day,
            assistant,
            hour,
            version,
            source,
            col(t.model).label("model"),
            func.count().label("turns"),
            _flag(col(t.status) != TurnStatus.FAILED),
            _flag(col(t.status) != TurnStatus.OK),
            func.sum(col(t.prompt_tokens)),
            func.sum(col(t.completion_tokens)),
            func.sum(col(t.cost_usd)),
            func.count(col(t.grounded)),
            _flag(col(t.grounded).is_(False)),
            _flag(col(t.escalated).is_(True)),
            _flag(col(t.brand_violations) > 0),
            func.sum(col(t.brand_violations)),
            func.count(col(f.id)),
            _flag(col(f.rating) == 1),
            _flag(col(f.rating) == -1),
            _flag(col(f.corrected_reply).is_not(None)),
        )
        .select_from(t)
        .outerjoin(f, col(f.turn_id) == col(t.id))
        .where(*turn_where)
        .group_by(day, assistant, hour, version, source, col(t.model))
    )
    s_day = day_bucket(col(s.started_at), dialect).label("day")
    s_version = func.coalesce(col(s.version_number), 0).label("version")
    sessions: Select[Any] = (
        select(
            s_day,
            col(s.assistant_id),
            s_version,
            col(s.source),
            func.count(),
            func.sum(col(s.turn_count)),
            _flag(col(s.escalated).is_(True)),
            _flag(col(s.unanswered).is_(True)),
        )
        .where(*session_where)
        .group_by(s_day, col(s.assistant_id), s_version, col(s.source))
    )

    def latency(metric: str, column: Any) -> Select[Any]:
        ms = ms_bin(column, dialect).label("ms")
        return (
            select(day, assistant, version, source, literal(metric), ms, func.count())
            .where(*turn_where, column.is_not(None))
            .group_by(day, assistant, version, source, ms)
        )

    tag_columns = (col(t.intent), col(t.emotion), col(t.urgency), col(t.tool_name))
    tags = (
        select(day, assistant, version, source, *tag_columns, func.count())
        .where(*turn_where)
        .group_by(day, assistant, version, source, *tag_columns)
    )
    documents = (
        select(day, assistant, version, source, col(t.top_document_id), func.count())
        .where(*turn_where, col(t.top_document_id).is_not(None))
        .group_by(day, assistant, version, source, col(t.top_document_id))
    )
    intent = func.coalesce(col(t.intent), "other")
    score = score_bin(col(t.best_score))
    gaps = (
        select(
            day,
            assistant,
            version,
            source,
            intent,
            score,
            func.count(),
            func.min(col(t.user_message)),
        )
        .where(*turn_where, col(t.best_score).is_not(None))
        .group_by(day, assistant, version, source, intent, score)
    )
    key = ["day", "assistant_id", "version", "source"]
    return [
        RollupHour.__table__.insert().from_select(  # type: ignore[attr-defined]
            [
                "day",
                "assistant_id",
                "hour",
                "version",
                "source",
                "model",
                "turns",
                "replies",
                "errors",
                "prompt_tokens",
                "completion_tokens",
                "cost_usd",
                "grounding_known",
                "ungrounded",
                "escalated",
                "violating",
                "violations",
                "feedback",
                "up",
                "down",
                "edited",
            ],
            hours,
        ),
        RollupSession.__table__.insert().from_select(  # type: ignore[attr-defined]
            [*key, "sessions", "session_turns", "escalated_sessions", "abandoned"], sessions
        ),
        *(
            RollupLatency.__table__.insert().from_select(  # type: ignore[attr-defined]
                [*key, "metric", "ms", "n"], latency(metric, column)
            )
            for metric, column in (("latency", col(t.latency_ms)), ("ttft", col(t.ttft_ms)))
        ),
        RollupTag.__table__.insert().from_select(  # type: ignore[attr-defined]
            [*key, "intent", "emotion", "urgency", "tool_name", "n"], tags
        ),
        RollupDocument.__table__.insert().from_select(  # type: ignore[attr-defined]
            [*key, "document_id", "n"], documents
        ),
        RollupGap.__table__.insert().from_select(  # type: ignore[attr-defined]
            [*key, "intent", "score_bin", "n", "first_message"], gaps
        ),
    ]


def _days(hour_where: list[Any]) -> Any:
    """INSERT … SELECT of RollupDay from the RollupHour rows selected (just recomputed)."""
    h = RollupHour
    names = ["day", "assistant_id", "version", "source", "model", *TurnSums.model_fields]
    keys = [col(h.day), col(h.assistant_id), col(h.version), col(h.source), col(h.model)]
    sums = [func.sum(getattr(h, name)) for name in TurnSums.model_fields]
    query = select(*keys, *sums).where(*hour_where).group_by(*keys)
    return RollupDay.__table__.insert().from_select(names, query)  # type: ignore[attr-defined]


def _bump(session: Session) -> None:
    changed = session.execute(
        update(RollupState)
        .where(col(RollupState.id) == 1)
        .values(generation=col(RollupState.generation) + 1)
    )
    if not changed.rowcount:  # type: ignore[attr-defined]
        session.add(RollupState(id=1, generation=1))
        session.flush()


def rebuild(*, session: Session) -> None:
    """Recompute every rollup from every raw row (what the migration's back-fill does)."""
    dialect = session.get_bind().dialect
    _lock(session)
    session.execute(delete(RollupDirty))
    for table in TABLES:
        session.execute(delete(table))
    for statement in _statements(dialect, [], []):
        session.execute(statement)
    session.execute(_days([]))
    _bump(session)


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def _claim(session: Session) -> list[tuple[str, int]]:
    """Take the marks committed so far (they go with this transaction, or come back on error)."""
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text(
                "WITH gone AS (DELETE FROM rollupdirty RETURNING day, assistant_id) "
                "SELECT DISTINCT day, assistant_id FROM gone"
            )
        ).all()
    else:
        rows = session.execute(
            select(col(RollupDirty.day), col(RollupDirty.assistant_id)).distinct()
        ).all()
        if rows:
            session.execute(delete(RollupDirty))
    return [(str(day), int(assistant)) for day, assistant in rows]


def _ranges(keys: list[tuple[str, int]]) -> list[tuple[int, date, date]]:
    """(assistant, first day, last day) runs of consecutive days."""
    days: dict[int, list[date]] = defaultdict(list)
    for text_day, assistant in keys:
        days[assistant].append(date.fromisoformat(text_day))
    runs: list[tuple[int, date, date]] = []
    for assistant, found in sorted(days.items()):
        found.sort()
        first = last = found[0]
        for day in found[1:]:
            if day > last + timedelta(days=1):
                runs.append((assistant, first, last))
                first = day
            last = day
        runs.append((assistant, first, last))
    return runs


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _recompute(session: Session, assistant: int, first: date, last: date) -> None:
    for table in TABLES:
        session.execute(
            delete(table).where(
                table.assistant_id == assistant,
                table.day >= first.isoformat(),
                table.day <= last.isoformat(),
            )
        )
    begin, end = _midnight(first), _midnight(last + timedelta(days=1))
    turns = [
        col(Turn.assistant_id) == assistant,
        col(Turn.created_at) >= begin,
        col(Turn.created_at) < end,
    ]
    sessions = [
        col(ChatSession.assistant_id) == assistant,
        col(ChatSession.started_at) >= begin,
        col(ChatSession.started_at) < end,
    ]
    for statement in _statements(session.get_bind().dialect, turns, sessions):
        session.execute(statement)
    h = RollupHour
    session.execute(
        _days([h.assistant_id == assistant, h.day >= first.isoformat(), h.day <= last.isoformat()])
    )


def refresh(*, session: Session) -> int:
    """Bring the rollups up to date in `session`'s transaction; return how many (day,
    assistant) keys were recomputed. Call it in a unit of work that may write; it writes (and
    locks) nothing when nothing is pending."""
    if not pending(session=session):
        return 0
    _lock(session)
    keys = _claim(session)
    if not keys:
        return 0
    for assistant, first, last in _ranges(keys):
        _recompute(session, assistant, first, last)
    _bump(session)
    return len(keys)


def pending(*, session: Session) -> bool:
    """Whether some change is not in the rollups yet (a cheap read)."""
    return session.execute(select(col(RollupDirty.id)).limit(1)).first() is not None


def refresh_now(engine: Engine) -> int:
    """`refresh` in a unit of work of its own (none when nothing is pending): retried while
    SQLite reports another writer, committed before the dashboard reads."""
    with session_scope(engine) as session:
        if not pending(session=session):
            return 0

    def work() -> int:
        with write_scope(engine) as session:
            return refresh(session=session)

    return retry_locked(work)
