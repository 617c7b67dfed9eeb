"""Two real `streamlit run` processes on one PostgreSQL and one Chroma server: a document
uploaded through one studio's Knowledge page is indexed exactly once and shows in the other."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from studio.access.roles import SYSTEM, acting_as
from studio.core.config import get_settings
from studio.core.db import make_engine, session_scope
from studio.core.models import DocumentStatus, IndexingClaim, KnowledgeBase
from studio.core.schema import upgrade_database
from studio.design import assistants
from studio.knowledge.bases import create_knowledge_base, list_documents
from studio.knowledge.store import open_store
from tests.conftest import ROOT
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, _free_port
from tests.knowledge.conftest import chroma_server  # noqa: F401  (a fixture)
from tests.postgres import PostgresCluster

pytestmark = pytest.mark.e2e


def _serve(env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    log = (cwd / f"streamlit-{port}.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "Home.py"),
         "--server.headless", "true", "--server.port", str(port),
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                return server, url
        except OSError:
            assert time.monotonic() < deadline and server.poll() is None, "studio did not start"
            time.sleep(0.3)


@pytest.fixture
def two_studios(
    postgres: PostgresCluster,
    chroma_server: tuple[str, int],  # noqa: F811  (the fixture imported above)
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Iterator[tuple[list[str], int, int]]:
    if not CHROMIUM and os.environ.get("STUDIO_REQUIRE_BROWSER") != "1":
        pytest.skip("Chromium is not installed; `bash tests/run` installs it")
    url = postgres.create_database()
    host, port = chroma_server
    env = {
        "STUDIO_DATABASE_URL": url,
        "STUDIO_CHROMA_HOST": host,
        "STUDIO_CHROMA_PORT": str(port),
        "STUDIO_DATA_DIR": str(tmp_path / "data"),
        "STUDIO_SEED_DEMO": "false",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    engine = make_engine(url)
    upgrade_database(engine)
    with acting_as(SYSTEM), session_scope(engine) as session:
        assistant_id = assistants.create_assistant(
            session=session, name="Shared", company_name="Acme"
        ).id
        kb_id = create_knowledge_base(
            session=session, store=open_store(get_settings()), assistant_id=assistant_id
        ).id
    servers = [_serve({**os.environ, **env}, tmp_path) for _ in range(2)]
    yield [u for _, u in servers], assistant_id, kb_id
    for server, _ in servers:
        server.terminate()
        server.wait(timeout=30)
    engine.dispose()
    postgres.drop_database(url)


def test_an_upload_in_one_studio_is_indexed_once_and_shows_in_the_other(
    two_studios: tuple[list[str], int, int], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    (first, second), assistant_id, kb_id = two_studios
    document = tmp_path / "shipping-faq.md"
    document.write_text("# Shipping\n\nParcels leave our warehouse every weekday.\n")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)  # fmt: skip
        page = browser.new_page()
        page.goto(f"{first}/knowledge?assistant={assistant_id}")
        page.locator("input[type=file][multiple]").set_input_files(str(document))
        page.get_by_role("button", name="Upload and index").click()
        engine = make_engine(get_settings().resolved_database_url)
        deadline = time.monotonic() + 180
        while True:
            with session_scope(engine) as session:
                docs = list_documents(session=session, knowledge_base_id=kb_id)
                claimed = session.execute(select(IndexingClaim)).first() is not None
            if docs and docs[0].status == DocumentStatus.READY and not claimed:
                break
            assert time.monotonic() < deadline, f"not indexed: {docs}"
            time.sleep(0.5)
        other = browser.new_page()
        other.goto(f"{second}/knowledge?assistant={assistant_id}")
        # The documents table is a canvas grid: its cells exist for screen readers, not to see.
        cell = other.get_by_text("shipping-faq.md")
        expect(cell.first).to_be_attached(timeout=60_000)
        browser.close()
    with session_scope(engine) as session:
        kb = session.get(KnowledgeBase, kb_id)
        assert kb is not None
        docs = list_documents(session=session, knowledge_base_id=kb_id)
    ids = open_store(get_settings()).collection(kb.collection).get(include=[])["ids"]
    assert [d.name for d in docs] == ["shipping-faq.md"]
    assert len(ids) == len(set(ids)) == docs[0].chunk_count > 0
