"""Version history of an assistant: list, compare, restore into the draft, publish.

Saving and reading one version live in `studio.assistants` (other modules rely on them there).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from studio.assistants import (
    AssistantDetail,
    VersionSummary,
    _load,
    get_assistant,
    get_version,
    replace_draft,
)
from studio.diffs import ConfigDiff, diff_configs, diff_prompts
from studio.errors import Conflict
from studio.models import AssistantStatus, AssistantVersion, utcnow
from studio.schemas import AssistantConfig


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


def restore_version(*, session: Session, assistant_id: int, number: int) -> AssistantDetail:
    """Copy version `number` into the draft (the version itself is untouched).

    Raises NotFound if the version does not exist.
    """
    version = get_version(session=session, assistant_id=assistant_id, number=number)
    return replace_draft(session=session, assistant_id=assistant_id, config=version.config)


def publish_version(*, session: Session, assistant_id: int, number: int) -> AssistantDetail:
    """Mark version `number` as the published one (replacing any other).

    Raises NotFound if the version does not exist, Conflict if the assistant is archived.
    """
    get_version(session=session, assistant_id=assistant_id, number=number)
    row = _load(session, assistant_id)
    if row.status == AssistantStatus.ARCHIVED:
        raise Conflict(f'"{row.name}" is archived. Restore it from the archive before publishing.')
    row.published_version = number
    row.status = AssistantStatus.PUBLISHED
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return get_assistant(session=session, assistant_id=assistant_id)


def unpublish(*, session: Session, assistant_id: int) -> AssistantDetail:
    """Withdraw the published version; the assistant goes back to draft status."""
    row = _load(session, assistant_id)
    row.published_version = None
    if row.status == AssistantStatus.PUBLISHED:
        row.status = AssistantStatus.DRAFT
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return get_assistant(session=session, assistant_id=assistant_id)
