"""Ingest: files → checked, parsed, chunked → embedded in batches → Chroma; retry, delete, re-index.

Commits as it goes (on purpose): a document is durably "indexing" before its chunks are written,
so a crash leaves it visible and retryable for `reconcile`, never a half-written success.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session, col

from studio.access import audit
from studio.access.roles import Permission, require
from studio.core.config import Settings
from studio.core.errors import IndexingStopped, KnowledgeError, NotFound
from studio.core.models import Document, DocumentStatus, KnowledgeBase, utcnow
from studio.knowledge import waves
from studio.knowledge.chunking import Chunk, TokenBudget, chunk_document
from studio.knowledge.parsing import ParseBudget, clean_filename, file_type_of, parse_document
from studio.knowledge.store import KnowledgeStore
from studio.knowledge.types import (
    FileOutcome,
    UploadedFile,
    check_chunking,
    load_knowledge_base,
)
from studio.knowledge.waves import Progress, StopCheck, Waves

log = logging.getLogger(__name__)


def uploads_root(settings: Settings) -> Path:
    """The folder holding every knowledge base's folder of kept originals."""
    return settings.data_dir / "uploads"


def uploads_dir(settings: Settings, storage_key: str) -> Path:
    """The folder holding a knowledge base's kept original files (named by its storage key,
    never by its id: see `KnowledgeBase.storage_key`)."""
    return uploads_root(settings) / storage_key


def upload_path(settings: Settings, kb: KnowledgeBase, document: Document) -> Path:
    """Where the original of a document is kept (for retry and re-index)."""
    return uploads_dir(settings, kb.folder) / f"{document.id}.bin"


def preview_chunks(
    *,
    name: str,
    data: bytes,
    chunk_size: int,
    chunk_overlap: int,
    csv_column: str | None = None,
    budget: TokenBudget | None = None,
) -> list[Chunk]:
    """How a file would be chunked (token counts from `budget`; metadata-only chunks included and
    marked), without indexing it. Raises KnowledgeError if unreadable."""
    check_chunking(chunk_size, chunk_overlap)
    parsed = parse_document(clean_filename(name), data, csv_column=csv_column)
    return chunk_document(
        parsed, size=chunk_size, overlap=chunk_overlap, budget=budget, keep_metadata=True
    )


def add_files(
    *,
    session: Session,
    store: KnowledgeStore,
    knowledge_base_id: int,
    files: Sequence[UploadedFile],
    csv_column: str | None = None,
    on_progress: Progress | None = None,
    should_stop: StopCheck | None = None,
) -> list[FileOutcome]:
    """Index files, each judged on its own: a bad file gets a message, the others still go in.
    When `should_stop` says so, the files read so far are finished and the rest are "skipped".
    Raises NotFound if the knowledge base is gone."""
    kb = load_knowledge_base(session, knowledge_base_id)
    run = Waves(session, store, kb, len(files), on_progress)
    for number, upload in enumerate(files):
        if should_stop is not None and should_stop():
            names = [f.name for f in files]
            run.skip_from(number, names, '"{name}" was not indexed: indexing was stopped first.')
            break
        run.progress(number, f"Reading {upload.name}…")
        try:
            prepared = _prepare(session, store, kb, upload, csv_column, should_stop)
        except IndexingStopped:  # Stop while this file was being read: it and the rest skip
            session.rollback()
            names = [f.name for f in files]
            run.skip_from(number, names, '"{name}" was not indexed: indexing was stopped first.')
            break
        except KnowledgeError as error:
            run.outcomes[number] = FileOutcome(
                name=upload.name, outcome="failed", message=str(error)
            )
            continue
        except Exception as exc:  # a parser bug on one file must not cost the others theirs
            log.exception("Reading %s failed", upload.name)
            session.rollback()
            run.outcomes[number] = FileOutcome(
                name=upload.name,
                outcome="failed",
                message=f'"{upload.name}" could not be read ({type(exc).__name__}); check the '
                "file, save it again and re-upload it.",
            )
            continue
        if isinstance(prepared, FileOutcome):
            run.outcomes[number] = prepared
            continue
        doc, chunks, replaced = prepared
        if run.holds(doc):  # the same name twice in one upload
            run.flush()
        run.add(number, doc, chunks, replaced)
    return run.finish()


