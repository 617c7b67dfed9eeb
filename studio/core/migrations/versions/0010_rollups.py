"""Analytics rollups: summary tables per UTC day and assistant that the Analytics page reads
instead of scanning every turn, the triggers that mark what a change makes stale, and their
back-fill from every existing turn, session and piece of feedback (no existing row changes).

The triggers write the (day, assistant) a row touches to `rollupdirty` in the transaction of
the change itself, whoever writes. On PostgreSQL they are statement-level with transition
tables (one insert per statement, however many rows it changed); on SQLite row-level, replacing
the key's older mark (SQLite has a single writer, so this cannot race).

The back-fill SQL is written out here, not imported, so this revision keeps doing what it did
when the rollup code changes later (tests/analytics/test_rollups.py checks it against
`studio.analytics.rollups.rebuild`).

Revision ID: 0010_rollups
Revises: 0009_tagger
Created: 2026-12-02
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010_rollups"
down_revision = "0009_tagger"
branch_labels = None
depends_on = None

SOURCES = ("PREVIEW", "COMPARE", "SUITE", "IMPORT", "DEMO")
KEY = ["day", "assistant_id"]


def _source() -> Any:
    # The existing PostgreSQL enum type: creating it again would fail.
    return sa.Enum(*SOURCES, name="turnsource").with_variant(
        postgresql.ENUM(*SOURCES, name="turnsource", create_type=False), "postgresql"
    )


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _counts(*names: str) -> list[Any]:
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


def _key(*extra: Any) -> list[Any]:
    return [
        sa.Column("day", _text(10), nullable=False),
        sa.Column("assistant_id", sa.Integer(), nullable=False),
        *extra,
    ]


def _sums() -> list[Any]:
    return [
        *_counts("turns", "replies", "errors", "prompt_tokens", "completion_tokens"),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        *_counts("grounding_known", "ungrounded", "escalated", "violating", "violations"),
        *_counts("feedback", "up", "down", "edited"),
    ]


def _tables() -> None:
    op.create_table(
        "rolluphour",
        *_key(
            sa.Column("hour", _text(13), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.Column("source", _source(), nullable=False),
            sa.Column("model", _text(120), nullable=False),
        ),
        *_sums(),
        sa.PrimaryKeyConstraint("day", "assistant_id", "hour", "version", "source", "model"),
    )
    op.create_table(
        "rollupday",
        *_key(
            sa.Column("version", sa.Integer(), nullable=False),
            sa.Column("source", _source(), nullable=False),
            sa.Column("model", _text(120), nullable=False),
        ),
        *_sums(),
        sa.PrimaryKeyConstraint("day", "assistant_id", "version", "source", "model"),
    )
    op.create_table(
        "rollupgap",
        *_key(
            sa.Column("version", sa.Integer(), nullable=False),
            sa.Column("source", _source(), nullable=False),
            sa.Column("intent", _text(40), nullable=False),
            sa.Column("score_bin", sa.Integer(), nullable=False),
        ),
        *_counts("n"),
        sa.Column("first_message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("day", "assistant_id", "version", "source", "intent", "score_bin"),
    )
    op.create_table(
        "rollupsession",
        *_key(
            sa.Column("version", sa.Integer(), nullable=False),
            sa.Column("source", _source(), nullable=False),
        ),
        *_counts("sessions", "session_turns", "escalated_sessions", "abandoned"),
        sa.PrimaryKeyConstraint("day", "assistant_id", "version", "source"),
    )
    op.create_table(
        "rolluplatency",
        *_key(
            sa.Column("version", sa.Integer(), nullable=False),
            sa.Column("source", _source(), nullable=False),
            sa.Column("metric", _text(8), nullable=False),
            sa.Column("ms", sa.Integer(), nullable=False),
        ),
        *_counts("n"),
        sa.PrimaryKeyConstraint("day", "assistant_id", "version", "source", "metric", "ms"),
    )
    op.create_table(
        "rolluptag",
        sa.Column("id", sa.Integer(), nullable=False),
        *_key(
            sa.Column("version", sa.Integer(), nullable=False),
            sa.Column("source", _source(), nullable=False),
        ),
        sa.Column("intent", _text(40), nullable=True),
        sa.Column("emotion", _text(40), nullable=True),
        sa.Column("urgency", _text(20), nullable=True),
        sa.Column("tool_name", _text(80), nullable=True),
        *_counts("n"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rolluptag_key", "rolluptag", KEY)
    op.create_table(
        "rollupdocument",
        *_key(
            sa.Column("version", sa.Integer(), nullable=False),
            sa.Column("source", _source(), nullable=False),
            sa.Column("document_id", sa.Integer(), nullable=False),
        ),
        *_counts("n"),
        sa.PrimaryKeyConstraint("day", "assistant_id", "version", "source", "document_id"),
    )
    op.create_table(
        "rollupdirty",
        sa.Column("id", sa.Integer(), nullable=False),
        *_key(),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rollupdirty_key", "rollupdirty", KEY)
    op.create_table(
        "rollupstate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


# --------------------------------------------------------------------------- back-fill

BACKFILL = """
INSERT INTO rolluphour (day, assistant_id, hour, version, source, model, turns, replies, errors,
  prompt_tokens, completion_tokens, cost_usd, grounding_known, ungrounded, escalated, violating,
  violations, feedback, up, down, edited)
