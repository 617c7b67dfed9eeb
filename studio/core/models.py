"""Every SQLModel table, plus the plain "public" shapes domain functions return.

Configuration documents are stored as JSON (validated by `studio.design.schemas`); what analytics
aggregates (turns, feedback, votes) has real, indexed columns so dashboards group in SQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Aware UTC now; SQLModel stores it as UTC and returns aware UTC on every backend."""
    return datetime.now(UTC)


# --------------------------------------------------------------------------- assistants


class AssistantStatus(StrEnum):
    DRAFT = "draft"  # never published
    PUBLISHED = "published"  # one version is marked published
    ARCHIVED = "archived"


class Assistant(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True, index=True)
    description: str = Field(default="", max_length=500)
    status: AssistantStatus = Field(default=AssistantStatus.DRAFT, index=True)
    is_demo: bool = Field(default=False)
    template: str | None = Field(default=None, max_length=80)
    draft_config: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    draft_updated_at: datetime = Field(default_factory=utcnow)
    # The version the draft was last saved as / restored from, to tell "unsaved changes".
    draft_base_version: int | None = Field(default=None)
    published_version: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # Optimistic concurrency: every draft save adds one; a save based on an older revision is
    # refused (studio.access.editing), so two people never silently overwrite each other.
    draft_revision: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    draft_updated_by: str | None = Field(default=None, max_length=120)


