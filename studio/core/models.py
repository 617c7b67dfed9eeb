"""Every SQLModel table, plus the plain "public" shapes domain functions return.

Configuration documents are stored as JSON (validated by `studio.design.schemas`); what analytics
aggregates (turns, feedback, votes) has real, indexed columns so dashboards group in SQL.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from studio.core.turn_enums import TurnSource, TurnStatus


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


def new_storage_key() -> str:
    """A name for a knowledge base's upload folder that no other knowledge base ever had."""
    return f"kb-{uuid.uuid4().hex}"


class KnowledgeBase(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # Names its folder of kept originals. Not the id: SQLite reuses the id of a deleted last row,
    # and the deleted base's folder (or its pending cleanup) must never meet a new base's files.
    # Nullable only because SQLite cannot add NOT NULL to a table without copying it; every row
    # has one (new rows by default, older ones from migration 0002).
    storage_key: str | None = Field(
        default_factory=new_storage_key, max_length=40, unique=True, index=True
    )
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

    @property
    def folder(self) -> str:
        """The name of the folder holding this knowledge base's kept originals."""
        return self.storage_key or f"kb{self.id}"


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


class ChatSession(SQLModel, table=True):
    # An imported conversation is known by its id in the source system plus a hash of its
    # content, so importing the same file twice adds nothing (NULLs never clash: live sessions).
    # (A unique index, not a constraint: SQLite adds an index in place, whereas a constraint
    # means re-creating the table, which would cascade-delete every turn.)
    __table_args__ = (
        Index("uq_chatsession_import", "assistant_id", "external_id", "content_hash", unique=True),
    )

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
    # Both sides of a live comparison share this id (None outside Compare).
    comparison_id: str | None = Field(default=None, max_length=36, index=True)
    # Facts about the whole session kept up to date as turns are logged, so analytics counts
    # sessions, containment and abandonment from this table instead of regrouping every turn.
    turn_count: int = Field(default=0)
    escalated: bool = Field(default=False)  # some reply handed over to a person
    unanswered: bool = Field(default=False)  # the last turn failed or got no reply
    external_id: str | None = Field(default=None, max_length=200)  # imported: the source's id
    content_hash: str | None = Field(default=None, max_length=64)
    # Imported: the file's metadata (unknown keys kept) and what was assumed about its times.
    external_metadata: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class Turn(SQLModel, table=True):
    __table_args__ = (
        Index("ix_turn_assistant_created", "assistant_id", "created_at"),
        # Analytics: knowledge gaps read the low-scoring turns of a period without a full scan.
        Index("ix_turn_best_score_created", "best_score", "created_at"),
    )

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
    tagger: str | None = Field(default=None, max_length=80)  # which tagger chose the tags
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
    # Plain columns derived from the JSON above when the turn is logged, so dashboards group in SQL.
    best_score: float | None = Field(default=None)  # best retrieval score; None: no retrieval
    top_document_id: int | None = Field(default=None)  # document of the best passing passage
    tool_name: str | None = Field(default=None, max_length=80)  # first tool the turn called
    brand_violations: int = Field(default=0)  # forbidden phrases/topics found in the reply


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


# --------------------------------------------------------------------------- comparisons


class VoteChoice(StrEnum):
    """A blind vote, relative to the stored sides: A is the first variant, B the second."""

    A = "a"
    B = "b"
    TIE = "tie"
    BOTH_BAD = "both_bad"


class ComparisonVote(SQLModel, table=True):
    """One blind vote on one compare turn, with the full identity of both variants."""

    __table_args__ = (
        Index("ix_vote_pair", "a_config_hash", "b_config_hash"),
        UniqueConstraint("comparison_id", "turn_no", name="uq_vote_turn"),  # one vote per turn
    )

    id: int | None = Field(default=None, primary_key=True)
    comparison_id: str = Field(max_length=36, index=True)
    turn_no: int = Field(default=0)  # 0-based turn of the comparison the vote is about
    choice: VoteChoice = Field(index=True)
    reason: str = Field(default="", max_length=500)
    swapped: bool = Field(default=False)  # True: B was shown on the left
    message: str = Field(default="", sa_column=Column(Text, nullable=False))
    a_assistant_id: int = Field(foreign_key="assistant.id", index=True, ondelete="CASCADE")
    a_version_number: int | None = Field(default=None)  # None: the draft
    a_config_hash: str = Field(max_length=64)
    a_overrides: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    a_label: str = Field(default="", max_length=300)
    a_turn_id: int | None = Field(default=None, foreign_key="turn.id", ondelete="SET NULL")
    b_assistant_id: int = Field(foreign_key="assistant.id", index=True, ondelete="CASCADE")
    b_version_number: int | None = Field(default=None)
    b_config_hash: str = Field(max_length=64)
    b_overrides: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    b_label: str = Field(default="", max_length=300)
    b_turn_id: int | None = Field(default=None, foreign_key="turn.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, index=True)


# --------------------------------------------------------------------------- test suites


class Suite(SQLModel, table=True):
    """A named set of test cases for one assistant (cases in `SuiteCase`)."""

    __table_args__ = (UniqueConstraint("assistant_id", "name", name="uq_suite_name"),)

    id: int | None = Field(default=None, primary_key=True)
    assistant_id: int = Field(foreign_key="assistant.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=120)
    description: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class SuiteCase(SQLModel, table=True):
    """One scripted conversation: its turns, each with the assertions its reply must meet."""

    id: int | None = Field(default=None, primary_key=True)
    suite_id: int = Field(foreign_key="suite.id", index=True, ondelete="CASCADE")
    position: int = 0
    name: str = Field(max_length=200)
    origin: str = Field(default="manual", max_length=40)  # manual | generated:<kind> | import
    turns: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))


class SuiteRun(SQLModel, table=True):
    """One run of a suite against one variant (two variants run together share `group_key`)."""

    id: int | None = Field(default=None, primary_key=True)
    suite_id: int = Field(foreign_key="suite.id", index=True, ondelete="CASCADE")
    assistant_id: int = Field(index=True)
    group_key: str = Field(max_length=40, index=True)
    side: int = 0  # 0 for the first variant of the group, 1 for the second
    variant_label: str = Field(max_length=300)
    variant: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))  # the VariantSpec
    version_number: int | None = Field(default=None, index=True)  # None: the draft
    config_hash: str = Field(max_length=64, index=True)
    backend: str = Field(max_length=40)
    model: str = Field(max_length=120)
    status: str = Field(default="running", max_length=20)  # running|completed|cancelled|failed
    total_cases: int = 0
    passed: int = 0
    failed: int = 0
    errored: int = 0
    not_run: int = 0
    started_at: datetime = Field(default_factory=utcnow, index=True)
    finished_at: datetime | None = None


class SuiteResult(SQLModel, table=True):
    """The outcome of one case in one run, with every assertion's reason and the transcript."""

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="suiterun.id", index=True, ondelete="CASCADE")
    case_id: int | None = Field(default=None)  # the case may be edited or deleted later
    case_name: str = Field(max_length=200)
    position: int = 0
    outcome: str = Field(max_length=20)  # passed | failed | error | not_run
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    checks: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    transcript: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    session_id: int | None = Field(default=None)
    latency_ms: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0


class PublishGate(SQLModel, table=True):
    """An assistant's publish rule: a suite must pass ≥ X % and keep what passed before."""

    assistant_id: int = Field(primary_key=True, foreign_key="assistant.id", ondelete="CASCADE")
    suite_id: int | None = Field(default=None, foreign_key="suite.id", ondelete="SET NULL")
    enabled: bool = False
    min_pass_rate: float = Field(default=100.0, ge=0, le=100)
    no_regressions: bool = True
    override_reason: str = Field(default="", max_length=500)  # for the admin override (sign-in)
    updated_at: datetime = Field(default_factory=utcnow)


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


# The Analytics summary tables live in their own module; importing it registers them.
import studio.core.rollup_tables  # noqa: E402, F401
