"""Uploads and re-indexing run as background jobs, one at a time per knowledge base, so the page
shows live progress and the rest of the studio stays usable (another page, another assistant)
while a large upload is embedded. A job can be stopped; the studio stops its jobs when it exits.
"""

from __future__ import annotations

import atexit
import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.engine import URL, Engine, make_url
from sqlmodel import Session, col

from studio.access import audit
from studio.access.roles import Permission, require
from studio.core.db import session_scope
from studio.core.errors import Conflict, IndexingStopped, KnowledgeError, StudioError
from studio.core.models import Document
from studio.core.redaction import redact
from studio.knowledge import claims
from studio.knowledge.ingest import add_files, reindex_all
from studio.knowledge.retry import documents_to_retry, retry_documents
from studio.knowledge.store import KnowledgeStore
from studio.knowledge.types import (
    FileOutcome,
    UploadedFile,
    check_chunking,
    load_knowledge_base,
)

log = logging.getLogger(__name__)

JobKind = Literal["upload", "reindex", "retry"]


@dataclass(frozen=True)
class IndexingJob:
    """A snapshot of one job: what it does, how far it is, and how it ended."""

    id: str
    knowledge_base_id: int
    kind: JobKind
    total: int
    done: int = 0
    message: str = "Starting…"
    finished: bool = False
    stop_requested: bool = False
    outcomes: tuple[FileOutcome, ...] = ()
    error: str | None = None  # why it ended early (stopped, or the store/model failed)

    @property
    def fraction(self) -> float:
        """Progress between 0 and 1."""
        return min(1.0, self.done / self.total) if self.total else 0.0


@dataclass
class _Entry:
    job: IndexingJob
    thread: threading.Thread | None = None
    stop: threading.Event = field(default_factory=threading.Event)


_lock = threading.Lock()
_entries: dict[tuple[str, int], _Entry] = {}  # (database, knowledge base) -> its latest job
_exiting = threading.Event()


@atexit.register
def _stop_all() -> None:
    # A thread killed inside onnxruntime at interpreter exit aborts the process: ask every job to
    # stop at its next safe point (a file or wave boundary) and wait for it.
    _exiting.set()
    with _lock:
        threads = [e.thread for e in _entries.values() if e.thread is not None]
    for thread in threads:
        thread.join(timeout=30)


def _key(engine_or_url: Engine | str | URL, knowledge_base_id: int) -> tuple[str, int]:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else engine_or_url
    return make_url(url).render_as_string(hide_password=False), knowledge_base_id


def latest_job(engine: Engine, knowledge_base_id: int) -> IndexingJob | None:
    """The running or most recent job of a knowledge base (None if none since start-up)."""
    with _lock:
        entry = _entries.get(_key(engine, knowledge_base_id))
        return entry.job if entry else None


def running_job(engine: Engine, knowledge_base_id: int) -> IndexingJob | None:
    """The job indexing this knowledge base right now, if any."""
    job = latest_job(engine, knowledge_base_id)
    return job if job is not None and not job.finished else None


def request_stop(engine: Engine, knowledge_base_id: int) -> None:
    """Ask the running job of a knowledge base to stop at its next safe point."""
    require(Permission.EDIT_KNOWLEDGE)
    with _lock:
        entry = _entries.get(_key(engine, knowledge_base_id))
        if entry is None or entry.job.finished:
            return
        entry.stop.set()
        entry.job = replace(entry.job, stop_requested=True, message="Stopping…")


def start_upload(
    *,
    engine: Engine,
    store: KnowledgeStore,
    knowledge_base_id: int,
    files: Sequence[UploadedFile],
    csv_column: str | None = None,
) -> IndexingJob:
    """Index `files` in the background. Raises NotFound if the knowledge base is gone, Conflict
    if it is already being indexed."""
    require(Permission.EDIT_KNOWLEDGE)

    def work(session: Session, progress: _Progress, stop: Callable[[], bool]) -> list[FileOutcome]:
        return add_files(
            session=session,
            store=store,
            knowledge_base_id=knowledge_base_id,
            files=files,
            csv_column=csv_column,
            on_progress=progress,
            should_stop=stop,
        )

    job = _start(engine, knowledge_base_id, "upload", len(files), work)
    audit.record_now(
        engine=engine,
        action="knowledge.upload",
        target_type="knowledge_base",
        target_id=knowledge_base_id,
        changes=audit.changed(files=(None, [f.name for f in files])),
    )
    return job