def _prepare(
    session: Session,
    store: KnowledgeStore,
    kb: KnowledgeBase,
    upload: UploadedFile,
    csv_column: str | None,
    should_stop: StopCheck | None = None,
) -> FileOutcome | tuple[Document, list[Chunk], bool]:
    """Check, parse and chunk one file; record it as "indexing" (committed, so that a crash from
    here on leaves a row reconciliation finishes or fails), then keep the original. Returns an
    "unchanged" outcome for an identical re-upload. Raises KnowledgeError."""
    settings = store.settings
    name = clean_filename(upload.name)
    kind = file_type_of(name)
    limit = int(settings.max_upload_mb * 1024 * 1024)
    if len(upload.data) > limit:
        raise KnowledgeError(
            f'"{name}" is {len(upload.data) / 1024 / 1024:.1f} MB; the limit is '
            f"{settings.max_upload_mb:g} MB (STUDIO_MAX_UPLOAD_MB). Split it into smaller files."
        )
    digest = hashlib.sha256(upload.data).hexdigest()
    existing = (
        session.execute(
            select(Document).where(
                col(Document.knowledge_base_id) == kb.id, col(Document.name) == name
            )
        )
        .scalars()
        .first()
    )
    column = csv_column if kind == "csv" else None
    if (
        existing
        and existing.content_hash == digest
        and existing.status == DocumentStatus.READY
        and existing.csv_column == column
    ):
        return FileOutcome(
            name=name,
            outcome="unchanged",
            message=f'"{name}" is already indexed (same content).',
            document_id=existing.id,
            chunk_count=existing.chunk_count,
        )
    # Parse and chunk before touching anything: a bad file leaves no trace.
    parse_budget = ParseBudget(name, should_stop=should_stop)
    parsed = parse_document(name, upload.data, csv_column=column, budget=parse_budget)
    budget = store.embedder(kb.embedding).token_budget()
    chunks = chunk_document(parsed, size=kb.chunk_size, overlap=kb.chunk_overlap, budget=budget)
    doc = existing or Document(
        knowledge_base_id=kb.id or 0, name=name, file_type=kind, content_hash=digest
    )
    doc.file_type, doc.size_bytes, doc.content_hash = kind, len(upload.data), digest
    doc.title, doc.csv_column = parsed.title[:255], column
    doc.status, doc.error, doc.updated_at = DocumentStatus.INDEXING, None, utcnow()
    session.add(doc)
    session.commit()  # the row first: a kept original is never without a row that points to it
    path = upload_path(settings, kb, doc)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(upload.data)
    except OSError as exc:
        doc.status, doc.error = DocumentStatus.FAILED, f"The file could not be kept ({exc})."
        session.commit()
        raise KnowledgeError(
            f'"{name}" could not be stored in {path.parent} ({exc.strerror or exc}). Check the '
            "free disk space and the folder's permissions."
        ) from exc
    return doc, chunks, existing is not None


def delete_document(*, session: Session, store: KnowledgeStore, document_id: int) -> None:
    """Delete a document, its chunks and its stored file. Raises NotFound if already gone."""
    require(Permission.EDIT_KNOWLEDGE)
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound("That document no longer exists.")
    kb = load_knowledge_base(session, doc.knowledge_base_id)
    # Chunks first: if this fails the document is still listed and can be deleted again.
    store.collection(kb.collection).delete(where={"document_id": document_id})
    upload_path(store.settings, kb, doc).unlink(missing_ok=True)
    session.delete(doc)
    audit.record(
        session=session,
        action="knowledge.delete_document",
        target_type="knowledge_base",
        target_id=kb.id,
        target_label=kb.name,
        changes=audit.changed(document=(doc.name, None)),
    )
    kb.updated_at = utcnow()
    session.commit()


