"""Knowledge bases: parse → chunk → embed → Chroma; retrieve with scores and citations.

SQL holds the knowledge bases and documents (status, hash, chunk count); Chroma holds the chunks,
one collection per knowledge base, ids ``"{document_id}:{chunk_no}"``. The original files are kept
under ``data_dir/uploads`` so a failed or interrupted document can be retried and a knowledge base
re-indexed after a chunking or embedding change. Ingest lives in `studio.knowledge.ingest`,
retries in `studio.knowledge.retry` (both re-exported here), reconciliation and demo data in
`studio.knowledge.admin`.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlmodel import Session, col

from studio.access import audit
from studio.access.roles import Permission, require
from studio.core.errors import Conflict
from studio.core.models import Document, KnowledgeBase
from studio.core.names import normalize_name
from studio.knowledge.embeddings import DEFAULT_EMBEDDING, OPTIONS
from studio.knowledge.ingest import add_files, delete_document, preview_chunks, reindex_all
from studio.knowledge.retry import retry_document, retry_documents
from studio.knowledge.store import KnowledgeStore, open_store, search
from studio.knowledge.types import (
    DocumentInfo,
    FileOutcome,
    KnowledgeBaseInfo,
    Passage,
    RetrievalOptions,
    UploadedFile,
    check_chunking,
)

__all__ = [
    "DocumentInfo",
    "FileOutcome",
    "KnowledgeBaseInfo",
    "KnowledgeStore",
    "Passage",
    "UploadedFile",
    "add_files",
    "create_knowledge_base",
    "delete_document",
    "get_knowledge_base",
    "list_documents",
    "open_store",
    "preview_chunks",
    "reindex_all",
    "retrieve",
    "retry_document",
    "retry_documents",
]


# --------------------------------------------------------------------------- knowledge bases


def _info(session: Session, row: KnowledgeBase) -> KnowledgeBaseInfo:
    docs, chunks = session.execute(
        select(
            func.count(col(Document.id)), func.coalesce(func.sum(Document.chunk_count), 0)
        ).where(col(Document.knowledge_base_id) == row.id)
    ).one()
    option = OPTIONS.get(row.embedding)
    assert row.id is not None
    return KnowledgeBaseInfo(
        id=row.id,
        assistant_id=row.assistant_id,
        name=row.name,
        embedding=row.embedding,
        embedding_label=option.label if option else row.embedding,
        embedding_short=option.short if option else row.embedding,
        chunk_size=row.chunk_size,
        chunk_overlap=row.chunk_overlap,
        document_count=int(docs),
        chunk_count=int(chunks),
        updated_at=row.updated_at,
    )


def get_knowledge_base(*, session: Session, assistant_id: int) -> KnowledgeBaseInfo | None:
    """The knowledge base of an assistant, or None when it has none."""
    row = (
        session.execute(
            select(KnowledgeBase)
            .where(col(KnowledgeBase.assistant_id) == assistant_id)
            .order_by(col(KnowledgeBase.id))
        )
        .scalars()
        .first()
    )
    return _info(session, row) if row else None


def create_knowledge_base(
    *,
    session: Session,
    store: KnowledgeStore,
    assistant_id: int,
    name: str = "Help center",
    embedding: str = DEFAULT_EMBEDDING,
    chunk_size: int = 800,
    chunk_overlap: int = 120,
) -> KnowledgeBaseInfo:
    """Create an assistant's knowledge base. Raises Conflict if it has one, KnowledgeError if the
    embedding is unavailable or the chunking settings are out of range."""
    require(Permission.EDIT_KNOWLEDGE)
    if get_knowledge_base(session=session, assistant_id=assistant_id) is not None:
        raise Conflict("This assistant already has a knowledge base.")
    check_chunking(chunk_size, chunk_overlap)
    store.check_embedding(
        embedding
    )  # fail now, with the embedding's own message, not at first upload
    row = KnowledgeBase(
        assistant_id=assistant_id,
        name=normalize_name(name)[:120] or "Help center",
        collection=f"kb_{uuid.uuid4().hex[:16]}",
        embedding=embedding,
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
    )
    session.add(row)
    session.flush()
    audit.record(
        session=session,
        action="knowledge.create",
        target_type="knowledge_base",
        target_id=row.id,
        target_label=row.name,
        changes=audit.changed(
            assistant_id=(None, assistant_id),
            embedding=(None, embedding),
            chunk_size=(None, chunk_size),
            chunk_overlap=(None, chunk_overlap),
        ),
    )
    store.collection(row.collection)
    session.commit()
    return _info(session, row)


def list_documents(*, session: Session, knowledge_base_id: int) -> list[DocumentInfo]:
    """The documents of a knowledge base, by name."""
    rows = session.execute(
        select(Document)
        .where(col(Document.knowledge_base_id) == knowledge_base_id)
        .order_by(col(Document.name))
    ).scalars()
    return [DocumentInfo.model_validate(r, from_attributes=True) for r in rows]


# --------------------------------------------------------------------------- retrieval


def retrieve(
    *,
    session: Session,
    store: KnowledgeStore,
    assistant_id: int,
    query: str,
    settings: RetrievalOptions,
) -> list[Passage]:
    """The top-k passages for `query` from the assistant's knowledge base, each marked with whether
    it passes the score threshold; [] when retrieval is off or there is no knowledge base.
    Raises KnowledgeError if the store cannot be searched."""
    if not settings.enabled or not query.strip():
        return []
    kb = (
        session.execute(
            select(KnowledgeBase)
            .where(col(KnowledgeBase.assistant_id) == assistant_id)
            .order_by(col(KnowledgeBase.id))
        )
        .scalars()
        .first()
    )
    if kb is None:
        return []
    hits = search(
        store=store,
        collection=kb.collection,
        embedding=kb.embedding,
        version=kb.updated_at.isoformat(),
        query=query,
        top_k=settings.top_k,
        keyword_weight=settings.keyword_weight if settings.hybrid else 0.0,
    )
    return [
        Passage(
            chunk_id=h.chunk_id,
            document_id=h.document_id,
            document_name=h.document_name,
            heading=h.heading,
            page=h.page or None,
            text=h.text,
            score=h.score,
            passed_threshold=h.score >= settings.score_threshold,
            rank=rank,
        )
        for rank, h in enumerate(hits, 1)
    ]
