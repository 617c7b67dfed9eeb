"""Analytics: demo traffic source, per-session facts, per-turn derived columns and their index.

Existing rows are kept and back-filled: a session's turn count, escalation and "unanswered" come
from its turns; a turn's best retrieval score, answering document, first tool and brand-voice
violations come from the JSON it already stores.

Revision ID: 0006_analytics
Revises: 0001_baseline
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0006_analytics"
down_revision = "0005_suites"
branch_labels = None
depends_on = None


def _json(value: Any) -> list[Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return value if isinstance(value, list) else []


def _derived(retrieved: Any, tool_calls: Any, lint_flags: Any) -> dict[str, Any]:
    passages = [p for p in _json(retrieved) if isinstance(p, dict)]
    scores = [float(p["score"]) for p in passages if isinstance(p.get("score"), int | float)]
    passing = [p for p in passages if p.get("passed_threshold")]
    best = max(passing, key=lambda p: float(p.get("score") or 0.0), default=None)
    calls = [c for c in _json(tool_calls) if isinstance(c, dict) and c.get("name")]
    flags = [f for f in _json(lint_flags) if isinstance(f, str)]
    return {
        "best_score": max(scores) if scores else None,
        "top_document_id": best.get("document_id") if best else None,
        "tool_name": str(calls[0]["name"])[:80] if calls else None,
        "brand_violations": sum(f.startswith(("phrase:", "topic:")) for f in flags),
    }


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # Inside the migration's transaction (PostgreSQL >= 12 allows it; the value is not used
        # before commit). `autocommit_block()` cannot run here: studio.core.schema hands Alembic
        # a connection that already began a transaction.
        op.execute("ALTER TYPE turnsource ADD VALUE IF NOT EXISTS 'DEMO'")

    # Plain ALTER TABLE … ADD COLUMN (no batch copy): on SQLite, copying `chatsession` would
    # cascade-delete its turns.
    op.add_column(
        "chatsession", sa.Column("turn_count", sa.Integer(), nullable=False, server_default="0")
    )
    for name in ("escalated", "unanswered"):
        op.add_column(
            "chatsession", sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.add_column("turn", sa.Column("best_score", sa.Float(), nullable=True))
    op.add_column("turn", sa.Column("top_document_id", sa.Integer(), nullable=True))
    op.add_column(
        "turn", sa.Column("tool_name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True)
    )
    op.add_column(
        "turn", sa.Column("brand_violations", sa.Integer(), nullable=False, server_default="0")
    )
    op.create_index("ix_turn_best_score_created", "turn", ["best_score", "created_at"])

    # The server defaults stay: dropping them would make SQLite copy the tables, and copying
    # `chatsession` would cascade-delete its turns. The models always set these values.

    turn = sa.table(
        "turn",
        sa.column("id", sa.Integer),
        sa.column("retrieved", sa.JSON),
        sa.column("tool_calls", sa.JSON),
        sa.column("lint_flags", sa.JSON),
        sa.column("best_score", sa.Float),
        sa.column("top_document_id", sa.Integer),
        sa.column("tool_name", sa.String),
        sa.column("brand_violations", sa.Integer),
    )
    rows = bind.execute(
        sa.select(turn.c.id, turn.c.retrieved, turn.c.tool_calls, turn.c.lint_flags)
    )
    updates = [{"turn_id": r.id, **_derived(r.retrieved, r.tool_calls, r.lint_flags)} for r in rows]
    if updates:
        bind.execute(
            turn.update()
            .where(turn.c.id == sa.bindparam("turn_id"))
            .values(
                best_score=sa.bindparam("best_score"),
                top_document_id=sa.bindparam("top_document_id"),
                tool_name=sa.bindparam("tool_name"),
                brand_violations=sa.bindparam("brand_violations"),
            ),
            updates,
        )
    op.execute(
        """
        UPDATE chatsession SET
          turn_count = (SELECT COUNT(*) FROM turn WHERE turn.session_id = chatsession.id),
          escalated = COALESCE((SELECT MAX(CASE WHEN turn.escalated THEN 1 ELSE 0 END) FROM turn
                                WHERE turn.session_id = chatsession.id), 0) = 1,
          unanswered = COALESCE((SELECT CASE WHEN t.status = 'FAILED' OR t.reply = '' THEN 1
                                             ELSE 0 END
                                 FROM turn t WHERE t.session_id = chatsession.id
                                 ORDER BY t.id DESC LIMIT 1), 0) = 1
        """
    )


def downgrade() -> None:
    op.drop_index("ix_turn_best_score_created", table_name="turn")
    for name in ("brand_violations", "tool_name", "top_document_id", "best_score"):
        op.drop_column("turn", name)
    for name in ("unanswered", "escalated", "turn_count"):
        op.drop_column("chatsession", name)
