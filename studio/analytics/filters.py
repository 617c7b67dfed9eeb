"""What a dashboard looks at: a date range, assistants, versions and sources, and the SQL
conditions that select it (the same on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import ColumnElement, Integer, and_, case, cast, func, or_, select
from sqlalchemy.engine import Dialect
from sqlmodel import Session, col

from studio.core.errors import InvalidInput
from studio.core.models import Assistant, AssistantVersion, ChatSession, Turn, TurnSource
from studio.core.rollup_tables import RollupDay, RollupDirty, RollupSession, RollupState

DRAFT = 0
"""The version key of turns run on the draft (version_number NULL)."""
MAX_DAYS = 3660


class Filters(BaseModel):
    """A dashboard's selection. Empty tuples mean "all"; `end` is inclusive; days are UTC."""

    model_config = ConfigDict(frozen=True)

    start: date
    end: date
    assistant_ids: tuple[int, ...] = ()
    versions: tuple[int, ...] = ()  # version numbers, DRAFT (0) for the draft
    sources: tuple[TurnSource, ...] = ()
    split_by_version: bool = True
    gap_threshold: float = 0.35

    @field_validator("gap_threshold")
    @classmethod
    def _rounded(cls, value: float) -> float:
        # A slider's 0.35000000000000003 is the 0.35 the person picked (and the rollups' edge).
        return round(value, 4)

    def check(self) -> Filters:
        """The filters themselves. Raises InvalidInput if the range is backwards or too long."""
        if self.end < self.start:
            raise InvalidInput("The end date is before the start date: pick a later end date.")
        if (self.end - self.start).days >= MAX_DAYS:
            raise InvalidInput("Pick a range of at most ten years.")
        if not 0.0 <= self.gap_threshold <= 1.0:
            raise InvalidInput("The knowledge-gap threshold is a score between 0 and 1.")
        return self

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def hourly(self) -> bool:
        """Whether the charts draw hours (a range of up to three days) rather than days."""
        return self.days <= 3

    @property
    def current(self) -> tuple[datetime, datetime]:
        """[start, end) of the selected period as aware UTC datetimes."""
        begin = datetime.combine(self.start, time(), tzinfo=UTC)
        return begin, begin + timedelta(days=self.days)

    @property
    def previous(self) -> tuple[datetime, datetime]:
        """The period of equal length just before the selected one."""
        begin, _ = self.current
        return begin - timedelta(days=self.days), begin


def selection(
    filters: Filters, *, assistant: Any, version: Any, source: Any
) -> list[ColumnElement[bool]]:
    """Conditions on assistant, version and source columns (no time condition)."""
    where: list[ColumnElement[bool]] = []
    if filters.assistant_ids:
        where.append(assistant.in_(filters.assistant_ids))
    if filters.versions:
        numbered = [v for v in filters.versions if v != DRAFT]
        parts = [version.in_(numbered)] if numbered else []
        if DRAFT in filters.versions:
            parts.append(version.is_(None))
        where.append(or_(*parts))
    if filters.sources:
        where.append(source.in_(filters.sources))
    return where


def turn_conditions(filters: Filters, *, both_periods: bool = True) -> ColumnElement[bool]:
    """Turns of the selection created in the period (and the previous one when `both_periods`)."""
    begin, end = filters.current
    if both_periods:
        begin = filters.previous[0]
    return and_(
        col(Turn.created_at) >= begin,
        col(Turn.created_at) < end,
        *selection(
            filters, assistant=Turn.assistant_id, version=Turn.version_number, source=Turn.source
        ),
    )


def session_conditions(filters: Filters, *, both_periods: bool = True) -> ColumnElement[bool]:
    """Sessions of the selection that started in the period (and the previous one)."""
    begin, end = filters.current
    if both_periods:
        begin = filters.previous[0]
    return and_(
        col(ChatSession.started_at) >= begin,
        col(ChatSession.started_at) < end,
        *selection(
            filters,
            assistant=ChatSession.assistant_id,
            version=ChatSession.version_number,
            source=ChatSession.source,
        ),
    )


def rollup_conditions(table: Any, filters: Filters, *, both_periods: bool = True) -> Any:
    """Rows of a rollup table for the selection, in the period (and the previous one)."""
    first = (filters.previous[0] if both_periods else filters.current[0]).date().isoformat()
    where: list[ColumnElement[bool]] = [table.day >= first, table.day <= filters.end.isoformat()]
    if filters.assistant_ids:
        where.append(table.assistant_id.in_(filters.assistant_ids))
    if filters.versions:
        where.append(table.version.in_(filters.versions))  # the draft is version 0 here
    if filters.sources:
        where.append(table.source.in_(filters.sources))
    return and_(*where)


def hour_bucket(column: Any, dialect: Dialect) -> Any:
    """'YYYY-MM-DD HH' (UTC) of a timestamp column, computed by the database."""
    if dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24")
    return func.substr(column, 1, 13)  # SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC


