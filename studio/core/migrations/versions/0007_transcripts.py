"""Imported transcripts: a chat session's id in the source system, a content hash and metadata.

Existing sessions keep every row (the new columns are NULL for them); the unique index on
(assistant, external id, content hash) makes re-importing the same conversation a no-op.

Revision ID: 0007_transcripts
Revises: 0006_analytics
Created: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0007_transcripts"
down_revision = "0006_analytics"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN + CREATE INDEX, never batch mode: re-creating chatsession on SQLite would
    # cascade-delete every turn (foreign keys are on).
    op.add_column(
        "chatsession",
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    )
    op.add_column(
        "chatsession",
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )
    op.add_column("chatsession", sa.Column("external_metadata", sa.JSON(), nullable=True))
    op.create_index(
        "uq_chatsession_import",
        "chatsession",
        ["assistant_id", "external_id", "content_hash"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_chatsession_import", table_name="chatsession")
    for column in ("external_metadata", "content_hash", "external_id"):
        op.drop_column("chatsession", column)  # in place (SQLite ≥ 3.35), keeps the turns
