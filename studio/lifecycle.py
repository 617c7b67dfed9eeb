"""An assistant's life: rename, duplicate, archive and unarchive, delete for good."""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import Session, col

from studio.assistants import (
    AssistantDetail,
    _clean_description,
    _clean_name,
    _ensure_free,
    _insert,
    _load,
    get_assistant,
)
from studio.errors import FieldProblem, InvalidInput
from studio.models import AssistantStatus, AssistantVersion, utcnow


def rename_assistant(
    *, session: Session, assistant_id: int, name: str, description: str | None = None
) -> AssistantDetail:
    """Rename (and optionally re-describe) an assistant. Raises Conflict if the name is used."""
    row = _load(session, assistant_id)
    cleaned = _clean_name(name)
    _ensure_free(session, cleaned, except_id=assistant_id)
    row.name = cleaned
    if description is not None:
        row.description = _clean_description(description)
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return get_assistant(session=session, assistant_id=assistant_id)


def duplicate_assistant(*, session: Session, assistant_id: int, name: str) -> AssistantDetail:
    """A new assistant whose draft is a copy of this one's draft (history is not copied).

    Raises InvalidInput for an empty name, Conflict if the name is used.
    """
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
    return get_assistant(session=session, assistant_id=row.id)


def archive_assistant(*, session: Session, assistant_id: int) -> AssistantDetail:
    """Hide an assistant from the picker and lists; its data and versions are kept."""
    row = _load(session, assistant_id)
    row.status = AssistantStatus.ARCHIVED
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return get_assistant(session=session, assistant_id=assistant_id)


def unarchive_assistant(*, session: Session, assistant_id: int) -> AssistantDetail:
    """Bring an archived assistant back (published again if it had a published version)."""
    row = _load(session, assistant_id)
    row.status = AssistantStatus.PUBLISHED if row.published_version else AssistantStatus.DRAFT
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return get_assistant(session=session, assistant_id=assistant_id)


def delete_assistant(*, session: Session, assistant_id: int, confirm_name: str) -> None:
    """Delete an assistant with all its versions and conversations, for good.

    Raises InvalidInput unless `confirm_name` is the assistant's exact name.
    """
    row = _load(session, assistant_id)
    if " ".join((confirm_name or "").split()) != row.name:
        raise InvalidInput(
            f'To delete, type the assistant\'s name exactly: "{row.name}".',
            problems=[FieldProblem("confirm_name", "does not match the name")],
        )
    # Explicit child delete: the FK cascade does it too, but not every backend enforces it.
    session.execute(
        delete(AssistantVersion).where(col(AssistantVersion.assistant_id) == assistant_id)
    )
    session.delete(row)
    session.flush()
