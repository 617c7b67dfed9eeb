"""Knowledge-base fixtures: a real Chroma server on loopback, and a store over both backends."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from studio.core.config import get_settings
from studio.core.models import Assistant
from studio.knowledge.bases import KnowledgeStore, create_knowledge_base, open_store


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """`chroma run` (ships with chromadb) on a free loopback port for this test session."""
    executable = shutil.which("chroma")
    if executable is None:
        pytest.fail("the `chroma` command is missing; pip install -r requirements.txt")
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma_server")
    log = (path / "server.log").open("wb")
    process = subprocess.Popen(
        [executable, "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).is_success:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the Chroma server did not start; see {path / 'server.log'}")
        time.sleep(0.1)
    yield "127.0.0.1", port
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(params=["embedded", "server"])
def store(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> KnowledgeStore:
    """A knowledge store on the embedded Chroma in tmp_path, then on the Chroma server."""
    if request.param == "server":
        host, port = request.getfixturevalue("chroma_server")
        monkeypatch.setenv("STUDIO_CHROMA_HOST", host)
        monkeypatch.setenv("STUDIO_CHROMA_PORT", str(port))
    get_settings.cache_clear()
    return open_store(get_settings())


@pytest.fixture
def embedded_store() -> KnowledgeStore:
    """Only the embedded store (for tests whose subject is not the storage backend)."""
    get_settings.cache_clear()
    return open_store(get_settings())


def make_assistant(session: Session, name: str = "Helper") -> int:
    assistant = Assistant(name=name, draft_config={})
    session.add(assistant)
    session.flush()
    assert assistant.id is not None
    return assistant.id


@pytest.fixture
def kb_id(session: Session, store: KnowledgeStore) -> int:
    """A knowledge base (default embedding, 400/60 chunking) for a fresh assistant."""
    info = create_knowledge_base(
        session=session,
        store=store,
        assistant_id=make_assistant(session),
        chunk_size=400,
        chunk_overlap=60,
    )
    return info.id