SELECT {day}, t.assistant_id, {hour}, COALESCE(t.version_number, 0), t.source, t.model,
  COUNT(*), SUM(CASE WHEN t.status <> 'FAILED' THEN 1 ELSE 0 END),
  SUM(CASE WHEN t.status <> 'OK' THEN 1 ELSE 0 END), SUM(t.prompt_tokens),
  SUM(t.completion_tokens), SUM(t.cost_usd), COUNT(t.grounded),
  SUM(CASE WHEN t.grounded = false THEN 1 ELSE 0 END),
  SUM(CASE WHEN t.escalated = true THEN 1 ELSE 0 END),
  SUM(CASE WHEN t.brand_violations > 0 THEN 1 ELSE 0 END), SUM(t.brand_violations),
  COUNT(f.id), SUM(CASE WHEN f.rating = 1 THEN 1 ELSE 0 END),
  SUM(CASE WHEN f.rating = -1 THEN 1 ELSE 0 END),
  SUM(CASE WHEN f.corrected_reply IS NOT NULL THEN 1 ELSE 0 END)
FROM turn t LEFT JOIN feedback f ON f.turn_id = t.id
GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO rollupday (day, assistant_id, version, source, model, turns, replies, errors,
  prompt_tokens, completion_tokens, cost_usd, grounding_known, ungrounded, escalated, violating,
  violations, feedback, up, down, edited)
SELECT day, assistant_id, version, source, model, SUM(turns), SUM(replies), SUM(errors),
  SUM(prompt_tokens), SUM(completion_tokens), SUM(cost_usd), SUM(grounding_known),
  SUM(ungrounded), SUM(escalated), SUM(violating), SUM(violations), SUM(feedback), SUM(up),
  SUM(down), SUM(edited)
FROM rolluphour
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO rollupgap (day, assistant_id, version, source, intent, score_bin, n, first_message)
SELECT {day}, t.assistant_id, COALESCE(t.version_number, 0), t.source,
  COALESCE(t.intent, 'other'), {score_bin}, COUNT(*), MIN(t.user_message)
FROM turn t WHERE t.best_score IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO rollupsession (day, assistant_id, version, source, sessions, session_turns,
  escalated_sessions, abandoned)
SELECT {session_day}, s.assistant_id, COALESCE(s.version_number, 0), s.source, COUNT(*),
  SUM(s.turn_count), SUM(CASE WHEN s.escalated = true THEN 1 ELSE 0 END),
  SUM(CASE WHEN s.unanswered = true THEN 1 ELSE 0 END)
FROM chatsession s
GROUP BY 1, 2, 3, 4;

INSERT INTO rolluplatency (day, assistant_id, version, source, metric, ms, n)
SELECT {day}, t.assistant_id, COALESCE(t.version_number, 0), t.source, 'latency',
  {latency_bin}, COUNT(*)
FROM turn t WHERE t.latency_ms IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO rolluplatency (day, assistant_id, version, source, metric, ms, n)
SELECT {day}, t.assistant_id, COALESCE(t.version_number, 0), t.source, 'ttft', {ttft_bin},
  COUNT(*)
FROM turn t WHERE t.ttft_ms IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO rolluptag (day, assistant_id, version, source, intent, emotion, urgency, tool_name, n)
SELECT {day}, t.assistant_id, COALESCE(t.version_number, 0), t.source, t.intent, t.emotion,
  t.urgency, t.tool_name, COUNT(*)
FROM turn t
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

INSERT INTO rollupdocument (day, assistant_id, version, source, document_id, n)
SELECT {day}, t.assistant_id, COALESCE(t.version_number, 0), t.source, t.top_document_id,
  COUNT(*)
