"""Writing prepared documents to the index in waves: embed many chunks together, upsert, mark.

Batching is what makes indexing fast; a wave that fails marks its documents failed with the
reason and removes their chunks, so a failed document never answers from an older version.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from sqlmodel import Session

from studio.core.errors import KnowledgeError
from studio.core.models import Document, DocumentStatus, KnowledgeBase, utcnow
from studio.core.redaction import redact
from studio.knowledge.chunking import Chunk, embedding_text
from studio.knowledge.store import KnowledgeStore
from studio.knowledge.types import FileOutcome

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]  # (done, total, what is happening)
StopCheck = Callable[[], bool]  # True when the work should stop at the next safe point
WAVE_CHUNKS = 512  # chunks embedded and written together: large enough to batch, small for progress
UPSERT_BATCH = 4000  # below Chroma's maximum batch size


def write_chunks(
    store: KnowledgeStore,
    embedding: str,
    collection: str,
    batch: list[tuple[Document, list[Chunk], bool]],
) -> None:
    """Embed and upsert the chunks of several documents together (batching is what makes ingest
    fast), then drop chunks left over from longer, older versions of those documents."""
    items = [(doc, chunk) for doc, chunks, _ in batch for chunk in chunks]
    vectors = store.embedder(embedding).embed(
        [embedding_text(d.title, c.heading, c.text) for d, c in items]
    )
    chroma = store.collection(collection)
    for start in range(0, len(items), UPSERT_BATCH):
        part = items[start : start + UPSERT_BATCH]
        chroma.upsert(
            ids=[f"{d.id}:{c.chunk_no}" for d, c in part],
            embeddings=vectors[start : start + UPSERT_BATCH],
            documents=[c.text for _, c in part],
            metadatas=[
                {
                    "document_id": d.id or 0,
                    "document_name": d.name,
                    "title": d.title,
                    "heading": c.heading,
                    "page": c.page or 0,
                    "position": c.position,
                    "chunk_no": c.chunk_no,
                }
                for d, c in part
            ],
        )
    replaced = {d.id: len(chunks) for d, chunks, older in batch if older}
    if replaced:
        found = chroma.get(where={"document_id": {"$in": list(replaced)}}, include=[])["ids"]
        extra = [i for i in found if int(i.split(":")[1]) >= replaced[int(i.split(":")[0])]]
        if extra:
            chroma.delete(ids=extra)


class Waves:
    """Outcomes of a run over `total` items, and the prepared documents waiting to be embedded
    and written together (WAVE_CHUNKS at a time: batching is what makes indexing fast)."""

    def __init__(
        self,
        session: Session,
        store: KnowledgeStore,
        kb: KnowledgeBase,
        total: int,
        on_progress: Progress | None,
    ) -> None:
        self.session, self.store, self.kb, self.total = session, store, kb, total
        self.on_progress = on_progress
        self.outcomes: list[FileOutcome | None] = [None] * total
        self.wave: list[tuple[int, Document, list[Chunk], bool]] = []

    def progress(self, done: int, message: str) -> None:
        if self.on_progress:
            self.on_progress(done, self.total, message)

    def holds(self, doc: Document) -> bool:
        return any(d is doc for _, d, _, _ in self.wave)

    def add(self, number: int, doc: Document, chunks: list[Chunk], replaced: bool) -> None:
        """Queue a prepared document; write the wave once it is big enough."""
        self.wave.append((number, doc, chunks, replaced))
        if sum(len(c) for _, _, c, _ in self.wave) >= WAVE_CHUNKS:
            self.flush()

    def flush(self) -> None:
        if not self.wave:
            return
        total = sum(len(c) for _, _, c, _ in self.wave)
        self.progress(self.wave[-1][0] + 1, f"Embedding {total} chunks…")
        for number, outcome in index_wave(self.session, self.store, self.kb, self.wave):
            self.outcomes[number] = outcome
        self.wave.clear()

    def skip_from(self, number: int, names: Sequence[str], message: str) -> None:
        """Outcome "skipped" for items `number` onwards ({name} in `message` is each name)."""
        for later in range(number, self.total):
            name = names[later]
            self.outcomes[later] = FileOutcome(
                name=name, outcome="skipped", message=message.format(name=name)
            )

    def finish(self) -> list[FileOutcome]:
        self.flush()
        self.progress(self.total, "Done")
        return [o for o in self.outcomes if o is not None]


def index_wave(
    session: Session,
    store: KnowledgeStore,
    kb: KnowledgeBase,
    wave: list[tuple[int, Document, list[Chunk], bool]],
) -> list[tuple[int, FileOutcome]]:
    """Index a wave of prepared documents and mark them ready, or failed with the reason (a
    failed document has no chunks: neither part of the new version nor the older one)."""
    session.commit()  # "indexing" is now durable: a crash from here on is visible and retryable
    try:
        write_chunks(store, kb.embedding, kb.collection, [(d, c, r) for _, d, c, r in wave])
    except Exception as exc:  # embedder/Chroma failures of any kind: record, never leave stuck
        reason = redact(str(exc) if isinstance(exc, KnowledgeError) else f"Indexing failed: {exc}")
        for _, doc, _, _ in wave:
            doc.status, doc.error, doc.chunk_count = DocumentStatus.FAILED, reason, 0
        session.commit()
        drop_chunks(store, kb, [d.id for _, d, _, _ in wave])
        return [
            (
                n,
                FileOutcome(
                    name=d.name, outcome="failed", message=f'"{d.name}": {reason}', document_id=d.id
                ),
            )
            for n, d, _, _ in wave
        ]
    results = []
    for number, doc, chunks, replaced in wave:
        doc.status, doc.error, doc.chunk_count = DocumentStatus.READY, None, len(chunks)
        doc.updated_at = utcnow()
        verb = "replaced" if replaced else "added"
        results.append(
            (
                number,
                FileOutcome(
                    name=doc.name,
                    outcome=verb,
                    document_id=doc.id,
                    message=f'"{doc.name}" {verb}: {len(chunks)} chunks.',
                    chunk_count=len(chunks),
                ),
            )
        )
    kb.updated_at = utcnow()  # invalidates cached keyword indexes of this knowledge base
    session.commit()
    return results


def drop_chunks(
    store: KnowledgeStore, kb: KnowledgeBase, document_ids: Sequence[int | None]
) -> None:
    """Remove the chunks of documents that are not indexed any more. Best effort: when the store
    is unreachable, start-up reconciliation removes them (a failed document's chunks are
    orphans)."""
    ids = [i for i in document_ids if i is not None]
    if not ids:
        return
    try:
        store.collection(kb.collection).delete(where={"document_id": {"$in": ids}})
    except Exception:  # the store is what failed; the document row already says so
        log.warning("Chunks of failed documents %s stay until reconciliation", ids, exc_info=True)
