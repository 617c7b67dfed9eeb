"""Ranking: the first results never depend on how many are asked for; typos in a question are
corrected against the knowledge base's own words."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from studio.core.config import Settings
from studio.core.db import make_engine, session_scope
from studio.core.models import KnowledgeBase
from studio.core.schema import upgrade_database
from studio.knowledge.admin import sample_files
from studio.knowledge.bases import KnowledgeStore, UploadedFile, add_files, create_knowledge_base
from studio.knowledge.store import open_store, search
from tests.knowledge.conftest import make_assistant

BENCHMARKS = Path(__file__).parents[1] / "benchmarks"
CORPUS = BENCHMARKS / "corpora" / "larkspur"


@pytest.fixture(scope="module")
def indexed(
    tmp_path_factory: pytest.TempPathFactory, model_cache: Path
) -> tuple[KnowledgeStore, KnowledgeBase]:
    """The Larkspur corpus and a demo help centre in one knowledge base (well over 100 chunks,
    more than any candidate pool), built once for this module (ranking is not about storage)."""
    folder = tmp_path_factory.mktemp("ranking")
    settings = Settings(data_dir=folder / "data", model_cache_dir=model_cache)
    store = open_store(settings)
    engine = make_engine(f"sqlite:///{folder / 'ranking.db'}")
    upgrade_database(engine)
    files = [UploadedFile(p.name, p.read_bytes()) for p in sorted(CORPUS.iterdir())]
    files += sample_files("ecommerce_support")
    with session_scope(engine) as session:
        kb = create_knowledge_base(
            session=session, store=store, assistant_id=make_assistant(session)
        )
        add_files(session=session, store=store, knowledge_base_id=kb.id, files=files)
        row = session.get(KnowledgeBase, kb.id)
        assert row is not None
        session.expunge(row)
    return store, row


def questions() -> list[str]:
    labelled = yaml.safe_load((BENCHMARKS / "retrieval_questions.yaml").read_text())
    return [q["question"] for q in labelled if q.get("corpus") == "larkspur"]


def test_the_top_results_do_not_depend_on_top_k(
    indexed: tuple[KnowledgeStore, KnowledgeBase],
) -> None:
    embedded_store, kb = indexed
    version = kb.updated_at.isoformat()
    changed = []
    for weight in (0.1, 0.5):
        for question in questions():

            def ranked(top_k: int, question: str = question, weight: float = weight) -> list[str]:
                hits = search(
                    store=embedded_store,
                    collection=kb.collection,
                    embedding=kb.embedding,
                    version=version,
                    query=question,
                    top_k=top_k,
                    keyword_weight=weight,
                )
                return [h.chunk_id for h in hits]

            widest = ranked(20)
            for top_k in (1, 4, 10):
                if ranked(top_k) != widest[:top_k]:
                    changed.append((weight, top_k, question))
    assert changed == []


def test_a_misspelt_question_finds_the_right_page(
    indexed: tuple[KnowledgeStore, KnowledgeBase],
) -> None:
    embedded_store, kb = indexed
    hits = search(
        store=embedded_store,
        collection=kb.collection,
        embedding=kb.embedding,
        version=kb.updated_at.isoformat(),
        query="suspenion pressur for a 75 kg ridder",
        top_k=1,
        keyword_weight=1.0,  # keyword search alone: only the corrected words can match
    )
    assert hits and hits[0].heading.endswith("3. Suspension fork")


def test_only_words_unknown_to_both_the_index_and_the_model_are_corrected(
    indexed: tuple[KnowledgeStore, KnowledgeBase],
) -> None:
    embedded_store, kb = indexed
    chroma = embedded_store.collection(kb.collection)
    index = embedded_store.keyword_index(chroma, kb.updated_at.isoformat(), count=chroma.count())
    assert index is not None
    count = embedded_store.embedder(kb.embedding).token_budget().count
    corrected = index.correct(
        "Batery warrenty in Ohio for my salary?", lambda word: count([word]) == [1]
    )
    assert corrected == "battery warranty in Ohio for my salary?"
