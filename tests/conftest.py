"""Shared fixtures: every test runs in its own folder with its own SQLite file and Chroma dir."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from studio.core.config import get_settings
from studio.core.db import make_engine, session_scope
from studio.core.schema import upgrade_database
from tests.postgres import PostgresCluster, find_bin_dir, start_cluster

ROOT = Path(__file__).resolve().parent.parent
HOME = str(ROOT / "Home.py")


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for models derived on this machine, shared by the test workers of a run (the
    8-bit MiniLM is derived once, not once per test)."""
    return tmp_path_factory.getbasetemp().parent / "models"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model_cache: Path) -> Iterator[Path]:
    """No developer `.env`, no real keys, data under tmp_path, caches cleared."""
    for key in list(os.environ):
        if key.startswith(("STUDIO_", "OPENAI_")):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("STUDIO_MODEL_CACHE_DIR", str(model_cache))
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    yield tmp_path
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """A real PostgreSQL server on loopback for this test run (skipped if none is installed,
    unless STUDIO_REQUIRE_POSTGRES=1, as `tests/run` sets it, which makes that a failure)."""
    if find_bin_dir() is None and os.environ.get("STUDIO_REQUIRE_POSTGRES") != "1":
        pytest.skip("PostgreSQL is not installed here; `bash tests/run` installs it")
    cluster = start_cluster()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file in tmp_path, then a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    url = cluster.create_database()
    yield url
    cluster.drop_database(url)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per test worker; tests get copies of it."""
    path = tmp_path_factory.mktemp("schema") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_database(engine)
    engine.dispose()  # the last connection closing checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres: PostgresCluster) -> str:
    """The name of a PostgreSQL database migrated to head once per test worker."""
    url = postgres.create_database()
    engine = make_engine(url)
    upgrade_database(engine)
    engine.dispose()
    return url.rsplit("/", 1)[1]


@pytest.fixture
def engine(request: pytest.FixtureRequest, database_url: str) -> Iterator[Engine]:
    """An engine on a fresh database at the newest schema (SQLite and PostgreSQL). The schema is
    copied from a database migrated once per worker; tests/core/test_migrations.py migrates
    empty databases for real."""
    if database_url.startswith("sqlite:///"):
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, database_url.removeprefix("sqlite:///"))
    else:
        cluster: PostgresCluster = request.getfixturevalue("postgres")
        cluster.replace_with_copy(
            database_url, template=request.getfixturevalue("postgres_template")
        )
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """One unit of work against the fresh database (committed at the end of the test)."""
    with session_scope(engine) as session:
        yield session
