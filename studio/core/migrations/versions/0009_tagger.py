"""Which tagger chose a turn's tags ("rules", "embedding" or "model:<name>"). Existing rows are
kept; the tags they have were all chosen by the rules, so those rows say "rules".

Revision ID: 0009_tagger
Revises: 0008_team
Created: 2026-12-02 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0009_tagger"
down_revision = "0008_team"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("turn", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("tagger", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True)
        )
    op.execute("UPDATE turn SET tagger = 'rules' WHERE intent IS NOT NULL")


def downgrade() -> None:
    # In place (SQLite >= 3.35): a batch copy of turn would cascade-delete its feedback.
    op.drop_column("turn", "tagger")
