"""Database engine and sessions for SQLite (default) or PostgreSQL (schema: `core.schema`)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlmodel import Session, create_engine

from studio.core import models  # noqa: F401  (registers every table on SQLModel.metadata)
from studio.core.errors import StudioError

T = TypeVar("T")


BUSY_TIMEOUT_S = 30.0  # how long a SQLite writer waits for another one before "locked"
WRITE_ATTEMPTS = 5  # a write that still finds the database locked is tried this many times
IMMEDIATE = "studio_begin_immediate"  # execution option: take SQLite's write lock at BEGIN


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # A deferred transaction that has read, then writes, cannot wait for the write lock: SQLite
    # answers "database is locked" at once when another writer committed meanwhile (the busy
    # timeout does not apply). Units of work that read then write take the lock up front
    # (`write_scope`); the others keep the driver's own BEGIN, issued before the first write.
    if connection.get_execution_options().get(IMMEDIATE, False):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for `url`; creates the SQLite file's folder. Raises StudioError if unusable."""
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(
                url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S}
            )
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
            return engine
        return create_engine(url, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise StudioError(
            f"The database URL {url!r} is not valid. Set STUDIO_DATABASE_URL to e.g. "
            "sqlite:///data/studio.db or postgresql+psycopg://user:pass@host/db."
        ) from exc


def is_locked(error: BaseException) -> bool:
    """Whether a database error means "another writer holds the lock; try again shortly"."""
    text = str(getattr(error, "orig", error)).lower()
    return isinstance(error, OperationalError) and (
        "database is locked" in text or "database table is locked" in text or "busy" in text
    )


@contextmanager
def write_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work that reads, then writes: on SQLite it takes the write lock when it begins
    (BEGIN IMMEDIATE, waiting up to the busy timeout), so it never fails half-way on "locked".
    Keep it short. Commits on success, rolls back everything on any error."""
    with session_scope(engine.execution_options(**{IMMEDIATE: True})) as session:
        yield session


def retry_locked(work: Callable[[], T], *, attempts: int = WRITE_ATTEMPTS) -> T:
    """Run `work` (one whole unit of work), again after a short pause while the database reports
    it locked, at most `attempts` times. Re-raises the last error."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except OperationalError as exc:
            if attempt == attempts or not is_locked(exc):
                raise
            time.sleep(
                random.uniform(0.02, 0.1) * 2**attempt
            )  # jitter: writers do not collide again
    raise AssertionError("unreachable")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back everything on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
