"""Shared fixtures: every test runs in its own folder with its own SQLite file and Chroma dir."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from studio.config import get_settings
from studio.db import create_schema, make_engine, session_scope

ROOT = Path(__file__).resolve().parent.parent
HOME = str(ROOT / "Home.py")


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No developer `.env`, no real keys, data under tmp_path, caches cleared."""
    for key in list(os.environ):
        if key.startswith(("STUDIO_", "OPENAI_")):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    yield tmp_path
    get_settings.cache_clear()


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    """A fresh database. SQLite in tmp_path, or the PostgreSQL in STUDIO_TEST_DATABASE_URL."""
    engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    create_schema(engine)
    return engine


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """One unit of work against the fresh database (committed at the end of the test)."""
    with session_scope(engine) as session:
        yield session
