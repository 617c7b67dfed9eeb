"""In a real browser: a shared link opened first after a server start shows the studio itself."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def _free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def studio_url(tmp_path: Path) -> Iterator[str]:
    """A freshly started studio (its own data dir); nobody has opened its main page yet."""
    if not CHROMIUM and os.environ.get("STUDIO_REQUIRE_BROWSER") != "1":
        pytest.skip("Chromium is not installed; `bash tests/run` installs it")
    port = _free_port()
    env = {**os.environ, "STUDIO_DATA_DIR": str(tmp_path / "data")}
    log = (tmp_path / "streamlit.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "Home.py"),
         "--server.headless", "true", "--server.port", str(port),
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("the studio did not start: " + (tmp_path / "streamlit.log").read_text())
            time.sleep(0.3)
    yield url
    server.terminate()
    server.wait(timeout=10)


def test_a_deep_link_opened_first_shows_the_studio_navigation_and_assistant(
    studio_url: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page()
        page.goto(f"{studio_url}/tools?assistant=2")
        nav = page.locator('[data-testid="stSidebarNav"]')
        expect(nav.get_by_text("Business requirements")).to_be_visible(timeout=30_000)
        expect(page.get_by_role("heading", name="Tools")).to_be_visible()
        picker = page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Assistant")
        expect(picker).to_have_value(re.compile("Cloudline"), timeout=30_000)
        assert "assistant=2" in page.url
        browser.close()