class AssistantVersion(SQLModel, table=True):
    """An immutable snapshot of an assistant's configuration."""

    __table_args__ = (UniqueConstraint("assistant_id", "number", name="uq_version_number"),)

    id: int | None = Field(default=None, primary_key=True)
    assistant_id: int = Field(foreign_key="assistant.id", index=True, ondelete="CASCADE")
    number: int
    note: str = Field(default="", max_length=500)
    config: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    config_hash: str = Field(max_length=64, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class StudioMarker(SQLModel, table=True):
    """A one-time event that happened to this database (e.g. "demo_seeded:<template>")."""

    key: str = Field(primary_key=True, max_length=120)
    created_at: datetime = Field(default_factory=utcnow)


# --------------------------------------------------------------------------- knowledge


class DocumentStatus(StrEnum):
    QUEUED = "queued"
    INDEXING = "indexing"
    READY = "ready"
    FAILED = "failed"


class KnowledgeBase(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    assistant_id: int | None = Field(
        default=None, foreign_key="assistant.id", index=True, ondelete="CASCADE"
    )
    name: str = Field(max_length=120)
    collection: str = Field(max_length=63, unique=True)  # Chroma collection name
    embedding: str = Field(max_length=120)  # key of the embedding option, recorded with the KB
    embedding_dim: int | None = Field(default=None)
    chunk_size: int = Field(default=800)
    chunk_overlap: int = Field(default=120)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Document(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("knowledge_base_id", "name", name="uq_document_name"),)

    id: int | None = Field(default=None, primary_key=True)
    knowledge_base_id: int = Field(foreign_key="knowledgebase.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=255)
    file_type: str = Field(max_length=16)
    size_bytes: int = 0
    content_hash: str = Field(max_length=64, index=True)
    status: DocumentStatus = Field(default=DocumentStatus.QUEUED, index=True)
    error: str | None = Field(default=None, sa_column=Column(Text))
    chunk_count: int = 0
    title: str = Field(default="", max_length=255)
    csv_column: str | None = Field(default=None, max_length=255)  # CSV: index only this column
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class IndexingClaim(SQLModel, table=True):
    """Which studio process indexes a knowledge base right now (one at a time, across
    processes); a claim whose heartbeat stopped belongs to a process that died."""

    knowledge_base_id: int = Field(
        primary_key=True, foreign_key="knowledgebase.id", ondelete="CASCADE"
    )
    owner: str = Field(max_length=120)  # host:pid:random of the claiming process
    kind: str = Field(max_length=20)
    claimed_at: datetime = Field(default_factory=utcnow)
    heartbeat_at: datetime = Field(default_factory=utcnow, index=True)


# --------------------------------------------------------------------------- conversations


class TurnSource(StrEnum):
    PREVIEW = "preview"
    COMPARE = "compare"
    SUITE = "suite"
    IMPORT = "import"


class TurnStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"
    PARTIAL = "partial"  # the stream broke; the text so far is kept


class ChatSession(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    assistant_id: int = Field(foreign_key="assistant.id", index=True, ondelete="CASCADE")
    version_number: int | None = Field(default=None)  # None: the draft
    config_hash: str = Field(max_length=64)
    source: TurnSource = Field(default=TurnSource.PREVIEW, index=True)
    backend: str = Field(max_length=40)
    model: str = Field(max_length=120)
    title: str = Field(default="", max_length=200)
    started_at: datetime = Field(default_factory=utcnow, index=True)
    last_turn_at: datetime = Field(default_factory=utcnow)


class Turn(SQLModel, table=True):
    __table_args__ = (Index("ix_turn_assistant_created", "assistant_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="chatsession.id", index=True, ondelete="CASCADE")
    assistant_id: int = Field(index=True)
    version_number: int | None = Field(default=None)
    config_hash: str = Field(max_length=64)
    source: TurnSource = Field(default=TurnSource.PREVIEW, index=True)
    backend: str = Field(max_length=40, index=True)
    model: str = Field(max_length=120, index=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    user_name: str | None = Field(default=None, max_length=120, index=True)  # who sent it
    provider: str | None = Field(default=None, max_length=200)  # the backend's label (its URL)
    user_message: str = Field(sa_column=Column(Text, nullable=False))
    reply: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: TurnStatus = Field(default=TurnStatus.OK, index=True)
    error: str | None = Field(default=None, sa_column=Column(Text))
    ttft_ms: float | None = None
    latency_ms: float | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    intent: str | None = Field(default=None, max_length=40, index=True)
    emotion: str | None = Field(default=None, max_length=40, index=True)
    urgency: str | None = Field(default=None, max_length=20, index=True)
    lint_flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    grounded: bool | None = Field(default=None)
    escalated: bool = Field(default=False)
    retrieved: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    tool_calls: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    messages: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )


class Feedback(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    turn_id: int = Field(foreign_key="turn.id", index=True, unique=True, ondelete="CASCADE")
    rating: int | None = Field(default=None)  # +1 / -1
    comment: str = Field(default="", max_length=2000)
    corrected_reply: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ModelPrice(SQLModel, table=True):
    """USD per million tokens, editable in Settings; used for cost estimates."""

    model: str = Field(primary_key=True, max_length=120)
    input_per_million: float = Field(ge=0)
    output_per_million: float = Field(ge=0)


# --------------------------------------------------------------------------- team (access)


class UserRole(StrEnum):
    VIEWER = "viewer"  # reads, chats, votes
    EDITOR = "editor"  # + designs assistants, knowledge, suites
    ADMIN = "admin"  # + settings, users, deletion, the audit log


class StudioUser(SQLModel, table=True):
    """A person who signs in (password mode) or is known from the identity provider (OIDC)."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=120, unique=True, index=True)  # lower-case; OIDC: email
    display_name: str = Field(default="", max_length=120)
    role: UserRole = Field(default=UserRole.VIEWER)
    # argon2id hash (never the password); None for a user who signs in through the IdP only.
    password_hash: str | None = Field(default=None, max_length=255)
    is_active: bool = Field(default=True)
    failed_attempts: int = Field(default=0)
    locked_until: datetime | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = Field(default=None)


class AuditEntry(SQLModel, table=True):
    """Who changed what, when: field paths with old -> new values (secrets never included)."""

    __table_args__ = (Index("ix_auditentry_target", "target_type", "target_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=120, index=True)
    action: str = Field(max_length=60, index=True)
    target_type: str = Field(max_length=40)
    target_id: str = Field(default="", max_length=64)
    target_label: str = Field(default="", max_length=255)
    changes: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )


class StoredSecret(SQLModel, table=True):
    """A provider key an admin stored in the studio, encrypted (Fernet) with STUDIO_SECRET_KEY."""

    name: str = Field(primary_key=True, max_length=80)
    ciphertext: str = Field(sa_column=Column(Text, nullable=False))
    hint: str = Field(default="", max_length=16)  # e.g. "sk-…9f3a", safe to show
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: str = Field(default="", max_length=120)
