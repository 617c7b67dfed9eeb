"""Background indexing jobs: progress, one job per knowledge base, stop, and failures reported."""

from __future__ import annotations

import time

import pytest
from sqlalchemy.engine import Engine

from studio.core.db import session_scope
from studio.core.errors import Conflict, KnowledgeError, NotFound
from studio.core.models import DocumentStatus
from studio.knowledge import jobs
from studio.knowledge.bases import (
    KnowledgeStore,
    UploadedFile,
    create_knowledge_base,
    get_knowledge_base,
    list_documents,
)
from studio.knowledge.ingest import uploads_dir
from studio.knowledge.jobs import IndexingJob
from studio.knowledge.types import load_knowledge_base
from tests.fake_openai_server import FakeOpenAI
from tests.knowledge.conftest import make_assistant
from tests.knowledge.files import MARKDOWN


def article(i: int) -> UploadedFile:
    body = "\n\n".join(
        f"## Topic {i}.{s}\n\nParcels for order {i} leave the warehouse on day {s}. " * 3
        for s in range(6)
    )
    return UploadedFile(f"article-{i:03d}.md", f"# Article {i}\n\n{body}".encode())


def new_kb(engine: Engine, store: KnowledgeStore, name: str = "Helper") -> int:
    with session_scope(engine) as session:
        return create_knowledge_base(
            session=session, store=store, assistant_id=make_assistant(session, name)
        ).id


def finished(engine: Engine, kb_id: int) -> IndexingJob:
    deadline = time.monotonic() + 120
    while True:
        job = jobs.latest_job(engine, kb_id)
        assert job is not None
        if job.finished:
            return job
        assert time.monotonic() < deadline, f"job still running: {job}"
        time.sleep(0.05)


def test_an_upload_runs_in_the_background_and_reports_each_file(
    engine: Engine, embedded_store: KnowledgeStore
) -> None:
    kb_id = new_kb(engine, embedded_store)
    files = [UploadedFile("returns.md", MARKDOWN), UploadedFile("empty.txt", b"")]
    started = jobs.start_upload(
        engine=engine, store=embedded_store, knowledge_base_id=kb_id, files=files
    )
    assert (started.kind, started.total, started.finished) == ("upload", 2, False)
    job = finished(engine, kb_id)
    assert job.id == started.id and job.error is None and job.fraction == 1.0
    assert [o.outcome for o in job.outcomes] == ["added", "failed"]
    assert jobs.running_job(engine, kb_id) is None
    with session_scope(engine) as session:
        (doc,) = list_documents(session=session, knowledge_base_id=kb_id)
        assert doc.status == DocumentStatus.READY and doc.chunk_count > 0


def test_one_job_at_a_time_per_knowledge_base(
    engine: Engine, embedded_store: KnowledgeStore
) -> None:
    kb_id, other_kb = new_kb(engine, embedded_store), new_kb(engine, embedded_store, "Other")
    files = [article(i) for i in range(60)]
    jobs.start_upload(engine=engine, store=embedded_store, knowledge_base_id=kb_id, files=files)
    with pytest.raises(Conflict, match="still being indexed"):
        jobs.start_upload(
            engine=engine, store=embedded_store, knowledge_base_id=kb_id, files=files[:1]
        )
    with pytest.raises(Conflict):
        jobs.start_reindex(engine=engine, store=embedded_store, knowledge_base_id=kb_id)
    # Another knowledge base is not held up.
    jobs.start_upload(
        engine=engine, store=embedded_store, knowledge_base_id=other_kb, files=files[:1]
    )
    assert finished(engine, other_kb).error is None
    assert finished(engine, kb_id).error is None


def test_stopping_an_upload_keeps_what_was_indexed_and_skips_the_rest(
    engine: Engine, embedded_store: KnowledgeStore
) -> None:
    kb_id = new_kb(engine, embedded_store)
    files = [article(i) for i in range(150)]
    jobs.start_upload(engine=engine, store=embedded_store, knowledge_base_id=kb_id, files=files)
    jobs.request_stop(engine, kb_id)
    job = finished(engine, kb_id)
    assert job.stop_requested and job.error and "stopped" in job.error
    skipped = [o.name for o in job.outcomes if o.outcome == "skipped"]
    added = [o.name for o in job.outcomes if o.outcome == "added"]
    assert skipped and len(skipped) + len(added) == len(files)
    with session_scope(engine) as session:
        docs = list_documents(session=session, knowledge_base_id=kb_id)
        info = get_knowledge_base(session=session, assistant_id=_assistant_of(engine, kb_id))
    assert sorted(d.name for d in docs) == sorted(added)  # nothing half-indexed
    assert all(d.status == DocumentStatus.READY for d in docs)
    assert info is not None and info.chunk_count == sum(d.chunk_count for d in docs)


