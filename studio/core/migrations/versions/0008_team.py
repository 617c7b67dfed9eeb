"""A team shares one studio: users, the audit log, stored (encrypted) keys, the draft revision
for edit conflicts, and who sent each turn (per-user limits). Existing rows are kept: every new
assistant column has a default (revision 0, nobody), every old turn has no user.

Revision ID: 0008_team
Revises: 0001_baseline
Created: 2026-12-02 13:31:13.285999
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0008_team"
down_revision = "0007_transcripts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "auditentry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("target_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("target_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("target_label", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("auditentry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auditentry_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_auditentry_actor"), ["actor"], unique=False)
        batch_op.create_index(batch_op.f("ix_auditentry_at"), ["at"], unique=False)
        batch_op.create_index("ix_auditentry_target", ["target_type", "target_id"], unique=False)

    op.create_table(
        "storedsecret",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column("hint", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "studiouser",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("role", sa.Enum("VIEWER", "EDITOR", "ADMIN", name="userrole"), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_login_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("studiouser", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_studiouser_username"), ["username"], unique=True)

    op.create_table(
        "indexingclaim",
        sa.Column("knowledge_base_id", sa.Integer(), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("claimed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("heartbeat_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["knowledge_base_id"], ["knowledgebase.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("knowledge_base_id"),
    )
    with op.batch_alter_table("indexingclaim", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_indexingclaim_heartbeat_at"), ["heartbeat_at"], unique=False
        )

    with op.batch_alter_table("assistant", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("draft_revision", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "draft_updated_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True
            )
        )

    with op.batch_alter_table("turn", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("user_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_turn_user_name"), ["user_name"], unique=False)
        batch_op.add_column(
            sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )


def downgrade() -> None:
    # In place (SQLite >= 3.35): a batch copy of assistant would cascade-delete every version,
    # session and turn of it.
    op.drop_index(op.f("ix_turn_user_name"), table_name="turn")
    op.drop_column("turn", "provider")
    op.drop_column("turn", "user_name")
    op.drop_column("assistant", "draft_updated_by")
    op.drop_column("assistant", "draft_revision")

    with op.batch_alter_table("studiouser", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_studiouser_username"))

    op.drop_table("indexingclaim")
    op.drop_table("studiouser")
    op.drop_table("storedsecret")
    with op.batch_alter_table("auditentry", schema=None) as batch_op:
        batch_op.drop_index("ix_auditentry_target")
        batch_op.drop_index(batch_op.f("ix_auditentry_at"))
        batch_op.drop_index(batch_op.f("ix_auditentry_actor"))
        batch_op.drop_index(batch_op.f("ix_auditentry_action"))

    op.drop_table("auditentry")
    sa.Enum(name="userrole").drop(op.get_bind(), checkfirst=True)  # PostgreSQL's enum type
