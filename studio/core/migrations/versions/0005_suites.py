"""Test suites: suites, cases, runs and per-case results; each assistant's publish gate.

Only new tables: existing rows are untouched.

Revision ID: 0005_suites
Revises: 0001_baseline
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0005_suites"
down_revision = "0004_compare"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assistant_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["assistant_id"], ["assistant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("assistant_id", "name", name="uq_suite_name"),
    )
    with op.batch_alter_table("suite", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suite_assistant_id"), ["assistant_id"], unique=False)

    op.create_table(
        "publishgate",
        sa.Column("assistant_id", sa.Integer(), nullable=False),
        sa.Column("suite_id", sa.Integer(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("min_pass_rate", sa.Float(), nullable=False),
        sa.Column("no_regressions", sa.Boolean(), nullable=False),
        sa.Column("override_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["assistant_id"], ["assistant.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["suite_id"], ["suite.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("assistant_id"),
    )
    op.create_table(
        "suitecase",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("suite_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("turns", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["suite_id"], ["suite.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("suitecase", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suitecase_suite_id"), ["suite_id"], unique=False)

    op.create_table(
        "suiterun",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("suite_id", sa.Integer(), nullable=False),
        sa.Column("assistant_id", sa.Integer(), nullable=False),
        sa.Column("group_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("side", sa.Integer(), nullable=False),
        sa.Column("variant_label", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("variant", sa.JSON(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=True),
        sa.Column("config_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("backend", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("total_cases", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("errored", sa.Integer(), nullable=False),
        sa.Column("not_run", sa.Integer(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["suite_id"], ["suite.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("suiterun", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_suiterun_assistant_id"), ["assistant_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_suiterun_config_hash"), ["config_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_suiterun_group_key"), ["group_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_suiterun_started_at"), ["started_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_suiterun_suite_id"), ["suite_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_suiterun_version_number"), ["version_number"], unique=False
        )

    op.create_table(
        "suiteresult",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("case_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("transcript", sa.JSON(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["suiterun.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("suiteresult", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suiteresult_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("suiteresult", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suiteresult_run_id"))

    op.drop_table("suiteresult")
    with op.batch_alter_table("suiterun", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suiterun_version_number"))
        batch_op.drop_index(batch_op.f("ix_suiterun_suite_id"))
        batch_op.drop_index(batch_op.f("ix_suiterun_started_at"))
        batch_op.drop_index(batch_op.f("ix_suiterun_group_key"))
        batch_op.drop_index(batch_op.f("ix_suiterun_config_hash"))
        batch_op.drop_index(batch_op.f("ix_suiterun_assistant_id"))

    op.drop_table("suiterun")
    with op.batch_alter_table("suitecase", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suitecase_suite_id"))

    op.drop_table("suitecase")
    op.drop_table("publishgate")
    with op.batch_alter_table("suite", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suite_assistant_id"))

    op.drop_table("suite")
