"""Baseline: exactly the schema the studio created with `create_all` before it had migrations.

A database made by that release is stamped with this revision (not re-created), then upgraded.

Revision ID: 0001_baseline
Revises: (none: the first revision)
Created: 2026-12-02 13:21:45.415536
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assistant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column(
            "status",
            sa.Enum("DRAFT", "PUBLISHED", "ARCHIVED", name="assistantstatus"),
            nullable=False,
        ),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("template", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("draft_config", sa.JSON(), nullable=False),
        sa.Column("draft_updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("draft_base_version", sa.Integer(), nullable=True),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("assistant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assistant_name"), ["name"], unique=True)
        batch_op.create_index(batch_op.f("ix_assistant_status"), ["status"], unique=False)

    op.create_table(
        "modelprice",
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("input_per_million", sa.Float(), nullable=False),
        sa.Column("output_per_million", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("model"),
    )
    op.create_table(
        "studiomarker",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "assistantversion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assistant_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("config_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["assistant_id"], ["assistant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("assistant_id", "number", name="uq_version_number"),
    )
    with op.batch_alter_table("assistantversion", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assistantversion_assistant_id"), ["assistant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_assistantversion_config_hash"), ["config_hash"], unique=False
        )

    op.create_table(
        "chatsession",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assistant_id", sa.Integer(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=True),
        sa.Column("config_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "source",
            sa.Enum("PREVIEW", "COMPARE", "SUITE", "IMPORT", name="turnsource"),
            nullable=False,
        ),
        sa.Column("backend", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_turn_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["assistant_id"], ["assistant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("chatsession", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chatsession_assistant_id"), ["assistant_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_chatsession_source"), ["source"], unique=False)
        batch_op.create_index(batch_op.f("ix_chatsession_started_at"), ["started_at"], unique=False)

    op.create_table(
        "knowledgebase",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assistant_id", sa.Integer(), nullable=True),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("collection", sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
        sa.Column("embedding", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("embedding_dim", sa.Integer(), nullable=True),
        sa.Column("chunk_size", sa.Integer(), nullable=False),
        sa.Column("chunk_overlap", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["assistant_id"], ["assistant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("collection"),
    )
    with op.batch_alter_table("knowledgebase", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_knowledgebase_assistant_id"), ["assistant_id"], unique=False
        )

    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("knowledge_base_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("file_type", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("content_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum("QUEUED", "INDEXING", "READY", "FAILED", name="documentstatus"),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("csv_column", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["knowledge_base_id"], ["knowledgebase.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("knowledge_base_id", "name", name="uq_document_name"),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_document_content_hash"), ["content_hash"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_document_knowledge_base_id"), ["knowledge_base_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_document_status"), ["status"], unique=False)

    op.create_table(
        "turn",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("assistant_id", sa.Integer(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=True),
        sa.Column("config_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "source",
            sa.Enum("PREVIEW", "COMPARE", "SUITE", "IMPORT", name="turnsource"),
            nullable=False,
        ),
        sa.Column("backend", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("user_message", sa.Text(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("status", sa.Enum("OK", "FAILED", "PARTIAL", name="turnstatus"), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("ttft_ms", sa.Float(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        sa.Column("intent", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("emotion", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("urgency", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("lint_flags", sa.JSON(), nullable=False),
        sa.Column("grounded", sa.Boolean(), nullable=True),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("retrieved", sa.JSON(), nullable=False),
        sa.Column("tool_calls", sa.JSON(), nullable=False),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["chatsession.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("turn", schema=None) as batch_op:
        batch_op.create_index(
            "ix_turn_assistant_created", ["assistant_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_turn_assistant_id"), ["assistant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_turn_backend"), ["backend"], unique=False)
        batch_op.create_index(batch_op.f("ix_turn_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_turn_emotion"), ["emotion"], unique=False)
        batch_op.create_index(batch_op.f("ix_turn_intent"), ["intent"], unique=False)
        batch_op.create_index(batch_op.f("ix_turn_model"), ["model"], unique=False)
        batch_op.create_index(batch_op.f("ix_turn_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_turn_source"), ["source"], unique=False)
        batch_op.create_index(batch_op.f("ix_turn_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_turn_urgency"), ["urgency"], unique=False)

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("turn_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("corrected_reply", sa.Text(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["turn_id"], ["turn.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_turn_id"), ["turn_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_turn_id"))

    op.drop_table("feedback")
    with op.batch_alter_table("turn", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_turn_urgency"))
        batch_op.drop_index(batch_op.f("ix_turn_status"))
        batch_op.drop_index(batch_op.f("ix_turn_source"))
        batch_op.drop_index(batch_op.f("ix_turn_session_id"))
        batch_op.drop_index(batch_op.f("ix_turn_model"))
        batch_op.drop_index(batch_op.f("ix_turn_intent"))
        batch_op.drop_index(batch_op.f("ix_turn_emotion"))
        batch_op.drop_index(batch_op.f("ix_turn_created_at"))
        batch_op.drop_index(batch_op.f("ix_turn_backend"))
        batch_op.drop_index(batch_op.f("ix_turn_assistant_id"))
        batch_op.drop_index("ix_turn_assistant_created")

    op.drop_table("turn")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_status"))
        batch_op.drop_index(batch_op.f("ix_document_knowledge_base_id"))
        batch_op.drop_index(batch_op.f("ix_document_content_hash"))

    op.drop_table("document")
    with op.batch_alter_table("knowledgebase", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledgebase_assistant_id"))

    op.drop_table("knowledgebase")
    with op.batch_alter_table("chatsession", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chatsession_started_at"))
        batch_op.drop_index(batch_op.f("ix_chatsession_source"))
        batch_op.drop_index(batch_op.f("ix_chatsession_assistant_id"))

    op.drop_table("chatsession")
    with op.batch_alter_table("assistantversion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assistantversion_config_hash"))
        batch_op.drop_index(batch_op.f("ix_assistantversion_assistant_id"))

    op.drop_table("assistantversion")
    op.drop_table("studiomarker")
    op.drop_table("modelprice")
    with op.batch_alter_table("assistant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assistant_status"))
        batch_op.drop_index(batch_op.f("ix_assistant_name"))

    op.drop_table("assistant")
    if op.get_bind().dialect.name == "postgresql":  # drop_table leaves PostgreSQL's enum types
        for name in ("turnstatus", "turnsource", "documentstatus", "assistantstatus"):
            op.execute(sa.text(f"DROP TYPE IF EXISTS {name}"))
