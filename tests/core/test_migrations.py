"""Alembic migrations on SQLite and a real PostgreSQL: the models and the migrated schema agree,
a database of the release before migrations keeps every row, a newer database is explained,
and two processes starting together migrate once."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, select

from studio.chat import conversations
from studio.core.db import make_engine, session_scope
from studio.core.models import Document, DocumentStatus, Feedback, Turn
from studio.core.schema import (
    BASELINE,
    SchemaError,
    _config,
    head_revision,
    schema_status,
    upgrade_database,
)
from studio.design import assistants, versions

ROOT = Path(__file__).resolve().parents[2]
RELEASE_DATA = Path(__file__).parent / "fixtures" / "data-release-0.1.tar.gz"
"""A data folder (studio.db, chroma/, uploads/) made by the release before migrations: five demo
assistants with their indexed documents, one edited and saved as version 2, a two-turn preview
conversation with a 👍 and a correction."""


def _schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        return list(compare_metadata(MigrationContext.configure(connection), SQLModel.metadata))


def test_the_models_match_the_migrated_schema(database_url: str) -> None:
    # A change to studio/core/models.py without a migration fails here (SQLite and PostgreSQL).
    engine = make_engine(database_url)
    upgrade_database(engine)
    assert _schema_differences(engine) == []
    engine.dispose()


def test_the_check_notices_a_forgotten_migration(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    upgrade_database(engine)
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_turn_intent"))
    assert _schema_differences(engine) != []


def test_an_empty_database_is_created_at_head_and_upgrading_again_changes_nothing(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    assert schema_status(engine).current is None
    assert upgrade_database(engine).current == head_revision()
    assert upgrade_database(engine).up_to_date
    assert {"assistant", "turn", "alembic_version"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def _release_schema(engine: Engine) -> None:
    """The release's schema as `create_all` made it: the baseline revision, without Alembic's
    own table (the baseline equals that schema; the first test pins it)."""
    from alembic import command

    with engine.connect() as connection:
        command.upgrade(_config(connection), BASELINE)
        connection.execute(text("DROP TABLE alembic_version"))
        connection.commit()


RELEASE_ROWS = """
INSERT INTO assistant (id, name, description, status, is_demo, template, draft_config,
  draft_updated_at, draft_base_version, published_version, created_at, updated_at)
  VALUES (7, 'Helpdesk', 'old one', 'PUBLISHED', false, NULL, :config, :now, 1, 1, :now, :now);
INSERT INTO assistantversion (id, assistant_id, number, note, config, config_hash, created_at)
  VALUES (3, 7, 1, 'first', :config, 'abc', :now);
INSERT INTO studiomarker (key, created_at) VALUES ('demo_seeded:ecommerce_support', :now);
INSERT INTO knowledgebase (id, assistant_id, name, collection, embedding, embedding_dim,
  chunk_size, chunk_overlap, created_at, updated_at)
  VALUES (4, 7, 'Help centre', 'kb_old', 'minilm-q8', 384, 800, 120, :now, :now);
INSERT INTO document (id, knowledge_base_id, name, file_type, size_bytes, content_hash, status,
  error, chunk_count, title, csv_column, created_at, updated_at)
  VALUES (9, 4, 'faq.md', 'md', 10, 'h', 'READY', NULL, 2, 'FAQ', NULL, :now, :now);
INSERT INTO chatsession (id, assistant_id, version_number, config_hash, source, backend, model,
  title, started_at, last_turn_at)
  VALUES (5, 7, 1, 'abc', 'PREVIEW', 'simulator', 'offline-simulator', 'Hi', :now, :now);
INSERT INTO turn (id, session_id, assistant_id, version_number, config_hash, source, backend,
  model, created_at, user_message, reply, status, error, ttft_ms, latency_ms, prompt_tokens,
  completion_tokens, cost_usd, intent, emotion, urgency, lint_flags, grounded, escalated,
  retrieved, tool_calls, messages)
  VALUES (11, 5, 7, 1, 'abc', 'PREVIEW', 'simulator', 'offline-simulator', :now, 'Hi there',
  'Hello!', 'OK', NULL, 12.5, 30.0, 100, 5, 0.0, 'greeting', 'neutral', 'low', '[]', NULL,
  false, '[]', '[]', '[]');
INSERT INTO feedback (id, turn_id, rating, comment, corrected_reply, created_at, updated_at)
  VALUES (2, 11, 1, 'nice', NULL, :now, :now);
