"""What happens once when the studio starts: schema, demo data."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from studio import assistants
from studio.db import create_schema, make_engine, session_scope


def prepare_database(url: str, *, seed_demo: bool) -> Engine:
    """Engine for `url` with the schema created and, if asked, the demo assistants seeded once."""
    engine = make_engine(url)
    create_schema(engine)
    if seed_demo:
        with session_scope(engine) as session:
            assistants.seed_demo_assistants(session=session)
    return engine