def day_bucket(column: Any, dialect: Dialect) -> Any:
    """'YYYY-MM-DD' (UTC) of a timestamp column, computed by the database."""
    if dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.substr(column, 1, 10)


FINE_MS = 10
"""Latency bins are 10 ms wide below FINE_UNTIL_MS ms; above, each doubling of the time is cut
into BINS_PER_DOUBLING bins (at most 6.25 % of the time wide). Percentiles are the lower edge
of the bin that holds them: within 10 ms below 320 ms, within 6.25 % above."""
FINE_UNTIL_MS = 320
BINS_PER_DOUBLING = 16
DOUBLINGS = 16  # bins keep growing up to 320 ms × 2^16 (about 5.8 hours)


def bin_width(ms: float) -> int:
    """The width (ms) of the latency bin holding `ms` (10 × a power of two)."""
    if ms < FINE_UNTIL_MS:
        return FINE_MS
    edge = FINE_UNTIL_MS
    for _ in range(DOUBLINGS - 1):
        if ms < edge * 2:
            break
        edge *= 2
    return edge // BINS_PER_DOUBLING


def _floor(column: Any, width: int, dialect: Dialect) -> Any:
    if dialect.name == "postgresql":
        return cast(func.floor(column / width), Integer) * width
    return cast(column / width, Integer) * width  # SQLite's CAST truncates: floor for >= 0


def ms_bin(column: Any, dialect: Dialect) -> Any:
    """A duration in ms rounded down to the lower edge of its bin (see FINE_MS), in SQL."""
    branches = [(column < FINE_UNTIL_MS, _floor(column, FINE_MS, dialect))]
    edges = [FINE_UNTIL_MS * 2**k for k in range(DOUBLINGS)]
    for edge in edges[:-1]:
        branches.append((column < edge * 2, _floor(column, edge // BINS_PER_DOUBLING, dialect)))
    return case(*branches, else_=_floor(column, edges[-1] // BINS_PER_DOUBLING, dialect))


class FilterOptions(BaseModel):
    """What the filter widgets offer: assistants, versions per assistant, sources, data range."""

    assistants: dict[int, str]
    versions: dict[int, list[int]]  # assistant id -> its saved version numbers
    sources: list[TurnSource]
    first_day: date | None
    last_day: date | None


def assistant_names(*, session: Session) -> dict[int, str]:
    """Every assistant's name by id."""
    rows = session.execute(select(col(Assistant.id), col(Assistant.name))).all()
    return {int(i): str(n) for i, n in rows}


def filter_options(*, session: Session) -> FilterOptions:
    """Assistants, versions, sources with traffic and the days that hold any turn (from the
    rollups when they are up to date, a few thousand rows; else from the sessions)."""
    names: dict[int, str] = {
        int(i): str(n)
        for i, n in session.execute(
            select(col(Assistant.id), col(Assistant.name)).order_by(col(Assistant.name))
        ).all()
    }
    versions: dict[int, list[int]] = {}
    for assistant_id, number in session.execute(
        select(col(AssistantVersion.assistant_id), col(AssistantVersion.number)).order_by(
            col(AssistantVersion.number)
        )
    ).all():
        versions.setdefault(assistant_id, []).append(number)
    first: Any
    last: Any
    if session.execute(select(col(RollupDirty.id)).limit(1)).first() is None:
        found = session.execute(select(col(RollupSession.source)).distinct()).scalars()
        first, last_session, last_turn = session.execute(
            select(
                select(func.min(col(RollupSession.day))).scalar_subquery(),
                select(func.max(col(RollupSession.day))).scalar_subquery(),
                select(func.max(col(RollupDay.day))).scalar_subquery(),
            )
        ).one()
        last = max((d for d in (last_session, last_turn) if d), default=None)
    else:
        found = session.execute(select(col(ChatSession.source)).distinct()).scalars()
        first, last = session.execute(
            select(func.min(col(ChatSession.started_at)), func.max(col(ChatSession.last_turn_at)))
        ).one()
    return FilterOptions(
        assistants=names,
        versions=versions,
        sources=sorted(found, key=list(TurnSource).index),
        first_day=_as_date(first),
        last_day=_as_date(last),
    )


def _as_date(value: datetime | str | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) == 10:  # a rollup's 'YYYY-MM-DD'
            return date.fromisoformat(value)
        value = datetime.fromisoformat(value)
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).date()


def data_stamp(*, session: Session) -> tuple[int, int]:
    """Changes whenever a turn, a session or a piece of feedback is added, edited or deleted
    (the Analytics cache's key): how many refreshes changed the rollups, and the newest change
    not in them yet (both marked by database triggers, see studio.analytics.rollups)."""
    generation, newest = session.execute(
        select(
            select(func.max(col(RollupState.generation))).scalar_subquery(),
            select(func.max(col(RollupDirty.id))).scalar_subquery(),
        )
    ).one()
    return int(generation or 0), int(newest or 0)
