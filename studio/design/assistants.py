"""Assistants: the shapes pages read, listing, names, creating (blank or from a template).

Editing the draft is in `studio.design.drafts`; saving, reading and comparing versions in
`studio.design.versions`; rename/duplicate/archive/delete in `studio.design.lifecycle`;
templates in `studio.design.templates`; import/export in `studio.design.exports`.
Every function works inside the caller's session and only flushes: the caller's
`session_scope` commits, so writes that belong together commit together (or not at all).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from studio.access import audit
from studio.access.roles import Permission, require
from studio.core.errors import (
    Conflict,
    FieldProblem,
    InvalidInput,
    NotFound,
)
from studio.core.models import Assistant, AssistantStatus, AssistantVersion, utcnow
from studio.core.names import name_key, normalize_name
from studio.design.schemas import MEDIUM_TEXT, SHORT_TEXT, AssistantConfig, blank_config
from studio.design.templates import get_template

SECTIONS: tuple[str, ...] = ("business", "persona", "brand_voice", "tools", "model", "retrieval")
"""The parts of a configuration a page may replace on its own."""


def config_hash(config: AssistantConfig) -> str:
    """SHA-256 of the canonical JSON of a configuration (equal configs, equal hashes)."""
    return hashlib.sha256(config.canonical_json().encode("utf-8")).hexdigest()


class AssistantSummary(BaseModel):
    id: int
    name: str
    description: str
    status: AssistantStatus
    is_demo: bool
    template: str | None
    company_name: str
    published_version: int | None
    latest_version: int | None
    version_count: int
    has_unsaved_changes: bool
    draft_updated_at: datetime
    # The saved version the draft is identical to (None: the draft differs from every version
    # it was compared with), so pages can say "draft = version 3".
    draft_base_version: int | None = None


class AssistantDetail(AssistantSummary):
    draft: AssistantConfig

    @property
    def config_hash(self) -> str:
        """Hash of the draft configuration (identifies a draft in logs)."""
        return config_hash(self.draft)


class VersionSummary(BaseModel):
    number: int
    note: str
    created_at: datetime
    config_hash: str
    is_published: bool


class VersionDetail(VersionSummary):
    config: AssistantConfig


# --------------------------------------------------------------------------- reading


def _version_stats() -> Any:
    """Per-assistant version count and latest number, aggregated in SQL (no config JSON)."""
    return (
        select(
            col(AssistantVersion.assistant_id).label("assistant_id"),
            func.count().label("version_count"),
            func.max(col(AssistantVersion.number)).label("latest_version"),
        )
        .group_by(col(AssistantVersion.assistant_id))
        .subquery()
    )


def _summary_query() -> Any:
    stats = _version_stats()
    company = col(Assistant.draft_config)[("business", "company_name")].as_string()
    return (
        select(
            col(Assistant.id),
            col(Assistant.name),
            col(Assistant.description),
            col(Assistant.status),
            col(Assistant.is_demo),
            col(Assistant.template),
            company.label("company_name"),
            col(Assistant.published_version),
            col(Assistant.draft_updated_at),
            col(Assistant.draft_base_version),
            func.coalesce(stats.c.version_count, 0).label("version_count"),
            stats.c.latest_version,
        )
        .select_from(Assistant)
        .outerjoin(stats, stats.c.assistant_id == col(Assistant.id))
    )


def _summary_from_row(row: Any) -> AssistantSummary:
    latest = row.latest_version
    return AssistantSummary(
        id=row.id,
        name=row.name,
        description=row.description,
        status=row.status,
        is_demo=row.is_demo,
        template=row.template,
        company_name=row.company_name or "",
        published_version=row.published_version,
        latest_version=latest,
        version_count=row.version_count,
        # A draft never saved counts as unsaved; otherwise it must equal the latest version.
        has_unsaved_changes=latest is None or row.draft_base_version != latest,
        draft_updated_at=row.draft_updated_at,
        draft_base_version=row.draft_base_version,
    )


def list_assistants(*, session: Session, include_archived: bool = False) -> list[AssistantSummary]:
    """All assistants, newest draft edit first (archived ones only when asked)."""
    query = _summary_query()
    if not include_archived:
        query = query.where(col(Assistant.status) != AssistantStatus.ARCHIVED)
    query = query.order_by(col(Assistant.draft_updated_at).desc(), col(Assistant.id).desc())
    return [_summary_from_row(row) for row in session.execute(query)]


def _load(session: Session, assistant_id: int) -> Assistant:
    row = session.get(Assistant, assistant_id)
    if row is None:
        raise NotFound(
            f"Assistant #{assistant_id} does not exist (it may have been deleted). "
            "Pick another one in the sidebar."
        )
    return row


def _store_change(session: Session, row: Assistant) -> AssistantDetail:
    """Stamp a changed assistant row, write it in this unit of work and read it back."""
    assert row.id is not None
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return get_assistant(session=session, assistant_id=row.id)


def get_assistant(*, session: Session, assistant_id: int) -> AssistantDetail:
    """One assistant with its draft. Raises NotFound if it does not exist."""
    row = session.execute(_summary_query().where(col(Assistant.id) == assistant_id)).first()
    if row is None:
        _load(session, assistant_id)  # raises NotFound with the message
    draft_json = session.execute(
        select(col(Assistant.draft_config)).where(col(Assistant.id) == assistant_id)
    ).scalar_one()
    summary = _summary_from_row(row)
    return AssistantDetail(**summary.model_dump(), draft=AssistantConfig.model_validate(draft_json))


def find_assistant(*, session: Session, reference: str) -> AssistantSummary:
    """The assistant a person means by `reference`: its id, or its name (case and spacing
    ignored), archived ones included. Raises NotFound naming the assistants there are."""
    wanted = name_key(reference)
    every = list_assistants(session=session, include_archived=True)
    for summary in every:
        if str(summary.id) == wanted or name_key(summary.name) == wanted:
            return summary
    names = ", ".join(f'"{a.name}" (#{a.id})' for a in every[:10]) or "none yet"
    raise NotFound(f'No assistant is called "{reference}". Assistants: {names}.')


# --------------------------------------------------------------------------- names


def _clean_name(name: str, *, field: str = "name") -> str:
    cleaned = normalize_name(name)
    if not cleaned:
        raise InvalidInput(
            "Give the assistant a name.", problems=[FieldProblem(field, "a name is required")]
        )
    if len(cleaned) > SHORT_TEXT:
        raise InvalidInput(
            "The name is too long.",
            problems=[FieldProblem(field, f"use at most {SHORT_TEXT} characters")],
        )
    return cleaned


def _name_taken(session: Session, name: str, *, except_id: int | None = None) -> bool:
    # Compared in Python: SQL lower() folds only ASCII on SQLite, and rows stored before names
    # were normalised may hold another form of the same name.
    query = select(col(Assistant.name))
    if except_id is not None:
        query = query.where(col(Assistant.id) != except_id)
    wanted = name_key(name)
    return any(name_key(other) == wanted for other in session.execute(query).scalars())


def _ensure_free(session: Session, name: str, *, except_id: int | None = None) -> None:
    if _name_taken(session, name, except_id=except_id):
        raise Conflict(
            f'An assistant named "{name}" already exists (names are not case-sensitive). '
            "Choose another name.",
            problems=[FieldProblem("name", "this name is already used")],
        )


def unique_name(*, session: Session, base: str) -> str:
    """`base`, or `base (2)`, `base (3)`… — the first name no assistant uses yet."""
    base = _clean_name(base)[: SHORT_TEXT - 6]
    candidate, n = base, 1
    while _name_taken(session, candidate):
        n += 1
        candidate = f"{base} ({n})"
    return candidate


def _clean_description(description: str) -> str:
    cleaned = (description or "").strip()
    if len(cleaned) > MEDIUM_TEXT:
        raise InvalidInput(
            "The description is too long.",
            problems=[FieldProblem("description", f"use at most {MEDIUM_TEXT} characters")],
        )
    return cleaned


# --------------------------------------------------------------------------- creating


def _insert(
    session: Session,
    *,
    name: str,
    description: str,
    config: AssistantConfig,
    template: str | None = None,
    is_demo: bool = False,
) -> Assistant:
    row = Assistant(
        name=name,
        description=description,
        template=template,
        is_demo=is_demo,
        draft_config=config.model_dump(mode="json"),
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent create took the name between check and insert
        raise Conflict(f'An assistant named "{name}" already exists. Choose another name.') from exc
    return row


def create_assistant(
    *,
    session: Session,
    name: str,
    company_name: str = "",
    template: str | None = None,
    description: str = "",
) -> AssistantDetail:
    """Create an assistant, blank (needs `company_name`) or from a template's configuration.

    Raises InvalidInput if a field is empty or too long, NotFound for an unknown template,
    Conflict if the name is used (case-insensitively).
    """
    require(Permission.EDIT_ASSISTANT)
    name = _clean_name(name)
    description = _clean_description(description)
    if template:
        spec = get_template(template)
        config = spec.config.model_copy(deep=True)
        if company_name.strip():
            config.business.company_name = _clean_name(company_name, field="business.company_name")
        description = description or spec.description
    else:
        if not company_name.strip():
            raise InvalidInput(
                "Give the company name the assistant speaks for.",
                problems=[FieldProblem("business.company_name", "a company name is required")],
            )
        config = blank_config(company_name=_clean_name(company_name, field="business.company_name"))
    _ensure_free(session, name)
    row = _insert(session, name=name, description=description, config=config, template=template)
    assert row.id is not None
    audit.record_assistant(
        session=session,
        row=row,
        action="assistant.create",
        changes=audit.changed(template=(None, template)),
    )
    return get_assistant(session=session, assistant_id=row.id)


def create_from_config(
    *, session: Session, name: str, config: AssistantConfig, description: str = ""
) -> AssistantDetail:
    """Create an assistant whose draft is `config` (used by import); the name is made unique."""
    require(Permission.EDIT_ASSISTANT)
    row = _insert(
        session,
        name=unique_name(session=session, base=name),
        description=_clean_description(description),
        config=config,
    )
    assert row.id is not None
    audit.record_assistant(
        session=session,
        row=row,
        action="assistant.import",
    )
    return get_assistant(session=session, assistant_id=row.id)
