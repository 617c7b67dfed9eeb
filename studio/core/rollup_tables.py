"""Summary tables the Analytics page reads instead of every turn (studio.analytics.rollups keeps
them). Each holds one UTC day of one assistant per key; `version` is 0 for the draft.

Database triggers (migration 0010_rollups) append the (day, assistant) a change touches to
`rollupdirty` in the transaction of the change itself, whoever writes (a chat turn, an import,
the demo generator, feedback, a cascade delete) and from whichever process; the dashboard
recomputes those keys from the raw tables before it reads.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from studio.core.turn_enums import TurnSource


class TurnSums(SQLModel):
    """What the KPIs and charts sum over turns, and their feedback."""

    turns: int = 0
    replies: int = 0
    errors: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    grounding_known: int = 0
    ungrounded: int = 0
    escalated: int = 0
    violating: int = 0
    violations: int = 0
    feedback: int = 0  # feedback rows (rated, edited or only commented)
    up: int = 0
    down: int = 0
    edited: int = 0


class RollupHour(TurnSums, table=True):
    """Turns by the hour they were logged (the heatmap, and the charts of a short range)."""

    day: str = Field(primary_key=True, max_length=10)  # 'YYYY-MM-DD', UTC
    assistant_id: int = Field(primary_key=True)
    hour: str = Field(primary_key=True, max_length=13)  # 'YYYY-MM-DD HH', UTC
    version: int = Field(primary_key=True)
    source: TurnSource = Field(primary_key=True)
    model: str = Field(primary_key=True, max_length=120)


class RollupDay(TurnSums, table=True):
    """The same sums by day (made from RollupHour): KPIs and the charts of longer ranges."""

    day: str = Field(primary_key=True, max_length=10)
    assistant_id: int = Field(primary_key=True)
    version: int = Field(primary_key=True)
    source: TurnSource = Field(primary_key=True)
    model: str = Field(primary_key=True, max_length=120)


class RollupSession(SQLModel, table=True):
    """Sessions by the day they started, with their per-session facts."""

    day: str = Field(primary_key=True, max_length=10)
    assistant_id: int = Field(primary_key=True)
    version: int = Field(primary_key=True)
    source: TurnSource = Field(primary_key=True)
    sessions: int = 0
    session_turns: int = 0
    escalated_sessions: int = 0
    abandoned: int = 0


class RollupLatency(SQLModel, table=True):
    """Replies per 10 ms bin of latency or time to first token (the page's histogram bins)."""

    day: str = Field(primary_key=True, max_length=10)
    assistant_id: int = Field(primary_key=True)
    version: int = Field(primary_key=True)
    source: TurnSource = Field(primary_key=True)
    metric: str = Field(primary_key=True, max_length=8)  # "latency" | "ttft"
    ms: int = Field(primary_key=True)  # lower edge of the bin
    n: int = 0


class RollupTag(SQLModel, table=True):
    """Customer messages per intent × emotion × urgency × first tool (any may be NULL)."""

    __table_args__ = (Index("ix_rolluptag_key", "day", "assistant_id"),)

    id: int | None = Field(default=None, primary_key=True)
    day: str = Field(max_length=10)
    assistant_id: int
    version: int
    source: TurnSource
    intent: str | None = Field(default=None, max_length=40)
    emotion: str | None = Field(default=None, max_length=40)
    urgency: str | None = Field(default=None, max_length=20)
    tool_name: str | None = Field(default=None, max_length=80)
    n: int = 0


class RollupDocument(SQLModel, table=True):
    """Answers per document (the document of the best passing passage)."""

    day: str = Field(primary_key=True, max_length=10)
    assistant_id: int = Field(primary_key=True)
    version: int = Field(primary_key=True)
    source: TurnSource = Field(primary_key=True)
    document_id: int = Field(primary_key=True)
    n: int = 0


class RollupGap(SQLModel, table=True):
    """Turns with a retrieval score, per intent (NULL: "other") and score bin (see
    studio.analytics.gaps.SCORE_EDGES), with the alphabetically first question: the
    knowledge-gap counts for any threshold on the filter's 0.05 steps."""

    day: str = Field(primary_key=True, max_length=10)
    assistant_id: int = Field(primary_key=True)
    version: int = Field(primary_key=True)
    source: TurnSource = Field(primary_key=True)
    intent: str = Field(primary_key=True, max_length=40)
    score_bin: int = Field(primary_key=True)  # -1: below 0; k: SCORE_EDGES[k] <= score < [k+1]
    n: int = 0
    first_message: str = Field(sa_column=Column(Text, nullable=False))


class RollupDirty(SQLModel, table=True):
    """A (day, assistant) whose rollups are stale: written by triggers, consumed by a refresh."""

    __table_args__ = (Index("ix_rollupdirty_key", "day", "assistant_id"),)

    id: int | None = Field(default=None, primary_key=True)
    day: str = Field(max_length=10)
    assistant_id: int


class RollupState(SQLModel, table=True):
    """One row: how many refreshes changed the rollups (part of the dashboard's cache key)."""

    id: int = Field(default=1, primary_key=True)
    generation: int = 0


ROLLUP_TABLES = (
    "rolluphour", "rollupday", "rollupsession", "rolluplatency", "rolluptag", "rollupdocument",
    "rollupgap",
)  # fmt: skip
