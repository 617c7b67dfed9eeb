"""Ingest, re-upload, replace, delete, re-index, reconcile, retrieve — on both Chroma backends."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from studio.core.errors import Conflict, KnowledgeError
from studio.core.models import Document, DocumentStatus, KnowledgeBase
from studio.design.schemas import RetrievalSettings
from studio.knowledge import ingest, waves
from studio.knowledge.admin import reconcile
from studio.knowledge.bases import (
    KnowledgeStore,
    UploadedFile,
    add_files,
    create_knowledge_base,
    delete_document,
    get_knowledge_base,
    list_documents,
    reindex_all,
    retrieve,
    retry_document,
)
from studio.knowledge.embeddings import DEFAULT_EMBEDDING
from tests.fake_openai_server import FakeOpenAI
from tests.knowledge.conftest import make_assistant
from tests.knowledge.files import CSV, HTML, MARKDOWN, docx_bytes, pdf_bytes

CORPUS = [
    UploadedFile("returns.md", MARKDOWN),
    UploadedFile("warranty.docx", docx_bytes()),
    UploadedFile("shipping.html", HTML),
    UploadedFile("care.pdf", pdf_bytes(["Wash the down jacket at 30 degrees", "Dry it flat"])),
    UploadedFile("faq.csv", CSV),
]


def chunk_ids(store: KnowledgeStore, session: Session, kb_id: int) -> list[str]:
    kb = session.get(KnowledgeBase, kb_id)
    assert kb is not None
    return sorted(store.collection(kb.collection).get(include=[])["ids"])


def test_upload_of_every_type_indexes_and_reports_per_file(
    session: Session, store: KnowledgeStore, kb_id: int
) -> None:
    bad = [UploadedFile("fake.pdf", b"not a pdf at all"), UploadedFile("x.exe", b"MZ")]
    outcomes = add_files(
        session=session, store=store, knowledge_base_id=kb_id, files=[*CORPUS, *bad]
    )
    assert [o.outcome for o in outcomes] == ["added"] * 5 + ["failed", "failed"]
    assert "not a PDF" in outcomes[5].message and "not a supported" in outcomes[6].message
    docs = list_documents(session=session, knowledge_base_id=kb_id)
    assert sorted(d.name for d in docs) == sorted(f.name for f in CORPUS)  # nothing for bad files
    assert all(d.status == DocumentStatus.READY and d.chunk_count > 0 for d in docs)
    ids = chunk_ids(store, session, kb_id)
    assert len(ids) == sum(d.chunk_count for d in docs)
    assert {f"{d.id}:0" for d in docs} <= set(ids)


def test_identical_reupload_adds_nothing(
    session: Session, store: KnowledgeStore, kb_id: int
) -> None:
    add_files(session=session, store=store, knowledge_base_id=kb_id, files=CORPUS[:1])
    before = chunk_ids(store, session, kb_id)
    again = add_files(session=session, store=store, knowledge_base_id=kb_id, files=CORPUS[:1])
    assert again[0].outcome == "unchanged"
    assert chunk_ids(store, session, kb_id) == before
    assert len(list_documents(session=session, knowledge_base_id=kb_id)) == 1


def test_changed_file_with_the_same_name_replaces_its_chunks(
    session: Session, store: KnowledgeStore, kb_id: int
) -> None:
    long_text = "\n\n".join(f"Paragraph {i} about returning hiking boots." * 3 for i in range(12))
    add_files(
        session=session,
        store=store,
        knowledge_base_id=kb_id,
        files=[UploadedFile("policy.txt", long_text.encode())],
    )
    many = len(chunk_ids(store, session, kb_id))
    outcome = add_files(
        session=session,
        store=store,
        knowledge_base_id=kb_id,
        files=[UploadedFile("policy.txt", b"Returns are free for members.")],
    )
    assert outcome[0].outcome == "replaced" and many > 1
    (doc,) = list_documents(session=session, knowledge_base_id=kb_id)
    assert doc.chunk_count == 1 and chunk_ids(store, session, kb_id) == [f"{doc.id}:0"]
    passages = retrieve(
        session=session,
        store=store,
        assistant_id=1,
        query="members returns",
        settings=RetrievalSettings(top_k=5),
    )
    assert [p.text for p in passages] == ["Returns are free for members."]


def test_delete_removes_the_chunks(session: Session, store: KnowledgeStore, kb_id: int) -> None:
    add_files(session=session, store=store, knowledge_base_id=kb_id, files=CORPUS[:2])
    first, second = list_documents(session=session, knowledge_base_id=kb_id)
    delete_document(session=session, store=store, document_id=first.id)
    assert [d.id for d in list_documents(session=session, knowledge_base_id=kb_id)] == [second.id]
    assert all(i.startswith(f"{second.id}:") for i in chunk_ids(store, session, kb_id))


def test_over_the_size_limit_is_refused_and_the_rest_still_indexed(
    session: Session, store: KnowledgeStore, kb_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.settings.max_upload_mb = 0.001  # about 1 KB
    outcomes = add_files(
        session=session,
        store=store,
        knowledge_base_id=kb_id,
        files=[UploadedFile("big.txt", b"word " * 400), CORPUS[0]],
    )
    assert outcomes[0].outcome == "failed" and "limit is 0.001 MB" in outcomes[0].message
    assert outcomes[1].outcome == "added"


def test_retrieval_ranks_the_answering_document_first(
    session: Session, store: KnowledgeStore, kb_id: int
) -> None:
    add_files(session=session, store=store, knowledge_base_id=kb_id, files=CORPUS)
    cases = {
        "how long until my refund reaches my card?": "returns.md",
        "is my jacket guaranteed against defects": "warranty.docx",
        "how many days does delivery abroad take": "shipping.html",
        "what temperature should I wash down at": "care.pdf",
    }
    for question, expected in cases.items():
        passages = retrieve(
            session=session,
            store=store,
            assistant_id=1,
            query=question,
            settings=RetrievalSettings(top_k=3, score_threshold=0.2),
        )
        assert passages[0].document_name == expected, question
        assert passages[0].passed_threshold and passages[0].rank == 1
        assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)
    care = retrieve(
        session=session,
        store=store,
        assistant_id=1,
        query="wash down jacket",
        settings=RetrievalSettings(top_k=1),
    )
    assert care[0].page == 1 and care[0].citation == "care.pdf (p. 1)"


def test_threshold_marks_weak_passages(session: Session, store: KnowledgeStore, kb_id: int) -> None:
    add_files(session=session, store=store, knowledge_base_id=kb_id, files=CORPUS[:1])
    passages = retrieve(
        session=session,
        store=store,
        assistant_id=1,
        query="refund timing",
        settings=RetrievalSettings(top_k=3, score_threshold=0.99),
    )
    assert passages and not any(p.passed_threshold for p in passages)


@pytest.mark.parametrize("settings", [RetrievalSettings(enabled=False), RetrievalSettings()])
def test_no_passages_when_disabled_or_without_a_knowledge_base(
    session: Session, store: KnowledgeStore, settings: RetrievalSettings
) -> None:
    assistant_id = make_assistant(session)
    if not settings.enabled:
        kb = create_knowledge_base(session=session, store=store, assistant_id=assistant_id)
        add_files(session=session, store=store, knowledge_base_id=kb.id, files=CORPUS[:1])
    assert (
        retrieve(
            session=session,
            store=store,
            assistant_id=assistant_id,
            query="refund",
            settings=settings,
        )
        == []
    )


def test_one_knowledge_base_per_assistant(
    session: Session, store: KnowledgeStore, kb_id: int
) -> None:
    with pytest.raises(Conflict):
        create_knowledge_base(session=session, store=store, assistant_id=1)
    info = get_knowledge_base(session=session, assistant_id=1)
    assert info is not None and info.id == kb_id and info.embedding == DEFAULT_EMBEDDING


def test_reconcile_repairs_a_crash_mid_ingest(
    session: Session, store: KnowledgeStore, kb_id: int
) -> None:
    add_files(session=session, store=store, knowledge_base_id=kb_id, files=CORPUS[:3])
    first, second, third = (
        session.get(Document, d.id)
        for d in list_documents(session=session, knowledge_base_id=kb_id)
    )
    assert first and second and third
    kb = session.get(KnowledgeBase, kb_id)
    assert kb is not None
    col = store.collection(kb.collection)
    # The process died while indexing `first`: row says "indexing", half its chunks are missing.
    first.status = DocumentStatus.INDEXING
    col.delete(ids=[f"{first.id}:0"])
    # `second` lost chunks behind our back; a deleted document left an orphan chunk behind.
    col.delete(where={"document_id": second.id})
    col.add(
        ids=["999:0"],
        embeddings=[[0.1] * 384],
        documents=["orphan"],
        metadatas=[{"document_id": 999}],
    )
    session.commit()
    report = reconcile(session=session, store=store)
    assert report.orphan_chunks_removed == 1 and report.documents_reindexed == 2
    docs = list_documents(session=session, knowledge_base_id=kb_id)
    assert all(d.status == DocumentStatus.READY for d in docs)
    assert len(chunk_ids(store, session, kb_id)) == sum(d.chunk_count for d in docs)
    assert reconcile(session=session, store=store).model_dump() == {
        "orphan_chunks_removed": 0,
        "documents_reindexed": 0,
        "documents_failed": 0,
        "collections_created": 0,
        "orphan_collections_removed": 0,
        "orphan_originals_removed": 0,
    }


def test_a_failed_replacement_leaves_no_chunks_and_reconcile_drops_strays(
    session: Session, store: KnowledgeStore
) -> None:
    store.settings.llm_max_retries = 0
    with FakeOpenAI() as server:
        store.settings.llm_base_url = server.base_url
        kb = create_knowledge_base(
            session=session,
            store=store,
            assistant_id=make_assistant(session),
            embedding="openai",
        )
        (first,) = add_files(
            session=session, store=store, knowledge_base_id=kb.id, files=CORPUS[:1]
        )
    assert first.outcome == "added" and chunk_ids(store, session, kb.id)
    # The endpoint is gone when a new version arrives: the document is failed and the index no
    # longer answers with the old version of it while its row says it has no chunks.
    changed = UploadedFile("returns.md", MARKDOWN + b"\n\nNew: refunds within 3 days.")
    (second,) = add_files(session=session, store=store, knowledge_base_id=kb.id, files=[changed])
    assert second.outcome == "failed" and "embedding endpoint failed" in second.message
    (doc,) = list_documents(session=session, knowledge_base_id=kb.id)
    assert (doc.status, doc.chunk_count) == (DocumentStatus.FAILED, 0)
    assert chunk_ids(store, session, kb.id) == []
    # Chunks a failed document kept because the store was down then: reconciliation drops them.
    row = session.get(KnowledgeBase, kb.id)
    assert row is not None
    store.collection(row.collection).add(
        ids=[f"{doc.id}:0"],
        embeddings=[[0.1] * 32],  # the fake endpoint's dimension
        documents=["stale"],
        metadatas=[{"document_id": doc.id}],
    )
    assert reconcile(session=session, store=store).orphan_chunks_removed == 1
    assert chunk_ids(store, session, kb.id) == []


def test_interrupted_document_without_its_file_is_marked_failed(
    session: Session, store: KnowledgeStore, kb_id: int
) -> None:
    add_files(session=session, store=store, knowledge_base_id=kb_id, files=CORPUS[:1])
    doc = session.get(Document, list_documents(session=session, knowledge_base_id=kb_id)[0].id)
    assert doc is not None
    doc.status = DocumentStatus.INDEXING
    session.commit()
    for path in (store.settings.data_dir / "uploads").rglob("*.bin"):
        path.unlink()
    assert reconcile(session=session, store=store).documents_failed == 1
    (info,) = list_documents(session=session, knowledge_base_id=kb_id)
    assert info.status == DocumentStatus.FAILED and "upload it again" in (info.error or "")
    assert chunk_ids(store, session, kb_id) == []
    with pytest.raises(KnowledgeError, match="upload the file again"):
        retry_document(session=session, store=store, document_id=info.id)


def test_reindex_all_with_new_chunking_swaps_collections(
    session: Session, store: KnowledgeStore, kb_id: int
) -> None:
    add_files(session=session, store=store, knowledge_base_id=kb_id, files=CORPUS)
    old = session.get(KnowledgeBase, kb_id)
    assert old is not None
    old_collection = old.collection
    progress: list[tuple[int, int]] = []
    outcomes = reindex_all(
        session=session,
        store=store,
        knowledge_base_id=kb_id,
        chunk_size=150,
        chunk_overlap=0,
        on_progress=lambda d, t, _m: progress.append((d, t)),
    )
    assert all(o.outcome == "replaced" for o in outcomes)
    assert progress[-1] == (5, 5)
    kb = session.get(KnowledgeBase, kb_id)
    assert kb is not None and kb.chunk_size == 150 and kb.collection != old_collection
    assert old_collection not in store.collection_names()
    docs = list_documents(session=session, knowledge_base_id=kb_id)
    assert len(chunk_ids(store, session, kb_id)) == sum(d.chunk_count for d in docs)


def test_reindex_all_embeds_in_waves_and_reports_a_lost_original(
    session: Session, store: KnowledgeStore, kb_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(waves, "WAVE_CHUNKS", 2)  # several waves for a small corpus
    add_files(session=session, store=store, knowledge_base_id=kb_id, files=CORPUS)
    lost = session.get(Document, list_documents(session=session, knowledge_base_id=kb_id)[1].id)
    assert lost is not None
    kb = session.get(KnowledgeBase, kb_id)
    assert kb is not None
    ingest.upload_path(store.settings, kb, lost).unlink()
    outcomes = reindex_all(session=session, store=store, knowledge_base_id=kb_id)
    assert sorted(o.name for o in outcomes) == sorted(f.name for f in CORPUS)
    (failed,) = [o for o in outcomes if o.outcome == "failed"]
    assert failed.name == lost.name and "upload it again" in failed.message
    docs = {d.name: d for d in list_documents(session=session, knowledge_base_id=kb_id)}
    assert docs[lost.name].status == DocumentStatus.FAILED
    assert all(d.status == DocumentStatus.READY for n, d in docs.items() if n != lost.name)
    ids = chunk_ids(store, session, kb_id)
    assert len(ids) == sum(d.chunk_count for d in docs.values()) > 0
    assert not any(i.startswith(f"{lost.id}:") for i in ids)


def test_changing_to_an_unavailable_embedding_keeps_the_old_index(
    session: Session, store: KnowledgeStore, kb_id: int
) -> None:
    add_files(session=session, store=store, knowledge_base_id=kb_id, files=CORPUS[:1])
    before = chunk_ids(store, session, kb_id)
    with pytest.raises(KnowledgeError, match="No embedding endpoint"):
        reindex_all(session=session, store=store, knowledge_base_id=kb_id, embedding="openai")
    kb = session.get(KnowledgeBase, kb_id)
    assert kb is not None and kb.embedding == DEFAULT_EMBEDDING
    assert chunk_ids(store, session, kb_id) == before


def test_odd_names_and_a_huge_csv_in_one_upload(
    session: Session, embedded_store: KnowledgeStore
) -> None:
    kb = create_knowledge_base(
        session=session, store=embedded_store, assistant_id=make_assistant(session)
    )
    rows = "".join(f"Where is order {i}?,It shipped on day {i % 30}\n" for i in range(100_000))
    files = [
        UploadedFile("../../evil/Re\u0301sume\u0301 FAQ.md", MARKDOWN),
        UploadedFile("orders.csv", ("question,answer\n" + rows).encode()),
        UploadedFile("..", b"nothing"),
    ]
    outcomes = add_files(
        session=session, store=embedded_store, knowledge_base_id=kb.id, files=files
    )
    assert [o.outcome for o in outcomes] == ["added", "failed", "failed"]
    assert "more than 5,000 chunks" in outcomes[1].message
    assert "empty once folders are removed" in outcomes[2].message
    (doc,) = list_documents(session=session, knowledge_base_id=kb.id)
    assert doc.name == "Résumé FAQ.md" and doc.status == DocumentStatus.READY
