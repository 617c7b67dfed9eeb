"""Demo assistants with their sample documents indexed, for suite tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from studio.core.config import get_settings
from studio.core.db import make_engine, session_scope
from studio.core.schema import upgrade_database
from studio.design import assistants, seeding
from studio.knowledge import bases
from studio.knowledge.admin import sample_files


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A fresh SQLite database (for tests whose subject is not the database backend)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'suites.db'}")
    upgrade_database(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def knowledge_store() -> bases.KnowledgeStore:
    get_settings.cache_clear()
    return bases.open_store(get_settings())


def demo_assistant(engine: Engine, template: str, store: bases.KnowledgeStore | None = None) -> int:
    """The demo assistant of `template` (seeding them if needed), its documents indexed if a
    store is given."""
    with session_scope(engine) as session:
        seeding.seed_demo_assistants(session=session)
        found = next(
            a for a in assistants.list_assistants(session=session) if a.template == template
        )
        if (
            store is not None
            and bases.get_knowledge_base(session=session, assistant_id=found.id) is None
        ):
            kb = bases.create_knowledge_base(session=session, store=store, assistant_id=found.id)
            bases.add_files(
                session=session, store=store, knowledge_base_id=kb.id, files=sample_files(template)
            )
    return found.id
