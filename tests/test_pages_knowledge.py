"""AppTest of the Knowledge page: create, upload → ready → test retrieval, bad files, demo data."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from studio.core.config import get_settings
from studio.core.db import session_scope
from studio.core.models import Document, DocumentStatus
from studio.design import assistants
from studio.knowledge.admin import demo_indexing_in_progress
from studio.startup import prepare_database
from tests.conftest import HOME
from tests.fake_openai_server import closed_port
from tests.knowledge.files import MARKDOWN, pdf_bytes

PAGE = "pages/knowledge.py"
ARTICLE = "# Article {i}\n\n" + "\n\n".join(
    f"## Part {p}\n\nParcels for order {{i}} leave the warehouse on day {p}. " * 3 for p in range(6)
)


@pytest.fixture
def blank(monkeypatch: pytest.MonkeyPatch) -> int:
    """No demo data: one assistant of our own, selected."""
    monkeypatch.setenv("STUDIO_SEED_DEMO", "false")
    get_settings.cache_clear()
    engine = prepare_database(get_settings().resolved_database_url, seed_demo=False)
    with session_scope(engine) as session:
        detail = assistants.create_assistant(
            session=session, name="Shop helper", company_name="Acme"
        )
    return detail.id


def open_page() -> AppTest:
    at = AppTest.from_file(HOME, default_timeout=60)
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception
    return at


def create_kb(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == "Create knowledge base").click()
    at.run()
    assert not at.exception
    return at


def wait_for_indexing(at: AppTest) -> AppTest:
    """Show the page again until its background indexing job is over (no progress bar)."""
    deadline = time.monotonic() + 60
    while at.get("progress"):
        assert time.monotonic() < deadline, "indexing did not finish"
        time.sleep(0.1)
        at.run()
        assert not at.exception
    return at


def upload(at: AppTest, files: list[tuple[str, bytes, str]]) -> AppTest:
    at.file_uploader[0].set_value(files)
    next(b for b in at.button if b.label == "Upload and index").click()
    at.run()
    assert not at.exception
    return wait_for_indexing(at)


def test_without_a_knowledge_base_the_page_offers_to_create_one(blank: int) -> None:
    at = open_page()
    assert "no knowledge base yet" in at.info[0].value
    at = create_kb(at)
    assert [m.label for m in at.metric] == ["Documents", "Chunks", "Embedding", "Chunking"]
    assert at.metric[0].value == "0"


def test_upload_then_test_retrieval_shows_the_right_chunk(blank: int) -> None:
    at = create_kb(open_page())
    at = upload(
        at,
        [
            ("returns.md", MARKDOWN, "text/markdown"),
            ("care.pdf", pdf_bytes(["Wash the down jacket at 30 degrees"]), "application/pdf"),
            ("broken.pdf", b"this is not a pdf", "application/pdf"),
            ("virus.exe", b"MZ", "application/octet-stream"),
        ],
    )
    successes = [s.value for s in at.success]
    errors = [e.value for e in at.error]
    assert any('"returns.md" added' in s for s in successes)
    assert any('"care.pdf" added' in s for s in successes)
    assert any("broken.pdf" in e and "not a PDF" in e for e in errors)
    assert any("virus.exe" in e and "not a supported file type" in e for e in errors)
    assert at.metric[0].value == "2"
    table = at.dataframe[0].value
    assert set(table["Status"]) == {"ready"} and set(table["Document"]) == {
        "returns.md",
        "care.pdf",
    }

    at.text_input(key="kb_query").input("when does my refund reach my card?")
    at.run()
    assert not at.exception
    results = [m.value for m in at.markdown if "score" in m.value]
    assert results and "returns.md › Returns > Refund timing" in results[0]
    # Raise the threshold: the line appears and the passages under it are marked as held back.
    next(sl for sl in at.slider if sl.label == "Score threshold").set_value(0.99)
    at.run()
    assert not at.exception
    assert any("passages below do not reach the assistant" in m.value for m in at.markdown)


def test_identical_reupload_says_unchanged(blank: int) -> None:
    at = create_kb(open_page())
    at = upload(at, [("returns.md", MARKDOWN, "text/markdown")])
    at = upload(at, [("returns.md", MARKDOWN, "text/markdown")])
    assert any("already indexed" in i.value for i in at.info)
    assert at.metric[0].value == "1"


def test_delete_a_document(blank: int) -> None:
    at = create_kb(open_page())
    at = upload(at, [("returns.md", MARKDOWN, "text/markdown")])
    next(b for b in at.button if b.label == "Delete").click()
    at.run()
    assert not at.exception
    assert at.metric[0].value == "0"


def test_reindex_needs_confirmation_then_runs(blank: int) -> None:
    at = create_kb(open_page())
    at = upload(at, [("returns.md", MARKDOWN, "text/markdown")])
    next(b for b in at.button if b.label == "Re-index all").click()
    at.run()
    assert any("Tick the confirmation" in w.value for w in at.warning)
    assert at.metric[2].value == "MiniLM"
    at.checkbox[0].check()
    reindex_embedding = next(b for b in at.selectbox if b.label == "Embedding")
    reindex_embedding.set_value("minilm-int8")
    at.number_input[0].set_value(150)  # the chunk size of the re-index form
    at.number_input[1].set_value(0)
    next(b for b in at.button if b.label == "Re-index all").click()
    at.run()
    assert not at.exception
    at = wait_for_indexing(at)
    assert any('"returns.md": 3 chunks' in s.value for s in at.success)
    assert any("Last re-index: 1 of 1 document(s)" in m.value for m in at.markdown)
    # The tiles above the tabs show the new index, not the one before the re-index.
    assert (at.metric[2].value, at.metric[3].value) == ("MiniLM full", "150 / 0")


def test_demo_assistant_has_its_documents_indexed() -> None:
    at = open_page()  # demo data on: the selected demo assistant gets its help-center documents
    deadline = time.monotonic() + 60
    while demo_indexing_in_progress() and time.monotonic() < deadline:
        time.sleep(0.2)
    at.run()
    assert not at.exception
    assert int(at.metric[0].value) >= 4
    assert set(at.dataframe[0].value["Status"]) == {"ready"}


def test_an_unreachable_chroma_server_is_explained(
    blank: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("STUDIO_CHROMA_PORT", str(closed_port()))
    get_settings.cache_clear()
    at = open_page()
    assert any("Cannot open the vector store" in e.value for e in at.error)
    assert not at.file_uploader


def test_a_large_upload_runs_in_the_background_and_can_be_stopped(blank: int) -> None:
    at = create_kb(open_page())
    files = [
        (f"article-{i:03d}.md", ARTICLE.replace("{i}", str(i)).encode(), "text/markdown")
        for i in range(150)
    ]
    at.file_uploader[0].set_value(files)
    next(b for b in at.button if b.label == "Upload and index").click()
    at.run()
    assert not at.exception
    assert at.get("progress"), "the page shows the job's progress"
    assert next(b for b in at.button if b.label == "Upload and index").disabled
    assert next(b for b in at.button if b.label == "Re-index all").disabled
    next(b for b in at.button if b.label == "Stop").click()
    at.run()
    at = wait_for_indexing(at)
    assert any("stopped" in w.value for w in at.warning)
    skipped = [i.value for i in at.info if "was not indexed" in i.value]
    added = [s.value for s in at.success if " added: " in s.value]
    assert skipped and len(skipped) + len(added) == len(files)
    assert at.metric[0].value == str(len(added))
    assert not next(b for b in at.button if b.label == "Upload and index").disabled


def test_documents_that_failed_can_be_retried_together(blank: int) -> None:
    at = create_kb(open_page())
    at = upload(at, [("returns.md", MARKDOWN, "text/markdown"), ("faq.md", MARKDOWN, "text/md")])
    assert next(b for b in at.button if b.label == "Retry indexing").disabled  # it is ready
    assert not [b for b in at.button if b.label.startswith("Retry all")]
    # What an unreachable embedding endpoint leaves behind (the originals are kept).
    engine = prepare_database(get_settings().resolved_database_url, seed_demo=False)
    with session_scope(engine) as session:
        for doc in session.execute(select(Document)).scalars():
            doc.status, doc.error = DocumentStatus.FAILED, "The embedding endpoint failed."
    at.run()
    assert list(at.dataframe[0].value["Status"]) == ["failed", "failed"]
    next(b for b in at.button if b.label == "Retry all 2 document(s) that are not ready").click()
    at.run()
    assert not at.exception
    at = wait_for_indexing(at)
    assert any("Last retry: 2 of 2 document(s) indexed" in m.value for m in at.markdown)
    assert list(at.dataframe[0].value["Status"]) == ["ready", "ready"]
    assert not [b for b in at.button if b.label.startswith("Retry all")]


def test_chunk_preview_counts_tokens_and_marks_cut_and_metadata_chunks(blank: int) -> None:
    at = create_kb(open_page())
    long_heading = " ".join(["Überweisungsbestätigungsformular"] * 30)
    text = (
        "# Charging\n\nSource: https://community.example.com/t/1 · Last updated: 4 March 2026\n\n"
        "## Overnight\n\nLeaving the battery plugged in overnight is safe.\n\n"
        f"## {long_heading}\n\nA section under a heading too long for the model.\n"
    )
    at.file_uploader(key="kb_preview_file").set_value([("charging.md", text.encode(), "text/md")])
    at.run()
    assert not at.exception
    labels = [e.label for e in at.expander]
    assert len(labels) == 3 and all(" tokens · " in label for label in labels)
    assert "only metadata: not indexed" in labels[0]
    assert "cut: the model reads only 128 tokens" in labels[2]
    assert "cut" not in labels[1] and "metadata" not in labels[1]
    summary = next(m.value for m in at.markdown if "chunks**" in m.value)
    assert "**2 chunks**" in summary and "1 would be cut" in summary
    assert "1 metadata-only left out" in summary
