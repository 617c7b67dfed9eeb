"""Compare: both sides of a live comparison share a comparison id; blind votes with both identities.

Adds a nullable column (existing sessions keep their rows, comparison id None) and a new table.

Revision ID: 0004_compare
Revises: 0001_baseline
Created: 2026-12-02 13:33:10.827696
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0004_compare"
down_revision = "0002_storage_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "comparisonvote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comparison_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("turn_no", sa.Integer(), nullable=False),
        sa.Column(
            "choice", sa.Enum("A", "B", "TIE", "BOTH_BAD", name="votechoice"), nullable=False
        ),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("swapped", sa.Boolean(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("a_assistant_id", sa.Integer(), nullable=False),
        sa.Column("a_version_number", sa.Integer(), nullable=True),
        sa.Column("a_config_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("a_overrides", sa.JSON(), nullable=False),
        sa.Column("a_label", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("a_turn_id", sa.Integer(), nullable=True),
        sa.Column("b_assistant_id", sa.Integer(), nullable=False),
        sa.Column("b_version_number", sa.Integer(), nullable=True),
        sa.Column("b_config_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("b_overrides", sa.JSON(), nullable=False),
        sa.Column("b_label", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("b_turn_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["a_assistant_id"], ["assistant.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["a_turn_id"], ["turn.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["b_assistant_id"], ["assistant.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["b_turn_id"], ["turn.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("comparison_id", "turn_no", name="uq_vote_turn"),
    )
    with op.batch_alter_table("comparisonvote", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_comparisonvote_a_assistant_id"), ["a_assistant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_comparisonvote_b_assistant_id"), ["b_assistant_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_comparisonvote_choice"), ["choice"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_comparisonvote_comparison_id"), ["comparison_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_comparisonvote_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index("ix_vote_pair", ["a_config_hash", "b_config_hash"], unique=False)

    with op.batch_alter_table("chatsession", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("comparison_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_chatsession_comparison_id"), ["comparison_id"], unique=False
        )


def downgrade() -> None:
    # In place (SQLite >= 3.35): a batch copy of chatsession would cascade-delete its turns.
    op.drop_index(op.f("ix_chatsession_comparison_id"), table_name="chatsession")
    op.drop_column("chatsession", "comparison_id")

    with op.batch_alter_table("comparisonvote", schema=None) as batch_op:
        batch_op.drop_index("ix_vote_pair")
        batch_op.drop_index(batch_op.f("ix_comparisonvote_created_at"))
        batch_op.drop_index(batch_op.f("ix_comparisonvote_comparison_id"))
        batch_op.drop_index(batch_op.f("ix_comparisonvote_choice"))
        batch_op.drop_index(batch_op.f("ix_comparisonvote_b_assistant_id"))
        batch_op.drop_index(batch_op.f("ix_comparisonvote_a_assistant_id"))

    op.drop_table("comparisonvote")
    sa.Enum(name="votechoice").drop(op.get_bind(), checkfirst=True)  # PostgreSQL's enum type
