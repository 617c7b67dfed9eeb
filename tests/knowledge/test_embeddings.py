"""The three embedding options: built-in MiniLM, Chroma's MiniLM (folder / download), endpoint."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import Session

from studio.config import Settings
from studio.embeddings import BATCH_SIZE, MAX_TOKENS, _builtin_minilm, get_embedder
from studio.errors import KnowledgeError
from studio.knowledge import (
    KnowledgeStore,
    UploadedFile,
    add_files,
    create_knowledge_base,
    get_knowledge_base,
    reindex_all,
    retrieve,
)
from studio.schemas import RetrievalSettings
from tests.fake_openai_server import FakeOpenAI, closed_port
from tests.knowledge.conftest import make_assistant
from tests.knowledge.files import MARKDOWN


def test_builtin_minilm_is_normalised_and_semantic() -> None:
    vectors = get_embedder("minilm-int8", settings=Settings()).embed(
        [
            "When will I get my refund?",
            "Refunds reach your card within 5 days.",
            "Tents need airing.",
        ]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_batched_embedding_keeps_input_order_and_matches_one_by_one() -> None:
    # Texts are sorted by length into batches; each row must still belong to its own text.
    embedder = get_embedder("minilm-int8", settings=Settings())
    texts = [("refund card " * (i % 7 + 1)) + f"item {i}" for i in range(BATCH_SIZE + 5)]
    together = embedder.embed(texts)
    for i in (0, 3, BATCH_SIZE + 4):
        alone = embedder.embed([texts[i]])[0]
        assert float(together[i] @ alone) > 0.999


def test_text_beyond_the_token_limit_is_not_embedded() -> None:
    # The trade-off of MAX_TOKENS: a tail past the limit does not change the vector (BM25 still
    # indexes it). If the limit changes, this shows what it covers.
    embedder = get_embedder("minilm-int8", settings=Settings())
    head = "Refunds reach your card within five business days. " * (MAX_TOKENS // 9 + 1)
    long_a, long_b = embedder.embed([head + "Tents need airing.", head + "Pizza is tasty."])
    assert float(long_a @ long_b) > 0.9999
    short_a, short_b = embedder.embed(["Tents need airing.", "Pizza is tasty."])
    assert float(short_a @ short_b) < 0.9


def test_unknown_embedding_is_refused() -> None:
    with pytest.raises(KnowledgeError, match="Unknown embedding"):
        get_embedder("word2vec", settings=Settings())


def test_chroma_minilm_that_cannot_be_fetched_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No internet here; a proxy on a closed port makes the download fail at once, as offline.
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{closed_port()}")
    settings = Settings(chroma_model_dir=tmp_path / "empty")
    with pytest.raises(KnowledgeError) as caught:
        get_embedder("chroma-minilm", settings=settings)
    message = str(caught.value)
    assert "could not be downloaded" in message
    assert str(tmp_path / "empty") in message and "STUDIO_CHROMA_MODEL_DIR" in message


def test_chroma_minilm_from_a_folder_the_admin_points_to(tmp_path: Path) -> None:
    # An air-gapped install: the admin copied model.onnx + tokenizer.json into a folder.
    builtin = _builtin_minilm()
    folder = tmp_path / "models" / "onnx"
    folder.mkdir(parents=True)
    shutil.copy(builtin._model_file, folder / "model.onnx")
    shutil.copy(builtin._tokenizer_file, folder / "tokenizer.json")
    embedder = get_embedder(
        "chroma-minilm", settings=Settings(chroma_model_dir=tmp_path / "models")
    )
    assert embedder.key == "chroma-minilm"
    assert embedder.embed(["hello"]).shape == (1, 384)


def test_endpoint_embeddings_index_and_retrieve(
    session: Session, embedded_store: KnowledgeStore
) -> None:
    with FakeOpenAI() as server:
        embedded_store.settings.llm_base_url = server.base_url
        assistant_id = make_assistant(session)
        kb = create_knowledge_base(
            session=session, store=embedded_store, assistant_id=assistant_id, embedding="openai"
        )
        outcome = add_files(
            session=session,
            store=embedded_store,
            knowledge_base_id=kb.id,
            files=[UploadedFile("policy.md", MARKDOWN)],
        )
        assert outcome[0].outcome == "added"
        passages = retrieve(
            session=session,
            store=embedded_store,
            assistant_id=assistant_id,
            query="refund",
            settings=RetrievalSettings(top_k=2),
        )
        assert len(passages) == 2
        paths = {r["path"] for r in server.requests}
        assert paths == {"/v1/embeddings"}
        assert server.requests[-1]["body"]["model"] == "text-embedding-3-small"


def test_unreachable_endpoint_is_a_clear_error_and_nothing_changes(
    session: Session, embedded_store: KnowledgeStore
) -> None:
    assistant_id = make_assistant(session)
    kb = create_knowledge_base(session=session, store=embedded_store, assistant_id=assistant_id)
    add_files(
        session=session,
        store=embedded_store,
        knowledge_base_id=kb.id,
        files=[UploadedFile("policy.md", MARKDOWN)],
    )
    embedded_store.settings.llm_base_url = f"http://127.0.0.1:{closed_port()}/v1"
    embedded_store.settings.llm_max_retries = 0
    with pytest.raises(KnowledgeError, match="embedding endpoint failed"):
        reindex_all(
            session=session, store=embedded_store, knowledge_base_id=kb.id, embedding="openai"
        )
    info = get_knowledge_base(session=session, assistant_id=assistant_id)
    assert info is not None and info.embedding == "minilm-int8" and info.chunk_count > 0
