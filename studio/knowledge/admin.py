"""Keeping SQL and Chroma in agreement (start-up reconciliation) and indexing the demo documents."""

from __future__ import annotations

import atexit
import logging
import re
import shutil
import threading
from collections import defaultdict
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.engine import URL, Engine, make_url
from sqlmodel import Session, col

from studio.access.roles import SYSTEM, acting_as
from studio.core.config import Settings, get_settings
from studio.core.db import session_scope
from studio.core.errors import KnowledgeError
from studio.core.models import Assistant, Document, DocumentStatus, KnowledgeBase, StudioMarker
from studio.knowledge import claims
from studio.knowledge.bases import UploadedFile, create_knowledge_base, get_knowledge_base
from studio.knowledge.ingest import add_files, upload_path, uploads_dir, uploads_root
from studio.knowledge.retry import retry_document
from studio.knowledge.store import KnowledgeStore, all_ids

log = logging.getLogger(__name__)
# (database, thread): "in progress" is asked about the database in force, so a thread indexing
# another database (another studio in this process, another test) does not count.
_demo_threads: list[tuple[str, threading.Thread]] = []
_stopping = threading.Event()


@atexit.register
def _stop_demo_indexing() -> None:
    # A thread killed inside onnxruntime at interpreter exit aborts the process: let it finish
    # the knowledge base it is on, and stop before the next one.
    _stopping.set()
    for _, thread in _demo_threads:
        thread.join(timeout=30)


SAMPLES_DIR = Path(__file__).resolve().parents[2] / "data" / "samples" / "knowledge"


class ReconcileReport(BaseModel):
    orphan_chunks_removed: int = 0
    documents_reindexed: int = 0
    documents_failed: int = 0
    collections_created: int = 0
    orphan_collections_removed: int = 0
    orphan_originals_removed: int = 0


DROP_MARKER = "drop_kb:"  # StudioMarker key prefix: "drop_kb:<storage key>:<collection>"
_LEGACY_FOLDER = re.compile(r"kb\d+")  # folders named by id, before storage keys
_FOLDER = re.compile(r"kb\d+|kb-[0-9a-f]{32}")


def drop_marker(storage_key: str, collection: str) -> str:
    """The StudioMarker key that records a deleted knowledge base whose vectors and files are
    still to be removed (written in the same transaction as the deletion)."""
    return f"{DROP_MARKER}{storage_key}:{collection}"


def discard_knowledge_bases(*, store: KnowledgeStore, bases: list[tuple[str, str]]) -> list[str]:
    """Remove the Chroma collections and kept upload files of deleted knowledge bases, given as
    (storage key, collection) pairs. Returns what could not be removed; never raises."""
    problems: list[str] = []
    for storage_key, collection in bases:
        store.forget_collection(collection)
        try:
            if collection in set(store.collection_names()):
                store.client.delete_collection(collection)
        except Exception as exc:  # server down, folder locked…: reconciliation retries it
            problems.append(f"vector collection {collection} was not removed ({exc})")
        store.forget_collection(collection)
        if not _FOLDER.fullmatch(storage_key):
            continue  # not a folder this studio made: never remove it
        folder = uploads_dir(store.settings, storage_key)
        try:
            shutil.rmtree(folder)
        except FileNotFoundError:
            pass
        except OSError as exc:
            problems.append(f"uploaded files in {folder} were not removed ({exc})")
    return problems


def finish_pending_drops(*, session: Session, store: KnowledgeStore) -> int:
    """Retry the cleanup of deleted knowledge bases recorded by drop markers; commits and returns
    how many were finished. Only collections this database recorded are touched, so a Chroma
    server shared with other studios is safe."""
    finished = 0
    markers = session.execute(
        select(StudioMarker).where(col(StudioMarker.key).startswith(DROP_MARKER))
    ).scalars()
    live = {kb.folder for kb in session.execute(select(KnowledgeBase)).scalars()}
    for marker in list(markers):
        key, _, collection = marker.key.removeprefix(DROP_MARKER).partition(":")
        if key.isdigit():  # written before storage keys: the folder was named by the id
            key = f"kb{key}"
        if key in live:
            # A knowledge base made before storage keys reused the deleted one's id, so this
            # folder is the live one's now: remove only the deleted base's vectors.
            log.warning("Keeping %s: it belongs to a knowledge base in use", key)
            key = ""
        if not discard_knowledge_bases(store=store, bases=[(key, collection)]):
            session.delete(marker)
            finished += 1
    session.commit()
    return finished


