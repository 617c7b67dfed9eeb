"""Deleting an assistant takes its knowledge bases along; cached collection handles stay right."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from studio.core.errors import InvalidInput
from studio.core.models import Assistant, Document, KnowledgeBase, StudioMarker
from studio.design import lifecycle
from studio.design.schemas import RetrievalSettings
from studio.knowledge.admin import reconcile
from studio.knowledge.bases import (
    KnowledgeStore,
    UploadedFile,
    add_files,
    create_knowledge_base,
    retrieve,
)
from studio.knowledge.ingest import uploads_dir
from tests.knowledge.conftest import make_assistant
from tests.knowledge.files import MARKDOWN

FILES = [UploadedFile("returns.md", MARKDOWN)]


def _kb(session: Session, kb_id: int) -> KnowledgeBase:
    kb = session.get(KnowledgeBase, kb_id)
    assert kb is not None
    return kb


def _rows(
    session: Session, table: type[Document] | type[KnowledgeBase] | type[StudioMarker]
) -> int:
    return int(session.execute(select(func.count()).select_from(table)).scalar_one())


def test_deleting_an_assistant_drops_its_collection_and_files_only(
    session: Session, store: KnowledgeStore, kb_id: int
) -> None:
    add_files(session=session, store=store, knowledge_base_id=kb_id, files=FILES)
    doomed = _kb(session, kb_id)
    doomed_collection, doomed_assistant = doomed.collection, doomed.assistant_id
    assert doomed_assistant is not None
    other = create_knowledge_base(
        session=session, store=store, assistant_id=make_assistant(session, "Keeper")
    )
    add_files(session=session, store=store, knowledge_base_id=other.id, files=FILES)
    kept_collection, kept_key = (
        _kb(session, other.id).collection,
        _kb(session, other.id).folder,
    )
    doomed_key = doomed.folder
    assert uploads_dir(store.settings, doomed_key).is_dir()

    problems = lifecycle.delete_assistant(
        session=session, assistant_id=doomed_assistant, store=store, confirm_name="Helper"
    )

    assert problems == []
    session.expire_all()
    assert session.get(Assistant, doomed_assistant) is None
    assert session.get(KnowledgeBase, kb_id) is None
    assert _rows(session, Document) == 1  # the other assistant's document only
    names = store.collection_names()
    assert doomed_collection not in names and kept_collection in names
    assert not uploads_dir(store.settings, doomed_key).exists()
    assert uploads_dir(store.settings, kept_key).is_dir()
    assert store.collection(kept_collection).count() > 0
    assert _rows(session, StudioMarker) == 0  # nothing left for reconciliation to finish


def test_wrong_name_deletes_nothing_anywhere(
    session: Session, store: KnowledgeStore, kb_id: int
) -> None:
    add_files(session=session, store=store, knowledge_base_id=kb_id, files=FILES)
    kb = _kb(session, kb_id)
    assert kb.assistant_id is not None
    with pytest.raises(InvalidInput):
        lifecycle.delete_assistant(
            session=session, assistant_id=kb.assistant_id, store=store, confirm_name="helper"
        )
    assert kb.collection in store.collection_names()
    assert uploads_dir(store.settings, kb.folder).is_dir()


def test_vector_store_failure_keeps_sql_deleted_and_reconcile_cleans_up(
    session: Session, store: KnowledgeStore, kb_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_files(session=session, store=store, knowledge_base_id=kb_id, files=FILES)
    kb = _kb(session, kb_id)
    collection, assistant_id = kb.collection, kb.assistant_id
    assert assistant_id is not None

    def unreachable(name: str) -> None:
        raise ConnectionError("Chroma is down")

    # The Chroma client is the network boundary (for the server backend, literally).
    monkeypatch.setattr(store.client, "delete_collection", unreachable)
    problems = lifecycle.delete_assistant(
        session=session, assistant_id=assistant_id, store=store, confirm_name="Helper"
    )
    assert len(problems) == 1 and collection in problems[0] and "Chroma is down" in problems[0]
    session.expire_all()
    assert session.get(Assistant, assistant_id) is None  # SQL is not half-deleted
    assert _rows(session, KnowledgeBase) == 0 and _rows(session, Document) == 0
    assert collection in store.collection_names()  # the orphan is still there, recorded…
    assert _rows(session, StudioMarker) == 1

    monkeypatch.undo()
    report = reconcile(session=session, store=store)
    assert report.orphan_collections_removed == 1  # …until reconciliation drops it
    assert collection not in store.collection_names()
    assert _rows(session, StudioMarker) == 0


def test_delete_without_a_store_leaves_cleanup_to_reconciliation(
    session: Session, store: KnowledgeStore, kb_id: int
) -> None:
    add_files(session=session, store=store, knowledge_base_id=kb_id, files=FILES)
    kb = _kb(session, kb_id)
    collection, assistant_id, key = kb.collection, kb.assistant_id, kb.folder
    assert assistant_id is not None
    lifecycle.delete_assistant(session=session, assistant_id=assistant_id, confirm_name="Helper")
    session.commit()
    assert collection in store.collection_names()
    assert reconcile(session=session, store=store).orphan_collections_removed == 1
    assert collection not in store.collection_names()
    assert not uploads_dir(store.settings, key).exists()


def test_collection_handles_are_cached_and_refreshed_when_dropped(
    session: Session, store: KnowledgeStore, kb_id: int
) -> None:
    add_files(session=session, store=store, knowledge_base_id=kb_id, files=FILES)
    kb = _kb(session, kb_id)
    assert kb.assistant_id is not None
    first = store.collection(kb.collection)
    assert store.collection(kb.collection) is first  # no round trip per query
    settings = RetrievalSettings(enabled=True)
    hits = retrieve(
        session=session,
        store=store,
        assistant_id=kb.assistant_id,
        query="refund",
        settings=settings,
    )
    assert hits

    # Deleted behind the store's back (another process): the next query recovers, empty.
    store.client.delete_collection(kb.collection)
    hits = retrieve(
        session=session,
        store=store,
        assistant_id=kb.assistant_id,
        query="refund",
        settings=settings,
    )
    assert hits == []
    assert store.collection(kb.collection) is not first

    store.drop_collection(kb.collection)
    assert kb.collection not in store.collection_names()
    assert store.collection(kb.collection) is not first  # a fresh handle, not the dropped one