INSERT INTO modelprice (model, input_per_million, output_per_million) VALUES ('m1', 1.5, 2.5);
"""


def test_a_database_made_before_migrations_is_stamped_and_keeps_every_row(
    database_url: str,
) -> None:
    from studio.design.schemas import blank_config

    engine = make_engine(database_url)
    _release_schema(engine)
    config = blank_config(company_name="Old Co").model_dump_json()
    with engine.begin() as connection:
        for statement in filter(str.strip, RELEASE_ROWS.split(";")):
            connection.execute(text(statement), {"config": config, "now": datetime.now(UTC)})
    status = schema_status(engine)
    assert status.unversioned and status.current is None

    assert upgrade_database(engine).current == head_revision()

    with session_scope(engine) as session:
        detail = assistants.get_assistant(session=session, assistant_id=7)
        assert (detail.name, detail.draft.business.company_name) == ("Helpdesk", "Old Co")
        assert versions.get_version(session=session, assistant_id=7, number=1).note == "first"
        doc = session.get(Document, 9)
        assert doc is not None and doc.status is DocumentStatus.READY and doc.chunk_count == 2
        turn = session.get(Turn, 11)
        assert turn is not None and turn.user_message == "Hi there" and turn.ttft_ms == 12.5
        feedback = session.exec(select(Feedback)).one()
        assert (feedback.turn_id, feedback.rating, feedback.comment) == (11, 1, "nice")
        assert session.execute(text("SELECT count(*) FROM modelprice")).scalar_one() == 1
    # Stamping happened once: a second start finds it up to date and touches nothing.
    assert schema_status(engine).up_to_date
    engine.dispose()


def test_a_data_folder_of_the_release_before_migrations_opens_with_all_its_data(
    tmp_path: Path,
) -> None:
    # The real thing: files written by that release (not re-created by this code).
    from studio.chat import turn as chat_turn
    from studio.chat.simulator import SimulatorBackend
    from studio.core.config import get_settings
    from studio.startup import prepare_database, prepare_knowledge

    with tarfile.open(RELEASE_DATA) as archive:
        archive.extractall(tmp_path / "data", filter="data")
    settings = get_settings()
    assert settings.data_dir == tmp_path / "data"
    engine = prepare_database(settings.resolved_database_url, seed_demo=True)
    store = prepare_knowledge(engine, settings, background=False)
    with session_scope(engine) as session:
        every = assistants.list_assistants(session=session)
        assert len(every) == 5  # seeding did not run again
        shop = next(a for a in every if a.template == "ecommerce_support")
        assert shop.latest_version == 2 and not shop.has_unsaved_changes
        assert versions.get_version(session=session, assistant_id=shop.id, number=2).note == (
            "renamed persona"
        )
        sessions = conversations.list_sessions(session=session, assistant_id=shop.id)
        assert [s.turn_count for s in sessions] == [2]
        rated = session.exec(select(Feedback).order_by(Feedback.turn_id)).all()  # type: ignore[arg-type]
        assert [(f.rating, f.corrected_reply) for f in rated] == [
            (1, None),
            (None, "Your order ships tomorrow."),
        ]
        statuses = set(session.exec(select(Document.status)).all())
        assert statuses == {DocumentStatus.READY}
        target = chat_turn.draft_target(session=session, assistant_id=shop.id)
    result = chat_turn.run_turn(
        engine=engine,
        target=target,
        message="How long do refunds take?",
        backend=SimulatorBackend(),
        store=store,
    )
    assert result.error is None and result.passages, "the old index answers"
    assert result.turn_id is not None
    engine.dispose()


def test_a_database_newer_than_the_code_is_explained(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade_database(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    for check in (schema_status, upgrade_database):
        with pytest.raises(SchemaError, match="newer version of the studio") as caught:
            check(engine)
        assert "9999_from_the_future" in str(caught.value)
        assert "password" not in str(caught.value)
    engine.dispose()


def test_the_unreachable_server_message_hides_the_password() -> None:
    engine = make_engine("postgresql+psycopg://u:s3cret@127.0.0.1:1/none")
    with pytest.raises(SchemaError, match="Cannot reach the database") as caught:
        upgrade_database(engine)
    assert "s3cret" not in str(caught.value)


UPGRADE_IN_A_PROCESS = """
import sys
from studio.core.db import make_engine
from studio.core.schema import upgrade_database
print(upgrade_database(make_engine(sys.argv[1])).current)
"""


def test_two_processes_starting_together_both_end_at_head(database_url: str) -> None:
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", UPGRADE_IN_A_PROCESS, database_url],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    for process, (out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
        assert out.strip() == head_revision()
    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    assert [r[0] for r in rows] == [head_revision()]
    engine.dispose()


def test_the_studio_explains_a_database_newer_than_it_instead_of_crashing(tmp_path: Path) -> None:
    from streamlit.testing.v1 import AppTest

    from studio.core.config import get_settings
    from tests.conftest import HOME

    engine = make_engine(get_settings().resolved_database_url)
    upgrade_database(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    engine.dispose()
    at = AppTest.from_file(HOME, default_timeout=60)
    at.run()
    assert not at.exception
    shown = [e.value for e in [*at.error, *at.sidebar.error]]
    assert any("newer version of the studio" in message for message in shown), shown


def test_every_downgrade_step_keeps_the_rows_of_the_tables_it_does_not_drop(
    database_url: str,
) -> None:
    # SQLite alters a table by copying it; a copied parent table cascade-deletes its children
    # (an assistant's versions, sessions and turns). Each step must alter in place.
    from alembic import command
    from alembic.script import ScriptDirectory

    from studio.design.schemas import blank_config

    engine = make_engine(database_url)
    _release_schema(engine)
    config = blank_config(company_name="Old Co").model_dump_json()
    with engine.begin() as connection:
        for statement in filter(str.strip, RELEASE_ROWS.split(";")):
            connection.execute(text(statement), {"config": config, "now": datetime.now(UTC)})
    upgrade_database(engine)
    counted = ("assistant", "assistantversion", "document", "chatsession", "turn", "feedback")

    def counts() -> dict[str, int]:
        with engine.connect() as connection:
            return {
                t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in counted
            }

    before = counts()
    assert all(before.values()), before
    script = ScriptDirectory.from_config(_config())
    for revision in script.walk_revisions():  # head first
        if revision.down_revision is None:
            break
        with engine.connect() as connection:
            command.downgrade(_config(connection), str(revision.down_revision))
            connection.commit()
        assert counts() == before, f"downgrading {revision.revision} lost rows"
    assert upgrade_database(engine).current == head_revision()
    assert counts() == before
    engine.dispose()