def remove_orphan_originals(*, session: Session, settings: Settings) -> int:
    """Delete kept originals no document points to (a crash between keeping a file and
    recording it, before rows came first) and folders of knowledge bases that no longer exist.
    Returns how many files were removed."""
    root = uploads_root(settings)
    if not root.is_dir():
        return 0
    # Files first, rows second: a file written after its row was committed is always seen with it.
    found = {
        folder.name: [p for p in folder.iterdir() if p.is_file()]
        for folder in root.iterdir()
        if folder.is_dir() and _FOLDER.fullmatch(folder.name)
    }
    live = {kb.folder: kb.id for kb in session.execute(select(KnowledgeBase)).scalars()}
    pending = {
        m.removeprefix(DROP_MARKER).partition(":")[0]
        for m in session.execute(
            select(col(StudioMarker.key)).where(col(StudioMarker.key).startswith(DROP_MARKER))
        ).scalars()
    }
    owned: dict[int, set[str]] = defaultdict(set)
    for kb_id, doc_id in session.execute(
        select(col(Document.knowledge_base_id), col(Document.id))
    ).all():
        owned[kb_id].add(f"{doc_id}.bin")
    removed = 0
    for name, files in found.items():
        if name not in live:
            if name in pending or (name.removeprefix("kb") in pending):
                continue  # finish_pending_drops owns it
            removed += len(files)
            shutil.rmtree(root / name, ignore_errors=True)
            continue
        for path in files:
            if path.name not in owned[live[name]]:
                path.unlink(missing_ok=True)
                removed += 1
    if removed:
        log.info("Removed %s kept originals no document points to", removed)
    return removed


def reconcile(*, session: Session, store: KnowledgeStore) -> ReconcileReport:
    """Make Chroma match SQL: drop chunks no document owns (or owned by a failed one), re-index
    documents whose chunks are missing or whose indexing was interrupted (or mark them failed
    when the file is gone)."""
    report = ReconcileReport()
    report.orphan_collections_removed = finish_pending_drops(session=session, store=store)
    existing = set(store.collection_names())
    for kb in session.execute(select(KnowledgeBase)).scalars().all():
        if not claims.try_claim(session=session, knowledge_base_id=kb.id or 0, kind="reconcile"):
            continue  # another live studio process is indexing it: its work, not ours
        if kb.collection not in existing:
            report.collections_created += 1
        # Fresh: reconciliation is where a collection deleted behind our back gets recreated.
        chroma = store.collection(kb.collection, fresh=True)
        docs = {
            d.id: d
            for d in session.execute(
                select(Document).where(col(Document.knowledge_base_id) == kb.id)
            ).scalars()
        }
        by_doc: dict[int, list[str]] = defaultdict(list)
        for cid in all_ids(chroma):
            by_doc[int(cid.split(":")[0])].append(cid)
        orphans: list[str] = []
        for doc_id, ids in by_doc.items():
            doc = docs.get(doc_id)
            if doc is None or doc.status == DocumentStatus.FAILED:
                orphans.extend(ids)
            elif doc.status == DocumentStatus.READY:
                orphans.extend(i for i in ids if int(i.split(":")[1]) >= doc.chunk_count)
        for start in range(0, len(orphans), 5000):  # SQLite limits variables per statement
            chroma.delete(ids=orphans[start : start + 5000])
        report.orphan_chunks_removed += len(orphans)
        orphan_set = set(orphans)
        for doc_id, doc in docs.items():
            present = len([i for i in by_doc.get(doc_id or 0, []) if i not in orphan_set])
            broken = doc.status in (DocumentStatus.INDEXING, DocumentStatus.QUEUED) or (
                doc.status == DocumentStatus.READY and present != doc.chunk_count
            )
            if not broken:
                continue
            if upload_path(store.settings, kb, doc).is_file():
                try:
                    retry_document(session=session, store=store, document_id=doc_id or 0)
                    report.documents_reindexed += 1
                    continue
                except KnowledgeError:
                    pass  # retry_document already recorded the reason on the row
            else:
                doc.status = DocumentStatus.FAILED
                doc.error = (
                    "Indexing was interrupted and the original file is gone; upload it again."
                )
                doc.chunk_count = 0
                chroma.delete(where={"document_id": doc_id})
                session.commit()
            report.documents_failed += 1
        claims.release_in(session=session, knowledge_base_id=kb.id or 0)
    report.orphan_originals_removed = remove_orphan_originals(
        session=session, settings=store.settings
    )
    return report


