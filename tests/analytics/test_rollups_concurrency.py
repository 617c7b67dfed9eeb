"""Several writers and refreshers at once lose nothing (threads with their own connections, and
a second process), and migration 0010_rollups back-fills exactly what a recomputation gives and
downgrades without touching a turn; SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from alembic import command
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Engine
from sqlmodel import col

from studio.analytics import rollups
from studio.chat import conversations
from studio.chat.results import TurnResult, TurnTarget
from studio.core.db import make_engine, session_scope
from studio.core.models import ChatSession, Turn, TurnSource
from studio.core.rollup_tables import ROLLUP_TABLES, RollupDay, RollupSession
from studio.core.schema import _config, upgrade_database
from studio.design.assistants import create_assistant
from studio.design.schemas import blank_config
from tests.analytics.dataset import build
from tests.analytics.rollup_checks import snapshot

ROOT = Path(__file__).resolve().parents[2]
WRITER = """
import sys
from studio.chat import conversations
from studio.chat.results import TurnResult, TurnTarget
from studio.core.db import make_engine
from studio.core.models import TurnSource
from studio.design.schemas import blank_config
engine = make_engine(sys.argv[1])
target = TurnTarget(assistant_id=int(sys.argv[2]), config=blank_config(company_name="X"),
                    config_hash="h")
for i in range(int(sys.argv[3])):
    result = TurnResult(user_message=f"q{i}", reply="a", backend="simulator",
                        backend_label="Simulator", model="m", latency_ms=100.0 + i)
    conversations.log_turn(engine=engine, target=target, result=result, source=TurnSource.SUITE)
    assert result.log_error is None, result.log_error
"""


def _writer(engine: Engine, assistant_id: int, turns: int, errors: list[BaseException]) -> None:
    target = TurnTarget(assistant_id=assistant_id, config=blank_config(company_name="X"),
                        config_hash="h")  # fmt: skip
    session_id = None
    try:
        for i in range(turns):
            result = TurnResult(user_message=f"q{i}", reply="a" if i % 3 else "", model="m",
                                backend="simulator", backend_label="Simulator",
                                latency_ms=50.0 * (i + 1), session_id=session_id)  # fmt: skip
            conversations.log_turn(engine=engine, target=target, result=result,
                                   source=TurnSource.PREVIEW)  # fmt: skip
            if result.log_error:
                raise AssertionError(result.log_error)
            session_id = result.session_id if i % 4 else None
    except BaseException as exc:  # reported by the test
        errors.append(exc)


def test_concurrent_writers_and_refreshers_lose_no_update(engine: Engine) -> None:
    with session_scope(engine) as db:
        ids = [create_assistant(session=db, name=n, company_name="C").id for n in ("A", "B")]
    url = engine.url.render_as_string(hide_password=False)
    other = subprocess.Popen([sys.executable, "-c", WRITER, url, str(ids[1]), "15"], cwd=ROOT)
    errors: list[BaseException] = []
    stop = threading.Event()

    def refresher() -> None:
        try:
            while not stop.is_set():
                rollups.refresh_now(engine)
        except BaseException as exc:
            errors.append(exc)

    writers = [
        threading.Thread(target=_writer, args=(engine, ids[i % 2], 15, errors)) for i in range(3)
    ]
    threads = writers + [threading.Thread(target=refresher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in writers:
        thread.join()
    assert other.wait(timeout=300) == 0
    stop.set()
    for thread in threads[3:]:
        thread.join()
    assert errors == []
    rollups.refresh_now(engine)
    with session_scope(engine) as db:
        turns = db.execute(select(func.count()).select_from(Turn)).scalar_one()
        assert turns == 60
        assert db.execute(select(func.sum(col(RollupDay.turns)))).scalar_one() == turns
        chats = db.execute(select(func.count()).select_from(ChatSession)).scalar_one()
        assert db.execute(select(func.sum(col(RollupSession.sessions)))).scalar_one() == chats
        incremental = snapshot(db)
        rollups.rebuild(session=db)
        assert snapshot(db) == incremental


def _at(engine: Engine, revision: str) -> None:
    with engine.connect() as connection:
        command.upgrade(_config(connection), revision)
        connection.commit()


def test_the_migration_backfills_what_a_recomputation_gives_and_downgrades(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    _at(engine, "0009_tagger")
    with session_scope(engine) as db:
        build(db)  # rows written before the rollups existed
    upgrade_database(engine)
    with session_scope(engine) as db:
        migrated = snapshot(db)
        assert len(migrated["rolluphour"]) == 4 and len(migrated["rollupsession"]) == 4
        rollups.rebuild(session=db)
        assert snapshot(db) == migrated
    with engine.connect() as connection:
        command.downgrade(_config(connection), "0009_tagger")
        connection.commit()
    assert not set(ROLLUP_TABLES) & set(inspect(engine).get_table_names())
    with session_scope(engine) as db:  # every row kept, and writing works without the triggers
        assert db.execute(select(func.count()).select_from(Turn)).scalar_one() == 5
        db.execute(text("DELETE FROM feedback"))
    engine.dispose()