def start_reindex(
    *,
    engine: Engine,
    store: KnowledgeStore,
    knowledge_base_id: int,
    embedding: str | None = None,
    chunk_size: int | None = None,
    chunk_overlap: int | None = None,
) -> IndexingJob:
    """Re-index every document in the background (the current index answers until the new one
    is ready). Raises NotFound if the knowledge base is gone, Conflict if it is already being
    indexed, KnowledgeError if the embedding cannot run here or the chunking is out of range
    (checked before the job starts)."""
    require(Permission.EDIT_KNOWLEDGE)
    with session_scope(engine) as session:
        kb = load_knowledge_base(session, knowledge_base_id)
        current = (kb.embedding, kb.chunk_size, kb.chunk_overlap)
        total = session.execute(
            select(func.count()).where(col(Document.knowledge_base_id) == knowledge_base_id)
        ).scalar_one()
    check_chunking(chunk_size or current[1], current[2] if chunk_overlap is None else chunk_overlap)
    store.check_embedding(embedding or current[0])

    def work(session: Session, progress: _Progress, stop: Callable[[], bool]) -> list[FileOutcome]:
        return reindex_all(
            session=session,
            store=store,
            knowledge_base_id=knowledge_base_id,
            embedding=embedding,
            chunk_size=chunk_size,
            chunk_overlap=chunk_overlap,
            on_progress=progress,
            should_stop=stop,
        )

    job = _start(engine, knowledge_base_id, "reindex", total, work)
    audit.record_now(
        engine=engine,
        action="knowledge.reindex",
        target_type="knowledge_base",
        target_id=knowledge_base_id,
        changes=audit.changed(
            embedding=(current[0], embedding or current[0]),
            chunk_size=(current[1], chunk_size or current[1]),
            chunk_overlap=(current[2], current[2] if chunk_overlap is None else chunk_overlap),
        ),
    )
    return job


def start_retry(
    *,
    engine: Engine,
    store: KnowledgeStore,
    knowledge_base_id: int,
    document_ids: Sequence[int] | None = None,
) -> IndexingJob:
    """Index documents again from their kept originals in the background (default: every
    document that is not ready). Raises NotFound if the knowledge base is gone, Conflict if it is
    already being indexed, KnowledgeError if there is nothing to retry."""
    require(Permission.EDIT_KNOWLEDGE)
    with session_scope(engine) as session:
        load_knowledge_base(session, knowledge_base_id)
        ids = list(
            documents_to_retry(session, knowledge_base_id) if document_ids is None else document_ids
        )
    if not ids:
        raise KnowledgeError("Every document is ready: there is nothing to retry.")

    def work(session: Session, progress: _Progress, stop: Callable[[], bool]) -> list[FileOutcome]:
        return retry_documents(
            session=session,
            store=store,
            knowledge_base_id=knowledge_base_id,
            document_ids=ids,
            on_progress=progress,
            should_stop=stop,
        )

    job = _start(engine, knowledge_base_id, "retry", len(ids), work)
    audit.record_now(
        engine=engine,
        action="knowledge.retry",
        target_type="knowledge_base",
        target_id=knowledge_base_id,
        changes=audit.changed(documents=(None, ids)),
    )
    return job


_Progress = Callable[[int, int, str], None]
_STOPPED = {
    "upload": "Indexing was stopped; the files listed as skipped were not added.",
    "reindex": "Re-indexing was stopped; the previous index is unchanged and still answers.",
    "retry": "Retrying was stopped; the documents listed as skipped are as they were.",
}
_Work = Callable[[Session, _Progress, Callable[[], bool]], list[FileOutcome]]


def _start(
    engine: Engine, knowledge_base_id: int, kind: JobKind, total: int, work: _Work
) -> IndexingJob:
    with session_scope(engine) as session:
        load_knowledge_base(session, knowledge_base_id)  # NotFound before anything starts
    claims.claim(engine=engine, knowledge_base_id=knowledge_base_id, kind=kind)  # or Conflict
    key = _key(engine, knowledge_base_id)
    with _lock:
        current = _entries.get(key)
        if current is not None and not current.job.finished:
            raise Conflict(
                "This knowledge base is still being indexed; wait for that to finish or stop it."
            )
        job = IndexingJob(
            id=uuid.uuid4().hex, knowledge_base_id=knowledge_base_id, kind=kind, total=total
        )
        entry = _Entry(job=job)
        _entries[key] = entry

    def update(**changes: Any) -> None:
        with _lock:
            entry.job = replace(entry.job, **changes)

    def progress(done: int, total: int, message: str) -> None:
        if not entry.stop.is_set():
            update(done=done, total=total, message=message)

    def should_stop() -> bool:
        return entry.stop.is_set() or _exiting.is_set()

    def run() -> None:
        try:
            with session_scope(engine) as session:
                outcomes = work(session, progress, should_stop)
        except IndexingStopped as stopped:
            update(finished=True, error=str(stopped), message="Stopped")
        except StudioError as error:
            update(finished=True, error=str(error), message="Stopped")
        except Exception as exc:  # a background failure must not pass silently: the page shows it
            log.exception("Indexing job %s failed", job.id)
            update(
                finished=True,
                error=f"Indexing stopped unexpectedly ({type(exc).__name__}: {redact(str(exc))}). "
                "Documents "
                "it had started are marked; use Retry indexing on them.",
                message="Failed",
            )
        else:
            halted = any(o.outcome == "skipped" for o in outcomes)
            update(
                finished=True,
                outcomes=tuple(outcomes),
                done=entry.job.total,
                message="Stopped" if halted else "Done",
                error=_STOPPED[kind] if halted else None,
            )

    run = claims.holding(run, engine=engine, knowledge_base_id=knowledge_base_id)
    thread = threading.Thread(target=run, name=f"index-{kind}-{knowledge_base_id}", daemon=True)
    entry.thread = thread
    thread.start()
    return job
