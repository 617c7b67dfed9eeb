"""The three embedding options: built-in MiniLM, Chroma's MiniLM (folder / download), endpoint."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import Session

from studio.core.config import Settings
from studio.core.errors import KnowledgeError
from studio.design.schemas import RetrievalSettings
from studio.knowledge.bases import (
    KnowledgeStore,
    UploadedFile,
    add_files,
    create_knowledge_base,
    get_knowledge_base,
    reindex_all,
    retrieve,
)
from studio.knowledge.embeddings import (
    DEFAULT_EMBEDDING,
    MAX_TOKENS,
    _shipped_minilm_files,
    get_embedder,
)
from studio.knowledge.quantize import quantized_model, quantized_path
from tests.fake_openai_server import FakeOpenAI, closed_port
from tests.knowledge.conftest import make_assistant
from tests.knowledge.files import MARKDOWN


@pytest.mark.parametrize("key", ["minilm-q8", "minilm-int8"])
def test_builtin_minilm_is_normalised_and_semantic(key: str) -> None:
    vectors = get_embedder(key, settings=Settings()).embed(
        [
            "When will I get my refund?",
            "Refunds reach your card within 5 days.",
            "Tents need airing.",
        ]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


@pytest.mark.parametrize("key", ["minilm-q8", "minilm-int8"])
def test_a_text_gets_the_same_vector_alone_or_among_others(key: str) -> None:
    # Texts run in parallel on worker threads; each row must belong to its own text, and the
    # 8-bit model must not let the company a text keeps change its vector.
    embedder = get_embedder(key, settings=Settings())
    texts = [("refund card " * (i % 7 + 1)) + f"item {i}" for i in range(21)]
    together = embedder.embed(texts)
    for i in (0, 3, 20):
        assert np.allclose(together[i], embedder.embed([texts[i]])[0], atol=1e-6)
    # A repeated text is embedded once and every copy gets its row, in order.
    repeated = embedder.embed([texts[3], texts[0], texts[3]])
    assert np.allclose(repeated, together[[3, 0, 3]], atol=1e-6)


def test_the_8bit_default_stays_close_to_the_full_precision_model() -> None:
    texts = [
        "Refunds reach your card within five business days.",
        "How do I reset my password?",
        "Clinic hours are 8am to 6pm on weekdays; Saturday mornings for urgent visits.",
        "Invoices can be downloaded as PDF from the Billing page.",
    ]
    fast = get_embedder(DEFAULT_EMBEDDING, settings=Settings()).embed(texts)
    exact = get_embedder("minilm-int8", settings=Settings()).embed(texts)
    assert DEFAULT_EMBEDDING == "minilm-q8"
    assert (fast * exact).sum(axis=1).min() > 0.97


def test_the_8bit_model_is_derived_once_deterministically_and_computes_in_int8(
    tmp_path: Path, model_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import onnx

    source, _ = _shipped_minilm_files()
    shared = quantized_model(source, model_cache)  # built by the default embedder already
    stamp = shared.stat().st_mtime_ns
    assert quantized_model(source, model_cache) == shared
    assert shared.stat().st_mtime_ns == stamp  # reused, not rebuilt
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])  # as in a plain process, not under pytest
    fresh = quantized_model(source, tmp_path / "cache")
    assert root.handlers == []  # the quantiser's warning did not configure logging for us
    assert fresh == quantized_path(source, tmp_path / "cache")
    assert fresh.read_bytes() == shared.read_bytes()
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [fresh.name]  # no leftovers
    ops = {node.op_type for node in onnx.load(str(fresh)).graph.node}
    assert "IsNaN" not in ops and {"DynamicQuantizeLinear", "MatMulInteger"} <= ops


def test_an_unwritable_model_folder_says_what_to_do(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the model folder should be")
    embedder = get_embedder("minilm-q8", settings=Settings(model_cache_dir=blocker / "models"))
    with pytest.raises(KnowledgeError, match="STUDIO_MODEL_CACHE_DIR"):
        embedder.embed(["hello"])


def test_text_beyond_the_token_limit_is_not_embedded() -> None:
    # The trade-off of MAX_TOKENS: a tail past the limit does not change the vector (BM25 still
    # indexes it). If the limit changes, this shows what it covers.
    embedder = get_embedder(DEFAULT_EMBEDDING, settings=Settings())
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
    model, tokenizer = _shipped_minilm_files()
    folder = tmp_path / "models" / "onnx"
    folder.mkdir(parents=True)
    shutil.copy(model, folder / "model.onnx")
    shutil.copy(tokenizer, folder / "tokenizer.json")
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
    assert info is not None and info.embedding == DEFAULT_EMBEDDING and info.chunk_count > 0