def sample_files(template: str) -> list[UploadedFile]:
    """The demo help-center documents shipped for a template (empty if none)."""
    folder = SAMPLES_DIR / template
    if not folder.is_dir():
        return []
    return [UploadedFile(p.name, p.read_bytes()) for p in sorted(folder.iterdir()) if p.is_file()]


def _demos_to_index(session: Session) -> list[Assistant]:
    demos = session.execute(select(Assistant).where(col(Assistant.is_demo).is_(True))).scalars()
    return [
        a
        for a in demos
        if a.id is not None
        and sample_files(a.template or "")
        and session.get(StudioMarker, f"demo_knowledge:{a.id}") is None
    ]


def index_demo_knowledge(*, session: Session, store: KnowledgeStore) -> int:
    """Give each demo assistant its template's sample documents (once: a marker remembers it, so
    a user who deletes them later is not overruled). When the studio exits meanwhile, the files
    done so far stay indexed and the next start adds the rest. Returns how many knowledge bases
    it created."""
    created = 0
    for assistant in _demos_to_index(session):
        if _stopping.is_set():
            break
        assert assistant.id is not None
        kb = get_knowledge_base(session=session, assistant_id=assistant.id)
        if kb is None:
            kb = create_knowledge_base(session=session, store=store, assistant_id=assistant.id)
            created += 1
        if not claims.try_claim(session=session, knowledge_base_id=kb.id, kind="demo"):
            continue  # another studio process is indexing these demo files right now
        outcomes = add_files(  # identical files already indexed are left as they are
            session=session,
            store=store,
            knowledge_base_id=kb.id,
            files=sample_files(assistant.template or ""),
            should_stop=_stopping.is_set,
        )
        claims.release_in(session=session, knowledge_base_id=kb.id)
        if any(o.outcome == "skipped" for o in outcomes):
            break
        session.add(StudioMarker(key=f"demo_knowledge:{assistant.id}"))
        session.commit()
    return created


def start_demo_indexing(*, engine: Engine, store: KnowledgeStore) -> threading.Thread | None:
    """Index the demo documents in a background thread so start-up stays fast (no thread when
    nothing is left to index)."""
    with session_scope(engine) as session:
        if not _demos_to_index(session):
            return None

    def run() -> None:
        try:
            with acting_as(SYSTEM), session_scope(engine) as session:  # threads start unset
                index_demo_knowledge(session=session, store=store)
        except Exception:  # a background failure must not kill the app; the page shows the rows
            log.exception("Indexing the demo documents failed")

    thread = threading.Thread(target=run, name="demo-knowledge", daemon=True)
    _demo_threads.append((_database_key(engine.url), thread))
    thread.start()
    return thread


def _database_key(url: str | URL) -> str:
    return make_url(url).render_as_string(hide_password=False)


def demo_indexing_in_progress(*, database_url: str | None = None) -> bool:
    """Whether the demo documents of `database_url` (default: the configured database) are still
    being indexed in the background."""
    key = _database_key(database_url or get_settings().resolved_database_url)
    return any(db == key and t.is_alive() for db, t in _demo_threads)
