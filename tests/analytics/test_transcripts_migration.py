"""Migration 0007_transcripts down and up again keeps every session and turn (SQLite, PostgreSQL):
it must not re-create `chatsession`, which on SQLite would cascade-delete the turns."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Engine

from studio.analytics import transcripts
from studio.core.db import session_scope
from studio.core.models import Turn
from studio.core.schema import _config, upgrade_database
from studio.design import assistants
from tests.analytics.transcript_files import VALID


def turn_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(Turn)).scalar_one())


def test_downgrade_and_upgrade_keep_the_turns(engine: Engine) -> None:
    with session_scope(engine) as session:
        shop = assistants.create_assistant(session=session, name="Shop", company_name="Acme")
        transcripts.import_transcripts(
            session=session, assistant_id=shop.id, content=VALID, filename="x.jsonl"
        )
    assert turn_count(engine) == 3
    with engine.connect() as connection:
        config = _config(connection)
        previous = (
            ScriptDirectory.from_config(config).get_revision("0007_transcripts").down_revision
        )
        command.downgrade(config, str(previous))  # this revision only
        connection.commit()
    columns = {c["name"] for c in inspect(engine).get_columns("chatsession")}
    assert "external_id" not in columns and turn_count(engine) == 3
    upgrade_database(engine)
    assert turn_count(engine) == 3
    with session_scope(engine) as session:  # the de-duplication keys are back (NULL for old rows)
        again = transcripts.import_transcripts(
            session=session, assistant_id=shop.id, content=VALID, filename="x.jsonl"
        )
    assert again.imported_conversations == 2 and turn_count(engine) == 6
