"""Edit conflicts on drafts: an optimistic revision number on the assistant row.

A page remembers the revision it loaded; saving with that revision succeeds only if nobody saved
in between, otherwise EditConflict says who changed it and when, with the differences.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select, update
from sqlmodel import Session, col

from studio.access import audit
from studio.access.roles import current_actor
from studio.core.errors import EditConflict, FieldProblem, NotFound
from studio.core.models import Assistant, utcnow


class DraftStamp(BaseModel):
    """Which save of the draft a page is looking at."""

    revision: int
    updated_by: str | None
    updated_at: datetime


def draft_stamp(*, session: Session, assistant_id: int) -> DraftStamp:
    """The draft's current revision. Raises NotFound if the assistant is gone."""
    row = session.execute(
        select(
            col(Assistant.draft_revision),
            col(Assistant.draft_updated_by),
            col(Assistant.draft_updated_at),
        ).where(col(Assistant.id) == assistant_id)
    ).first()
    if row is None:
        raise NotFound(f"Assistant #{assistant_id} does not exist (it may have been deleted).")
    return DraftStamp(revision=row[0], updated_by=row[1], updated_at=row[2])


def _conflict(row: Assistant, document: dict[str, Any]) -> EditConflict:
    who = row.draft_updated_by or "someone"
    when = row.draft_updated_at.strftime("%Y-%m-%d %H:%M UTC")
    theirs = audit.changes_between(document, row.draft_config)
    return EditConflict(
        f"The draft was changed by {who} at {when} since you loaded it. Reload to see their "
        "version, or overwrite it with yours.",
        problems=[FieldProblem(c.path, f"yours: {c.old!r} → theirs: {c.new!r}") for c in theirs],
    )


def write_draft(
    *, session: Session, row: Assistant, document: dict[str, Any], expected_revision: int | None
) -> None:
    """Store `document` as the draft of `row`, bump its revision and audit the change.

    Raises EditConflict when `expected_revision` is given and someone saved since.
    """
    assert row.id is not None
    old = row.draft_config
    revision = row.draft_revision
    if expected_revision is not None and expected_revision != revision:
        raise _conflict(row, document)
    # Compare-and-set in SQL: two processes that both read revision N cannot both write N + 1.
    claimed = session.execute(
        update(Assistant)
        .where(col(Assistant.id) == row.id, col(Assistant.draft_revision) == revision)
        .values(draft_revision=revision + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(row)
        raise _conflict(row, document)
    row.draft_revision = revision + 1
    row.draft_config = document
    row.draft_updated_by = current_actor().name
    row.draft_updated_at = utcnow()
    audit.record_assistant(
        session=session,
        row=row,
        action="assistant.draft",
        changes=audit.changes_between(old, document),
    )