def reindex_all(
    *,
    session: Session,
    store: KnowledgeStore,
    knowledge_base_id: int,
    embedding: str | None = None,
    chunk_size: int | None = None,
    chunk_overlap: int | None = None,
    on_progress: Progress | None = None,
    should_stop: StopCheck | None = None,
) -> list[FileOutcome]:
    """Rebuild every document into a fresh collection, then switch to it (the old one serves until
    then). Optionally with a new embedding or chunking. Raises KnowledgeError if the embedding is
    unavailable or the chunking is out of range, IndexingStopped (old index kept) when
    `should_stop` says so."""
    kb = load_knowledge_base(session, knowledge_base_id)
    new_embedding = embedding or kb.embedding
    size, overlap = (
        chunk_size or kb.chunk_size,
        kb.chunk_overlap if chunk_overlap is None else chunk_overlap,
    )
    check_chunking(size, overlap)
    store.check_embedding(new_embedding)
    budget = store.embedder(new_embedding).token_budget()
    staged = KnowledgeBase(
        id=kb.id,
        assistant_id=kb.assistant_id,
        name=kb.name,
        embedding=new_embedding,
        chunk_size=size,
        chunk_overlap=overlap,
        collection=f"kb_{uuid.uuid4().hex[:16]}",
    )
    docs = (
        session.execute(select(Document).where(col(Document.knowledge_base_id) == kb.id))
        .scalars()
        .all()
    )
    outcomes: dict[int, FileOutcome] = {}
    ready: dict[int, int] = {}
    wave: list[tuple[Document, list[Chunk]]] = []

    def flush(done: int) -> None:
        # Documents are embedded and written in waves, as on upload: batching is what makes it fast.
        if on_progress:
            total = sum(len(c) for _, c in wave)
            on_progress(done, len(docs), f"Embedding {total} chunks…")
        try:
            waves.write_chunks(
                store, new_embedding, staged.collection, [(d, c, False) for d, c in wave]
            )
        except KnowledgeError as error:
            for doc, _ in wave:
                outcomes[doc.id or 0] = FileOutcome(
                    name=doc.name, outcome="failed", message=str(error), document_id=doc.id
                )
        else:
            for doc, chunks in wave:
                ready[doc.id or 0] = len(chunks)
                outcomes[doc.id or 0] = FileOutcome(
                    name=doc.name,
                    outcome="replaced",
                    message=f'"{doc.name}": {len(chunks)} chunks.',
                    document_id=doc.id,
                    chunk_count=len(chunks),
                )
        wave.clear()

    try:
        for number, doc in enumerate(docs):
            if should_stop is not None and should_stop():
                raise IndexingStopped(
                    "Re-indexing was stopped; the previous index is unchanged and still answers."
                )
            if on_progress:
                on_progress(number, len(docs), f"Re-indexing {doc.name}…")
            path = upload_path(store.settings, kb, doc)
            try:
                if not path.is_file():
                    raise KnowledgeError(f'The original of "{doc.name}" is gone; upload it again.')
                parse_budget = ParseBudget(doc.name, should_stop=should_stop)
                parsed = parse_document(
                    doc.name, path.read_bytes(), csv_column=doc.csv_column, budget=parse_budget
                )
                chunks = chunk_document(parsed, size=size, overlap=overlap, budget=budget)
            except IndexingStopped:
                raise  # Stop mid-file: the previous index stays (below)
            except KnowledgeError as error:
                outcomes[doc.id or 0] = FileOutcome(
                    name=doc.name, outcome="failed", message=str(error), document_id=doc.id
                )
                continue
            wave.append((doc, chunks))
            if sum(len(c) for _, c in wave) >= waves.WAVE_CHUNKS:
                flush(number + 1)
        if wave:
            flush(len(docs))
    except BaseException:
        store.drop_collection(staged.collection)
        raise
    old = kb.collection
    kb.collection, kb.embedding, kb.chunk_size, kb.chunk_overlap = (
        staged.collection,
        new_embedding,
        size,
        overlap,
    )
    kb.updated_at = utcnow()
    for doc in docs:
        if doc.id in ready:
            doc.status, doc.error, doc.chunk_count = DocumentStatus.READY, None, ready[doc.id]
        else:
            failed = outcomes[doc.id or 0]
            doc.status, doc.error, doc.chunk_count = DocumentStatus.FAILED, failed.message, 0
        doc.updated_at = utcnow()
    session.commit()
    store.drop_collection(old)
    if on_progress:
        on_progress(len(docs), len(docs), "Done")
    return [outcomes[doc.id or 0] for doc in docs]
