"""Stopping the studio while it indexes: nothing is marked failed, the next start finishes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from studio.core.models import Assistant, Document, DocumentStatus, StudioMarker
from studio.design import seeding
from studio.knowledge import admin
from studio.knowledge.admin import index_demo_knowledge, sample_files
from studio.knowledge.store import KnowledgeStore

ROOT = Path(__file__).resolve().parents[2]

# Python runs atexit handlers after it has shut concurrent.futures down: what an indexing thread
# still embedding at that moment meets.
EMBED_WHILE_EXITING = textwrap.dedent(
    """
    import atexit
    from studio.core.config import get_settings
    from studio.knowledge.embeddings import get_embedder

    embedder = get_embedder("minilm-q8", settings=get_settings())
    embedder.embed(["warm up"])

    @atexit.register
    def embed_while_exiting():
        rows = embedder.embed(["refunds take five days", "shipping is free", "call us"])
        print("embedded", len(rows), flush=True)
    """
)


def test_embedding_still_works_while_the_studio_exits() -> None:
    run = subprocess.run(
        [sys.executable, "-c", EMBED_WHILE_EXITING],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "embedded 3" in run.stdout, run.stderr
    assert run.returncode == 0, run.stderr


class _StopAfter:
    """Stands in for the exit flag: "set" once it has been asked `calls` times."""

    def __init__(self, calls: int) -> None:
        self.calls = calls

    def is_set(self) -> bool:
        self.calls -= 1
        return self.calls < 0


def _statuses(session: Session) -> list[DocumentStatus]:
    return [d.status for d in session.execute(select(Document)).scalars()]


def test_demo_indexing_stopped_midway_keeps_its_work_and_finishes_next_start(
    session: Session, store: KnowledgeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeding.seed_demo_assistants(session=session)
    demos = session.execute(select(Assistant).where(col(Assistant.is_demo).is_(True))).scalars()
    expected = sum(len(sample_files(a.template or "")) for a in demos)

    # Stops after the first knowledge base and two files of the second (one check before each
    # knowledge base, one before each file and one while each file is read).
    first = sample_files(admin._demos_to_index(session)[0].template or "")
    monkeypatch.setattr(admin, "_stopping", _StopAfter(1 + 2 * len(first) + 1 + 2 * 2))
    index_demo_knowledge(session=session, store=store)
    stopped = _statuses(session)
    assert DocumentStatus.FAILED not in stopped
    assert len(stopped) == len(first) + 2 < expected
    done = session.execute(select(StudioMarker)).scalars().all()
    assert len([m for m in done if m.key.startswith("demo_knowledge:")]) == 1

    monkeypatch.setattr(admin, "_stopping", _StopAfter(1000))
    index_demo_knowledge(session=session, store=store)
    assert _statuses(session) == [DocumentStatus.READY] * expected  # each file once
