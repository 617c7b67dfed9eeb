"""Versions of an assistant: save the draft as one, read, list, compare, restore, publish.

A version, once saved, never changes; restoring copies it into the draft.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from studio.access import audit
from studio.access.roles import Permission, require
from studio.core.errors import Conflict, FieldProblem, InvalidInput, NotFound
from studio.core.models import AssistantStatus, AssistantVersion, utcnow
from studio.design.assistants import (
    AssistantDetail,
    VersionDetail,
    VersionSummary,
    _load,
    _store_change,
    config_hash,
    get_assistant,
)
from studio.design.diffs import ConfigDiff, diff_configs, diff_prompts
from studio.design.drafts import replace_draft
from studio.design.schemas import MEDIUM_TEXT, AssistantConfig


def save_version(*, session: Session, assistant_id: int, note: str = "") -> VersionSummary:
    """Freeze the draft as the next numbered version (never changed afterwards).

    Raises Conflict if the draft is identical to the latest version — a second, identical
    version would only clutter the history; edit the draft first.
    Raises InvalidInput if the note is too long.
    """
    require(Permission.EDIT_ASSISTANT)
    note = (note or "").strip()
    if len(note) > MEDIUM_TEXT:
        raise InvalidInput(
            "The note is too long.",
            problems=[FieldProblem("note", f"use at most {MEDIUM_TEXT} characters")],
        )
    row = _load(session, assistant_id)
    config = AssistantConfig.model_validate(row.draft_config)
    digest = config_hash(config)
    latest = session.execute(
        select(col(AssistantVersion.number), col(AssistantVersion.config_hash))
        .where(col(AssistantVersion.assistant_id) == assistant_id)
        .order_by(col(AssistantVersion.number).desc())
        .limit(1)
    ).first()
    if latest is not None and latest.config_hash == digest:
        raise Conflict(
            f"Nothing to save: the draft is identical to version {latest.number}. "
            "Change something first."
        )
    number = (latest.number if latest else 0) + 1
    version = AssistantVersion(
        assistant_id=assistant_id,
        number=number,
        note=note,
        config=config.model_dump(mode="json"),
        config_hash=digest,
    )
    session.add(version)
    row.draft_base_version = number
    row.updated_at = utcnow()
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:  # someone saved the same number a moment earlier
        raise Conflict("Another version was saved at the same time. Try again.") from exc
    audit.record_assistant(
        session=session,
        row=row,
        action="assistant.version.save",
        changes=audit.changed(version=(None, number), note=("", note)),
    )
    return VersionSummary(
        number=number,
        note=note,
        created_at=version.created_at,
        config_hash=digest,
        is_published=row.published_version == number,
    )


def get_version(*, session: Session, assistant_id: int, number: int) -> VersionDetail:
    """One saved version with its configuration. Raises NotFound if it does not exist."""
    row = _load(session, assistant_id)
    version = session.execute(
        select(AssistantVersion).where(
            col(AssistantVersion.assistant_id) == assistant_id,
            col(AssistantVersion.number) == number,
        )
    ).scalar_one_or_none()
    if version is None:
        raise NotFound(f'"{row.name}" has no version {number}.')
    return VersionDetail(
        number=version.number,
        note=version.note,
        created_at=version.created_at,
        config_hash=version.config_hash,
        is_published=version.number == row.published_version,
        config=AssistantConfig.model_validate(version.config),
    )


def list_versions(*, session: Session, assistant_id: int) -> list[VersionSummary]:
    """The assistant's versions, newest first (without their configurations)."""
    row = _load(session, assistant_id)
    rows = session.execute(
        select(
            col(AssistantVersion.number),
            col(AssistantVersion.note),
            col(AssistantVersion.created_at),
            col(AssistantVersion.config_hash),
        )
        .where(col(AssistantVersion.assistant_id) == assistant_id)
        .order_by(col(AssistantVersion.number).desc())
    )
    return [
        VersionSummary(
            number=r.number,
            note=r.note,
            created_at=r.created_at,
            config_hash=r.config_hash,
            is_published=r.number == row.published_version,
        )
        for r in rows
    ]


def config_of(*, session: Session, assistant_id: int, number: int | None) -> AssistantConfig:
    """The configuration of version `number`, or of the draft when `number` is None."""
    if number is None:
        return get_assistant(session=session, assistant_id=assistant_id).draft
    return get_version(session=session, assistant_id=assistant_id, number=number).config


def compare(*, session: Session, assistant_id: int, old: int | None, new: int | None) -> ConfigDiff:
    """Field changes and compiled-prompt diff between two versions (None = the draft)."""
    before = config_of(session=session, assistant_id=assistant_id, number=old)
    after = config_of(session=session, assistant_id=assistant_id, number=new)
    old_label = "draft" if old is None else f"version {old}"
    new_label = "draft" if new is None else f"version {new}"
    return ConfigDiff(
        old_label=old_label,
        new_label=new_label,
        changes=diff_configs(before, after),
        prompt_diff=diff_prompts(before, after, old_label=old_label, new_label=new_label),
    )


def restore_version(
    *, session: Session, assistant_id: int, number: int, expected_revision: int | None = None
) -> AssistantDetail:
    """Copy version `number` into the draft (the version itself is untouched).

    Raises NotFound if the version does not exist; with `expected_revision` (the draft revision
    the person saw), EditConflict if someone saved the draft since.
    """
    require(Permission.EDIT_ASSISTANT)
    version = get_version(session=session, assistant_id=assistant_id, number=number)
    return replace_draft(
        session=session,
        assistant_id=assistant_id,
        config=version.config,
        expected_revision=expected_revision,
    )


def publish_version(*, session: Session, assistant_id: int, number: int) -> AssistantDetail:
    """Mark version `number` as the published one (replacing any other).

    Raises NotFound if the version does not exist, Conflict if the assistant is archived.
    """
    get_version(session=session, assistant_id=assistant_id, number=number)
    row = _load(session, assistant_id)
    if row.status == AssistantStatus.ARCHIVED:
        raise Conflict(f'"{row.name}" is archived. Restore it from the archive before publishing.')
    require(Permission.EDIT_ASSISTANT)
    audit.record_assistant(
        session=session,
        row=row,
        action="assistant.publish",
        changes=audit.changed(published_version=(row.published_version, number)),
    )
    row.published_version = number
    row.status = AssistantStatus.PUBLISHED
    return _store_change(session, row)


def unpublish(*, session: Session, assistant_id: int) -> AssistantDetail:
    """Withdraw the published version; the assistant goes back to draft status."""
    require(Permission.EDIT_ASSISTANT)
    row = _load(session, assistant_id)
    audit.record_assistant(
        session=session,
        row=row,
        action="assistant.unpublish",
        changes=audit.changed(published_version=(row.published_version, None)),
    )
    row.published_version = None
    if row.status == AssistantStatus.PUBLISHED:
        row.status = AssistantStatus.DRAFT
    return _store_change(session, row)