FROM turn t WHERE t.top_document_id IS NOT NULL
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO rollupstate (id, generation) VALUES (1, 0)
"""


def _bin(column: str, postgres: bool) -> str:
    """The lower edge of a duration's latency bin: 10 ms wide below 320 ms, then 16 bins per
    doubling (320 × 2^k ms ≤ t < 320 × 2^(k+1) ms: 20 × 2^k ms wide), up to k = 15."""

    def floor(width: int) -> str:
        if postgres:
            return f"CAST(floor({column} / {width}.0) AS INTEGER) * {width}"
        return f"CAST({column} / {width}.0 AS INTEGER) * {width}"  # truncation: floor for >= 0

    branches = [f"WHEN {column} < 320 THEN {floor(10)}"]
    for k in range(15):
        branches.append(f"WHEN {column} < {640 * 2**k} THEN {floor(20 * 2**k)}")
    return f"CASE {' '.join(branches)} ELSE {floor(20 * 2**15)} END"


def _score_bin() -> str:
    """-1 below 0, k for k/20 <= score < (k+1)/20 (the literals are the filter's thresholds),
    20 from 1 up."""
    edges = [round(k * 0.05, 2) for k in range(21)]
    branches = " ".join(
        f"WHEN t.best_score < {edge!r} THEN {k - 1}" for k, edge in enumerate(edges)
    )
    return f"CASE {branches} ELSE 20 END"


def _expressions(postgres: bool) -> dict[str, str]:
    if postgres:
        day, hour = (
            "to_char(timezone('UTC', {}), 'YYYY-MM-DD')",
            "to_char(timezone('UTC', {}), 'YYYY-MM-DD HH24')",
        )
    else:
        day, hour = "substr({}, 1, 10)", "substr({}, 1, 13)"
    return {
        "day": day.format("t.created_at"),
        "hour": hour.format("t.created_at"),
        "session_day": day.format("s.started_at"),
        "latency_bin": _bin("t.latency_ms", postgres),
        "ttft_bin": _bin("t.ttft_ms", postgres),
        "score_bin": _score_bin(),
    }


# --------------------------------------------------------------------------- triggers

# table -> (the row holding the time and the assistant, a join to reach it from the row `r`)
WATCHED = {
    "turn": ("r", "created_at", ""),
    "chatsession": ("r", "started_at", ""),
    "feedback": ("t", "created_at", " JOIN turn t ON t.id = r.turn_id"),
}
EVENTS = ("insert", "update", "delete")


def _sqlite_triggers() -> list[str]:
    statements = []
    for table, (_, stamp, join) in WATCHED.items():
        for event in EVENTS:
            rows = {"insert": ("NEW",), "delete": ("OLD",), "update": ("OLD", "NEW")}[event]
            body = []
            for row in rows:
                # A trigger reads NEW/OLD directly; feedback reaches its turn's time and assistant.
                ref = "t" if join else row
                source = f"SELECT substr({ref}.{stamp}, 1, 10) AS day, {ref}.assistant_id AS a"
                if join:
                    source += f" FROM turn t WHERE t.id = {row}.turn_id"
                # A new mark (its id is the newest: the dashboard's cache key changes), and the
                # older ones of the same key go (the table stays one row per key).
                body.append(
                    "INSERT INTO rollupdirty (day, assistant_id) SELECT k.day, k.a "
                    f"FROM ({source}) AS k; DELETE FROM rollupdirty WHERE id < last_insert_rowid() "
                    "AND (day, assistant_id) IN (SELECT day, assistant_id FROM rollupdirty "
                    "WHERE id = last_insert_rowid());"
                )
            statements.append(
                f"CREATE TRIGGER rollup_{table}_{event} AFTER {event.upper()} ON {table} "
                f"FOR EACH ROW BEGIN {' '.join(body)} END"
            )
    return statements


def _postgres_triggers() -> list[str]:
    statements = []
    for table, (holder, stamp, join) in WATCHED.items():
        day = f"to_char(timezone('UTC', {holder}.{stamp}), 'YYYY-MM-DD')"

        def mark(rows: str, day: str = day, holder: str = holder, join: str = join) -> str:
            return (
                "INSERT INTO rollupdirty (day, assistant_id) "
                f"SELECT DISTINCT {day}, {holder}.assistant_id FROM {rows} r{join};"
            )

        statements.append(
            f"CREATE FUNCTION rollup_mark_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF TG_OP = 'INSERT' THEN {mark('new_rows')} "
            f"ELSIF TG_OP = 'DELETE' THEN {mark('old_rows')} "
            f"ELSE {mark('old_rows')} {mark('new_rows')} END IF; RETURN NULL; END $$"
        )
        for event in EVENTS:
            referencing = {
                "insert": "NEW TABLE AS new_rows",
                "delete": "OLD TABLE AS old_rows",
                "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            }[event]
            statements.append(
                f"CREATE TRIGGER rollup_{table}_{event} AFTER {event.upper()} ON {table} "
                f"REFERENCING {referencing} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION rollup_mark_{table}()"
            )
    return statements


def upgrade() -> None:
    _tables()
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in BACKFILL.format(**_expressions(postgres)).split(";"):
        op.execute(statement)
    # Triggers last: the back-fill above already covers every existing row.
    for statement in _postgres_triggers() if postgres else _sqlite_triggers():
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in WATCHED:
        for event in EVENTS:
            name = f"rollup_{table}_{event}"
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}" if postgres else
                       f"DROP TRIGGER IF EXISTS {name}")  # fmt: skip
        if postgres:
            op.execute(f"DROP FUNCTION IF EXISTS rollup_mark_{table}()")
    op.drop_index("ix_rollupdirty_key", table_name="rollupdirty")
    op.drop_index("ix_rolluptag_key", table_name="rolluptag")
    for table in ("rollupstate", "rollupdirty", "rollupgap", "rollupdocument", "rolluptag",
                  "rolluplatency", "rollupsession", "rollupday", "rolluphour"):  # fmt: skip
        op.drop_table(table)