def test_stopping_a_reindex_keeps_the_previous_index(
    engine: Engine, embedded_store: KnowledgeStore
) -> None:
    kb_id = new_kb(engine, embedded_store)
    jobs.start_upload(
        engine=engine,
        store=embedded_store,
        knowledge_base_id=kb_id,
        files=[article(i) for i in range(40)],
    )
    finished(engine, kb_id)
    jobs.start_reindex(engine=engine, store=embedded_store, knowledge_base_id=kb_id, chunk_size=300)
    jobs.request_stop(engine, kb_id)
    job = finished(engine, kb_id)
    assert job.error and "previous index is unchanged" in job.error
    with session_scope(engine) as session:
        info = get_knowledge_base(session=session, assistant_id=_assistant_of(engine, kb_id))
    assert info is not None and info.chunk_size != 300 and info.document_count == 40


def test_a_reindex_that_cannot_run_is_refused_before_it_starts(
    engine: Engine, embedded_store: KnowledgeStore
) -> None:
    kb_id = new_kb(engine, embedded_store)
    with pytest.raises(KnowledgeError, match="No embedding endpoint"):
        jobs.start_reindex(
            engine=engine, store=embedded_store, knowledge_base_id=kb_id, embedding="openai"
        )
    with pytest.raises(KnowledgeError, match="Chunk size"):
        jobs.start_reindex(
            engine=engine, store=embedded_store, knowledge_base_id=kb_id, chunk_size=50
        )
    with pytest.raises(NotFound):
        jobs.start_upload(
            engine=engine, store=embedded_store, knowledge_base_id=kb_id + 99, files=[]
        )
    assert jobs.latest_job(engine, kb_id) is None


def test_retry_indexes_what_failed_once_the_endpoint_is_back(
    engine: Engine, embedded_store: KnowledgeStore
) -> None:
    settings = embedded_store.settings
    settings.llm_max_retries = 0
    with FakeOpenAI() as server:
        settings.llm_base_url = server.base_url
        with session_scope(engine) as session:
            kb_id = create_knowledge_base(
                session=session,
                store=embedded_store,
                assistant_id=make_assistant(session),
                embedding="openai",
            ).id
    # The endpoint went away: the upload records every file as failed, with the reason.
    files = [article(i) for i in range(3)]
    jobs.start_upload(engine=engine, store=embedded_store, knowledge_base_id=kb_id, files=files)
    failed = finished(engine, kb_id)
    assert [o.outcome for o in failed.outcomes] == ["failed"] * 3
    assert "embedding endpoint failed" in failed.outcomes[0].message
    # One original is lost meanwhile; the other two come back once the endpoint does.
    with session_scope(engine) as db:
        key = load_knowledge_base(db, kb_id).folder
    next(uploads_dir(settings, key).glob("*.bin")).unlink()
    with FakeOpenAI() as server:
        settings.llm_base_url = server.base_url
        started = jobs.start_retry(engine=engine, store=embedded_store, knowledge_base_id=kb_id)
        assert (started.kind, started.total) == ("retry", 3)
        job = finished(engine, kb_id)
    assert sorted(o.outcome for o in job.outcomes) == ["failed", "retried", "retried"]
    assert any("upload the file again" in o.message for o in job.outcomes)
    with session_scope(engine) as session:
        docs = list_documents(session=session, knowledge_base_id=kb_id)
    assert sorted(d.status for d in docs) == sorted(
        [DocumentStatus.FAILED, DocumentStatus.READY, DocumentStatus.READY]
    )
    assert all(d.chunk_count > 0 for d in docs if d.status == DocumentStatus.READY)
    # Only the document without its original is left, and retrying it again says why.
    jobs.start_retry(engine=engine, store=embedded_store, knowledge_base_id=kb_id)
    assert [o.outcome for o in finished(engine, kb_id).outcomes] == ["failed"]


def test_retry_with_everything_ready_is_refused(
    engine: Engine, embedded_store: KnowledgeStore
) -> None:
    kb_id = new_kb(engine, embedded_store)
    jobs.start_upload(
        engine=engine, store=embedded_store, knowledge_base_id=kb_id, files=[article(1)]
    )
    finished(engine, kb_id)
    with pytest.raises(KnowledgeError, match="nothing to retry"):
        jobs.start_retry(engine=engine, store=embedded_store, knowledge_base_id=kb_id)


def _assistant_of(engine: Engine, kb_id: int) -> int:
    from studio.core.models import KnowledgeBase

    with session_scope(engine) as session:
        row = session.get(KnowledgeBase, kb_id)
        assert row is not None
        return row.assistant_id
