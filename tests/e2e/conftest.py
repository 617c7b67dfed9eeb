"""Driving the studio in Debian's Chromium: start a fresh studio server, find the browser."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def _free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def launch_studio(tmp_path: Path) -> Iterator[str]:
    """Start a studio on data dir tmp_path/data (kept if it exists); yield its URL."""
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
    try:
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def studio_url(tmp_path: Path) -> Iterator[str]:
    """A freshly started studio (its own data dir); nobody has opened its main page yet."""
    with launch_studio(tmp_path) as url:
        yield url
