"""Indexing documents again from the originals the studio keeps: after a failure (the embedding
endpoint was down, the vector store was unreachable) or an interrupted run."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import Session, col

from studio.access.roles import Permission, require
from studio.core.errors import IndexingStopped, KnowledgeError, NotFound
from studio.core.models import Document, DocumentStatus
from studio.knowledge.chunking import chunk_document
from studio.knowledge.ingest import upload_path
from studio.knowledge.parsing import ParseBudget, parse_document
from studio.knowledge.store import KnowledgeStore
from studio.knowledge.types import DocumentInfo, FileOutcome, load_knowledge_base
from studio.knowledge.waves import Progress, StopCheck, Waves, drop_chunks


def documents_to_retry(session: Session, knowledge_base_id: int) -> list[int]:
    """Ids of the documents of a knowledge base that are not ready (failed or interrupted)."""
    return list(
        session.execute(
            select(col(Document.id))
            .where(
                col(Document.knowledge_base_id) == knowledge_base_id,
                col(Document.status) != DocumentStatus.READY,
            )
            .order_by(col(Document.name))
        ).scalars()
    )


def retry_documents(
    *,
    session: Session,
    store: KnowledgeStore,
    knowledge_base_id: int,
    document_ids: Sequence[int] | None = None,
    on_progress: Progress | None = None,
    should_stop: StopCheck | None = None,
) -> list[FileOutcome]:
    """Index the given documents again from their kept originals (default: every document that
    is not ready), in waves like an upload. A document whose original is gone or no longer parses
    is marked failed with the reason; when `should_stop` says so the rest are "skipped" and stay as
    they were. Raises NotFound if the knowledge base is gone."""
    kb = load_knowledge_base(session, knowledge_base_id)
    ids = documents_to_retry(session, knowledge_base_id) if document_ids is None else document_ids
    docs = [
        doc
        for doc in (session.get(Document, i) for i in ids)
        if doc is not None and doc.knowledge_base_id == knowledge_base_id
    ]
    run = Waves(session, store, kb, len(docs), on_progress)
    for number, doc in enumerate(docs):
        if should_stop is not None and should_stop():
            names = [d.name for d in docs]
            run.skip_from(number, names, '"{name}" was not retried: indexing was stopped first.')
            break
        run.progress(number, f"Reading {doc.name}…")
        path = upload_path(store.settings, kb, doc)
        try:
            if not path.is_file():
                raise KnowledgeError(
                    f'The original of "{doc.name}" is gone; upload the file again.'
                )
            parse_budget = ParseBudget(doc.name, should_stop=should_stop)
            parsed = parse_document(
                doc.name, path.read_bytes(), csv_column=doc.csv_column, budget=parse_budget
            )
            budget = store.embedder(kb.embedding).token_budget()
            chunks = chunk_document(
                parsed, size=kb.chunk_size, overlap=kb.chunk_overlap, budget=budget
            )
        except IndexingStopped:  # Stop while this document was being read: it and the rest skip
            names = [d.name for d in docs]
            run.skip_from(number, names, '"{name}" was not retried: indexing was stopped first.')
            break
        except KnowledgeError as error:
            doc.status, doc.error, doc.chunk_count = DocumentStatus.FAILED, str(error), 0
            session.commit()
            drop_chunks(store, kb, [doc.id])
            run.outcomes[number] = FileOutcome(
                name=doc.name, outcome="failed", message=str(error), document_id=doc.id
            )
            continue
        doc.status, doc.error = DocumentStatus.INDEXING, None
        run.add(number, doc, chunks, True)  # True: drop chunks left from an older version
    return [_as_retried(outcome) for outcome in run.finish()]


def _as_retried(outcome: FileOutcome) -> FileOutcome:
    if outcome.outcome not in ("added", "replaced"):
        return outcome
    return outcome.model_copy(
        update={
            "outcome": "retried",
            "message": f'"{outcome.name}" indexed: {outcome.chunk_count} chunks.',
        }
    )


def retry_document(*, session: Session, store: KnowledgeStore, document_id: int) -> DocumentInfo:
    """Index one document again from its kept original, here and now.
    Raises NotFound, or KnowledgeError with the reason it failed (also recorded on the row)."""
    require(Permission.EDIT_KNOWLEDGE)
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound("That document no longer exists.")
    (outcome,) = retry_documents(
        session=session,
        store=store,
        knowledge_base_id=doc.knowledge_base_id,
        document_ids=[document_id],
    )
    if outcome.outcome == "failed":
        raise KnowledgeError(outcome.message)
    return DocumentInfo.model_validate(doc, from_attributes=True)
