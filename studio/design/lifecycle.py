"""An assistant's life: rename, duplicate, archive and unarchive, delete for good."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlmodel import Session, col

from studio.access import audit
from studio.access.roles import Permission, require
from studio.core.errors import FieldProblem, InvalidInput
from studio.core.models import (
    AssistantStatus,
    AssistantVersion,
    Document,
    KnowledgeBase,
    StudioMarker,
)
from studio.core.names import normalize_name
from studio.design.assistants import (
    AssistantDetail,
    _clean_description,
    _clean_name,
    _ensure_free,
    _insert,
    _load,
    _store_change,
    get_assistant,
)
from studio.knowledge.admin import discard_knowledge_bases, drop_marker

if TYPE_CHECKING:
    from studio.knowledge.store import KnowledgeStore

log = logging.getLogger(__name__)


def rename_assistant(
    *, session: Session, assistant_id: int, name: str, description: str | None = None
) -> AssistantDetail:
    """Rename (and optionally re-describe) an assistant. Raises Conflict if the name is used."""
    require(Permission.EDIT_ASSISTANT)
    row = _load(session, assistant_id)
    before = {"name": row.name, "description": row.description}
    cleaned = _clean_name(name)
    _ensure_free(session, cleaned, except_id=assistant_id)
    row.name = cleaned
    if description is not None:
        row.description = _clean_description(description)
    audit.record_assistant(
        session=session,
        row=row,
        action="assistant.rename",
        changes=audit.changes_between(before, {"name": row.name, "description": row.description}),
    )
    return _store_change(session, row)


def duplicate_assistant(*, session: Session, assistant_id: int, name: str) -> AssistantDetail:
    """A new assistant whose draft is a copy of this one's draft (history is not copied).

    Raises InvalidInput for an empty name, Conflict if the name is used.
    """
    require(Permission.EDIT_ASSISTANT)
    source = get_assistant(session=session, assistant_id=assistant_id)
    cleaned = _clean_name(name)
    _ensure_free(session, cleaned)
    row = _insert(
        session,
        name=cleaned,
        description=source.description,
        config=source.draft,
        template=source.template,
    )
    assert row.id is not None
    audit.record_assistant(
        session=session,
        row=row,
        action="assistant.duplicate",
        changes=audit.changed(copied_from=(None, source.name)),
    )
    return get_assistant(session=session, assistant_id=row.id)


def archive_assistant(*, session: Session, assistant_id: int) -> AssistantDetail:
    """Hide an assistant from the picker and lists; its data and versions are kept."""
    require(Permission.EDIT_ASSISTANT)
    row = _load(session, assistant_id)
    audit.record_assistant(
        session=session,
        row=row,
        action="assistant.archive",
        changes=audit.changed(status=(row.status.value, "archived")),
    )
    row.status = AssistantStatus.ARCHIVED
    return _store_change(session, row)


def unarchive_assistant(*, session: Session, assistant_id: int) -> AssistantDetail:
    """Bring an archived assistant back (published again if it had a published version)."""
    require(Permission.EDIT_ASSISTANT)
    row = _load(session, assistant_id)
    audit.record_assistant(
        session=session,
        row=row,
        action="assistant.unarchive",
        changes=audit.changed(status=(row.status.value, "draft/published")),
    )
    row.status = AssistantStatus.PUBLISHED if row.published_version else AssistantStatus.DRAFT
    return _store_change(session, row)


def delete_assistant(
    *,
    session: Session,
    assistant_id: int,
    confirm_name: str,
    store: KnowledgeStore | None = None,
) -> list[str]:
    """Delete an assistant with all its versions, conversations and knowledge bases, for good.

    With a `store`, the SQL deletion is committed first and then the knowledge bases' Chroma
    collections and kept upload files are removed; what could not be removed is logged and
    returned (start-up reconciliation drops such leftovers). Without one, only SQL rows go now.
    Raises InvalidInput unless `confirm_name` is the assistant's exact name.
    """
    require(Permission.DELETE_ASSISTANT)
    row = _load(session, assistant_id)
    if normalize_name(confirm_name) != normalize_name(row.name):
        raise InvalidInput(
            f'To delete, type the assistant\'s name exactly: "{row.name}".',
            problems=[FieldProblem("confirm_name", "does not match the name")],
        )
    rows = session.execute(
        select(
            col(KnowledgeBase.id), col(KnowledgeBase.storage_key), col(KnowledgeBase.collection)
        ).where(col(KnowledgeBase.assistant_id) == assistant_id)
    ).all()
    bases = [(key or f"kb{kb_id}", name) for kb_id, key, name in rows]
    # Explicit child deletes: the FK cascade does it too, but not every backend enforces it.
    kb_ids = [kb_id for kb_id, _, _ in rows if kb_id is not None]
    if kb_ids:
        session.execute(delete(Document).where(col(Document.knowledge_base_id).in_(kb_ids)))
        session.execute(delete(KnowledgeBase).where(col(KnowledgeBase.id).in_(kb_ids)))
    session.execute(
        delete(AssistantVersion).where(col(AssistantVersion.assistant_id) == assistant_id)
    )
    session.delete(row)
    audit.record_assistant(
        session=session,
        row=row,
        action="assistant.delete",
        changes=audit.changed(deleted=(False, True)),
    )
    # Intent to remove the vectors and files, committed with the deletion itself: whatever is
    # not removed below (no store here, Chroma down) is finished by start-up reconciliation.
    markers = [StudioMarker(key=drop_marker(key, name)) for key, name in bases]
    session.add_all(markers)
    session.flush()
    if store is None or not bases:
        return []
    # Vectors and files go only once the rows are gone for good: a failed commit leaves the
    # assistant whole; a failed cleanup leaves orphans that reconciliation removes, never a
    # half-deleted assistant.
    session.commit()
    problems: list[str] = []
    for marker, base in zip(markers, bases, strict=True):
        failed = discard_knowledge_bases(store=store, bases=[base])
        if failed:
            problems.extend(failed)
        else:
            session.delete(marker)
    session.commit()
    for problem in problems:
        log.warning("Deleting assistant %s: %s", assistant_id, problem)
    return problems
