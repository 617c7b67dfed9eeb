"""Two real studio processes on one PostgreSQL and one Chroma server share indexing work: an
upload runs exactly once even when both start it together, and work left by a process that
died is taken over and finished by another."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from studio.core.config import get_settings
from studio.core.db import make_engine, session_scope
from studio.core.models import DocumentStatus, IndexingClaim
from studio.core.schema import upgrade_database
from studio.knowledge.bases import create_knowledge_base, list_documents
from studio.knowledge.store import open_store
from tests.knowledge.conftest import make_assistant
from tests.postgres import PostgresCluster

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def shared(
    postgres: PostgresCluster,
    chroma_server: tuple[str, int],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Iterator[tuple[Engine, int, dict[str, str]]]:
    """One PostgreSQL database, one Chroma server, one shared data folder, a knowledge base."""
    url = postgres.create_database()
    host, port = chroma_server
    env = {
        "STUDIO_DATABASE_URL": url,
        "STUDIO_CHROMA_HOST": host,
        "STUDIO_CHROMA_PORT": str(port),
        "STUDIO_DATA_DIR": str(tmp_path / "data"),
        "STUDIO_SEED_DEMO": "false",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    engine = make_engine(url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        kb_id = create_knowledge_base(
            session=session, store=open_store(get_settings()), assistant_id=make_assistant(session)
        ).id
    yield engine, kb_id, {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    engine.dispose()
    postgres.drop_database(url)


def _worker(env: dict[str, str], *args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.knowledge.claims_worker", *map(str, args)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def _chunk_ids(kb_collection: str) -> list[str]:
    collection = open_store(get_settings()).collection(kb_collection)
    return list(collection.get(include=[])["ids"])


def _collection(engine: Engine, kb_id: int) -> str:
    from studio.core.models import KnowledgeBase

    with session_scope(engine) as session:
        kb = session.get(KnowledgeBase, kb_id)
        assert kb is not None
        return kb.collection


def test_an_upload_started_in_two_processes_at_once_runs_exactly_once(
    shared: tuple[Engine, int, dict[str, str]],
) -> None:
    engine, kb_id, env = shared
    start_at = time.time() + 8  # both import the studio first, then start in the same instant
    workers = [_worker(env, "upload", kb_id, 6, start_at) for _ in range(2)]
    results = [json.loads(w.communicate(timeout=240)[0].strip().splitlines()[-1]) for w in workers]
    assert sorted(r["started"] for r in results) == [False, True]
    refused = next(r for r in results if not r["started"])
    assert "another studio process" in refused["error"]
    # Visible here (a third process) with every document ready, each indexed once.
    with session_scope(engine) as session:
        docs = list_documents(session=session, knowledge_base_id=kb_id)
        assert session.execute(select(IndexingClaim)).first() is None  # released
    assert [d.status for d in docs] == [DocumentStatus.READY] * 6
    ids = _chunk_ids(_collection(engine, kb_id))
    assert len(ids) == len(set(ids)) == sum(d.chunk_count for d in docs)


def test_work_of_a_process_that_died_is_taken_over_and_finished(
    shared: tuple[Engine, int, dict[str, str]],
) -> None:
    engine, kb_id, env = shared
    dying = _worker(env, "slow-upload", kb_id, 12)
    assert dying.stdout is not None and json.loads(dying.stdout.readline())["started"]
    deadline = time.monotonic() + 120
    while True:  # let it record some documents, then kill it without any chance to clean up
        with session_scope(engine) as session:
            if len(list_documents(session=session, knowledge_base_id=kb_id)) >= 2:
                break
        assert time.monotonic() < deadline
        time.sleep(0.2)
    dying.send_signal(signal.SIGKILL)
    dying.wait(timeout=30)
    with session_scope(engine) as session:
        left = list_documents(session=session, knowledge_base_id=kb_id)
        assert session.execute(select(IndexingClaim)).first() is not None  # its claim stayed
    # While the claim is fresh another process leaves it alone; once stale it takes it over.
    fresh = _worker(env, "reconcile", 300)
    assert json.loads(fresh.communicate(timeout=120)[0])["reindexed"] == 0
    time.sleep(1.5)
    heir = _worker(env, "reconcile", 1)
    assert json.loads(heir.communicate(timeout=240)[0])["reindexed"] >= 0
    with session_scope(engine) as session:
        docs = list_documents(session=session, knowledge_base_id=kb_id)
        assert session.execute(select(IndexingClaim)).first() is None
    assert {d.name for d in docs} == {d.name for d in left}
    assert all(d.status in (DocumentStatus.READY, DocumentStatus.FAILED) for d in docs)
    assert any(d.status == DocumentStatus.READY for d in docs)
    ids = _chunk_ids(_collection(engine, kb_id))
    ready = [d for d in docs if d.status == DocumentStatus.READY]
    assert len(ids) == len(set(ids)) == sum(d.chunk_count for d in ready)
