"""The demo assistants that a first start creates from the shipped templates."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from studio.core.models import AssistantStatus, StudioMarker
from studio.design.assistants import _insert, unique_name
from studio.design.templates import list_templates
from studio.design.versions import save_version


def seed_demo_assistants(*, session: Session) -> int:
    """Create the demo assistants from the templates once; return how many were created.

    Each template is seeded at most once per database (a marker remembers it), so deleting a
    demo assistant is respected across restarts; a template added later is seeded on upgrade.
    """
    done = set(session.execute(select(col(StudioMarker.key))).scalars())
    created = 0
    for spec in list_templates():
        marker = f"demo_seeded:{spec.key}"
        if marker in done:
            continue
        name = unique_name(session=session, base=spec.demo_name)
        row = _insert(
            session,
            name=name,
            description=spec.description,
            config=spec.config,
            template=spec.key,
            is_demo=True,
        )
        assert row.id is not None
        save_version(session=session, assistant_id=row.id, note="Shipped template")
        row.published_version, row.status = 1, AssistantStatus.PUBLISHED
        session.add(StudioMarker(key=marker))
        created += 1
    session.flush()
    return created
