"""The database layer on both real backends: schema, atomic units of work, bad URLs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from studio.core.db import make_engine, session_scope
from studio.core.errors import StudioError
from studio.core.models import Assistant, AssistantVersion
from studio.core.schema import upgrade_database
from studio.design.schemas import blank_config


def _assistant(name: str) -> Assistant:
    return Assistant(
        name=name, draft_config=blank_config(company_name="Acme").model_dump(mode="json")
    )


def test_schema_round_trips_json_and_timestamps(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(_assistant("Helper"))
    with session_scope(engine) as session:
        stored = session.exec(select(Assistant)).one()
        assert stored.draft_config["business"]["company_name"] == "Acme"
        assert stored.created_at.utcoffset() == timedelta(0)  # aware UTC on every backend


def test_a_failed_unit_of_work_leaves_nothing(engine: Engine) -> None:
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        session.add(_assistant("Half"))
        session.flush()
        raise RuntimeError("boom")
    with session_scope(engine) as session:
        assert session.exec(select(Assistant)).all() == []


def test_deleting_an_assistant_cascades_to_its_versions(engine: Engine) -> None:
    with session_scope(engine) as session:
        assistant = _assistant("Cascade")
        session.add(assistant)
        session.flush()
        assert assistant.id is not None
        session.add(
            AssistantVersion(assistant_id=assistant.id, number=1, config={}, config_hash="x")
        )
    with session_scope(engine) as session:
        session.delete(session.exec(select(Assistant)).one())
    with session_scope(engine) as session:
        assert session.exec(select(AssistantVersion)).all() == []


@pytest.mark.parametrize("url", ["not a url", "nosuchdialect://x/y"])
def test_a_bad_database_url_is_explained(url: str) -> None:
    with pytest.raises(StudioError, match="STUDIO_DATABASE_URL"):
        upgrade_database(make_engine(url))


def test_an_unreachable_server_is_explained() -> None:
    engine = make_engine("postgresql+psycopg://u:p@127.0.0.1:1/none")
    with pytest.raises(StudioError, match="Cannot reach the database"):
        upgrade_database(engine)
