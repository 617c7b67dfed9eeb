"""In a real browser: names and messages holding image URLs make no request to those URLs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from studio.core.config import get_settings
from studio.core.db import session_scope
from studio.design import assistants, drafts
from studio.startup import prepare_database
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, launch_studio

pytestmark = pytest.mark.e2e


class Listener:
    """A loopback HTTP server that records every request made to it."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                listener.paths.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def _seed_hostile_assistant(listener: Listener) -> int:
    """Before the studio starts: an assistant whose names hold images served by `listener`."""
    engine = prepare_database(get_settings().resolved_database_url, seed_demo=True)
    with session_scope(engine) as session:
        detail = assistants.create_assistant(
            session=session,
            name=f"Leaky ![n]({listener.url}/name.png)",
            company_name=f"Acme ![c]({listener.url}/company.png)",
        )
        persona = detail.draft.persona.model_dump(mode="json")
        drafts.update_draft_section(
            session=session, assistant_id=detail.id, section="persona",
            data=persona | {"name": f"Ava ![p]({listener.url}/persona.png)"},
        )  # fmt: skip
        retrieval = detail.draft.retrieval.model_dump(mode="json") | {"enabled": False}
        drafts.update_draft_section(
            session=session, assistant_id=detail.id, section="retrieval", data=retrieval
        )
    engine.dispose()
    return detail.id


def test_no_request_reaches_a_listener_named_in_names_or_messages(
    tmp_path: Path, listener: Listener
) -> None:
    from playwright.sync_api import expect, sync_playwright

    assistant_id = _seed_hostile_assistant(listener)
    with launch_studio(tmp_path) as studio, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page()
        page.goto(f"{studio}/?assistant={assistant_id}")
        main = page.get_by_role("main")
        expect(main.get_by_role("heading", name="Selected assistant")).to_be_visible(
            timeout=30_000
        )  # the manage panel shows the name in Markdown
        page.goto(f"{studio}/preview?assistant={assistant_id}")
        box = page.get_by_test_id("stChatInputTextArea")
        expect(box).to_be_visible(timeout=30_000)  # the caption shows persona and company
        box.fill(f"Hello ![m]({listener.url}/message.png)")
        box.press("Enter")
        expect(page.get_by_test_id("stChatMessage")).to_have_count(2, timeout=30_000)
        page.wait_for_timeout(2_000)  # time for any image request to arrive
        assert listener.paths == []  # must not happen: the browser fetching a named URL
        # What the user sees instead: a link naming the host.
        expect(main.get_by_role("link", name="🖼 m (127.0.0.1)")).to_be_visible()
        browser.close()
