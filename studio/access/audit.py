"""The audit log: who changed what and when, with field paths and old → new values.

Domain functions call `record(...)` in the same session as the change, so an entry commits with
the change or not at all. Values under secret-looking names are never stored, only "changed".
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from studio.access.roles import Permission, current_actor, require
from studio.core.db import session_scope
from studio.core.models import Assistant, AuditEntry

SECRET_NAME = re.compile(r"api_?key|password|passwd|secret|token|credential|authorization", re.I)
REDACTED = "•••"
MAX_VALUE_CHARS = 400  # a long prompt is cut in the log; the versions keep the whole text
MAX_CHANGES = 200  # one entry never grows without bound (an import of a huge document)


class FieldChangeRecord(BaseModel):
    path: str
    old: Any = None
    new: Any = None


class AuditRecord(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    target_label: str
    changes: list[FieldChangeRecord]


def _bounded(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_VALUE_CHARS:
        return value[:MAX_VALUE_CHARS] + f"… ({len(value)} characters)"
    if isinstance(value, dict | list):
        text = repr(value)
        return value if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"
    return value


def _walk(old: Any, new: Any, path: str, out: list[FieldChangeRecord]) -> None:
    if old == new:
        return
    name = path.rsplit(".", 1)[-1]
    if SECRET_NAME.search(name):
        out.append(FieldChangeRecord(path=path, old=REDACTED, new=REDACTED))
    elif isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            _walk(old.get(key), new.get(key), f"{path}.{key}" if path else str(key), out)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            _walk(a, b, f"{path}[{i + 1}]", out)
    else:
        out.append(FieldChangeRecord(path=path, old=_bounded(old), new=_bounded(new)))


def changes_between(old: Any, new: Any, *, prefix: str = "") -> list[FieldChangeRecord]:
    """Field-level differences of two JSON-like values (paths 1-based, secrets redacted)."""
    out: list[FieldChangeRecord] = []
    _walk(old, new, prefix, out)
    return out[:MAX_CHANGES]


def record(
    *,
    session: Session,
    action: str,
    target_type: str,
    target_id: object = "",
    target_label: str = "",
    changes: list[FieldChangeRecord] | None = None,
) -> None:
    """Add an entry for the current actor to `session` (it commits with the change itself)."""
    session.add(
        AuditEntry(
            actor=current_actor().name,
            action=action,
            target_type=target_type,
            target_id=str(target_id if target_id is not None else "")[:64],
            target_label=target_label[:255],
            changes=[c.model_dump(mode="json") for c in (changes or [])][:MAX_CHANGES],
        )
    )
    session.flush()


def record_assistant(
    *,
    session: Session,
    row: Assistant,
    action: str,
    changes: list[FieldChangeRecord] | None = None,
) -> None:
    """`record` for a change to the assistant `row` (its id and name name the target)."""
    record(
        session=session,
        action=action,
        target_type="assistant",
        target_id=row.id,
        target_label=row.name,
        changes=changes,
    )


def list_entries(
    *,
    session: Session,
    actor: str | None = None,
    action: str | None = None,
    target_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    text: str | None = None,
    limit: int = 500,
) -> list[AuditRecord]:
    """Entries newest first, filtered. Raises PermissionDenied unless the actor is an admin."""
    require(Permission.VIEW_AUDIT)
    query = select(AuditEntry).order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
    if actor:
        query = query.where(col(AuditEntry.actor) == actor)
    if action:
        query = query.where(col(AuditEntry.action) == action)
    if target_type:
        query = query.where(col(AuditEntry.target_type) == target_type)
    if since is not None:
        query = query.where(col(AuditEntry.at) >= since)
    if until is not None:
        query = query.where(col(AuditEntry.at) < until)
    if text and text.strip():
        like = f"%{text.strip()}%"
        query = query.where(
            or_(col(AuditEntry.target_label).ilike(like), col(AuditEntry.target_id) == text.strip())
        )
    rows = session.execute(query.limit(max(1, min(limit, 5000)))).scalars()
    return [
        AuditRecord(
            id=row.id or 0,
            at=row.at,
            actor=row.actor,
            action=row.action,
            target_type=row.target_type,
            target_id=row.target_id,
            target_label=row.target_label,
            changes=[FieldChangeRecord.model_validate(c) for c in row.changes],
        )
        for row in rows
    ]


def filter_choices(*, session: Session) -> dict[str, list[str]]:
    """The actors, actions and target types that occur in the log (for filter widgets)."""
    require(Permission.VIEW_AUDIT)
    return {
        name: sorted(
            v for v in session.execute(select(getattr(AuditEntry, name)).distinct()).scalars()
        )
        for name in ("actor", "action", "target_type")
    }


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet runs a cell starting with = + - @ as a formula: neutralise hostile names.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def entries_csv(entries: list[AuditRecord]) -> str:
    """The entries as CSV, one row per changed field (safe to open in a spreadsheet)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["at", "actor", "action", "target_type", "target_id", "target", "field", "old", "new"]
    )
    for entry in entries:
        head = [
            entry.at.isoformat(),
            entry.actor,
            entry.action,
            entry.target_type,
            entry.target_id,
            entry.target_label,
        ]
        for change in entry.changes or [FieldChangeRecord(path="")]:
            writer.writerow([_cell(v) for v in [*head, change.path, change.old, change.new]])
    return buffer.getvalue()


def changed(**fields: tuple[Any, Any]) -> list[FieldChangeRecord]:
    """Changes given as field=(old, new) pairs (unchanged pairs left out, secrets redacted)."""
    return changes_between(
        {k: v[0] for k, v in fields.items()}, {k: v[1] for k, v in fields.items()}
    )


def record_now(*, engine: Engine, **entry: Any) -> None:
    """`record` in a unit of work of its own (for actions that start background work)."""
    with session_scope(engine) as session:
        record(session=session, **entry)
