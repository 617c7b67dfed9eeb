"""The database schema, kept by Alembic: upgrade to head on start, say where a database stands.

A database made before migrations existed (tables, no ``alembic_version``) is recognised and
stamped as the baseline, then upgraded, so every row it holds is kept. Two studio processes
starting together do not both migrate: the upgrade holds a lock (an advisory lock on PostgreSQL,
a lock file next to the SQLite file).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock, Timeout
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from studio.core.errors import StudioError

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001_baseline"
"""The schema of the last release made without migrations (what `create_all` built)."""
BASELINE_TABLES = frozenset({"assistant", "assistantversion", "chatsession", "turn"})
LOCK_TIMEOUT_S = 120.0
_PG_LOCK_KEY = 0x5354_5544_494F  # "STUDIO": one advisory lock id for schema changes


class SchemaError(StudioError):
    """The database cannot be brought to the schema this version of the studio needs."""


@dataclass(frozen=True)
class SchemaStatus:
    """Where a database stands against this code's migrations."""

    current: str | None  # None: no schema yet (or one made before migrations, see `unversioned`)
    head: str
    unversioned: bool = False  # tables from before migrations, not stamped yet

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    def describe(self) -> str:
        """One line for a person: where the database is and what `db upgrade` would do."""
        if self.unversioned:
            return (
                f"made before migrations (baseline {BASELINE}); `db upgrade` stamps it and "
                f"upgrades to {self.head}"
            )
        if self.current is None:
            return f"empty; `db upgrade` creates the schema ({self.head})"
        if self.up_to_date:
            return f"{self.current} (head, up to date)"
        return f"{self.current}; `db upgrade` brings it to {self.head}"


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision this code knows."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "studio/core/migrations has no revision"
    return head


def _where(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _status(connection: Connection, where: str) -> SchemaStatus:
    current = MigrationContext.configure(connection).get_current_revision()
    head = head_revision()
    if current is None:
        tables = set(inspect(connection).get_table_names())
        return SchemaStatus(current=None, head=head, unversioned=tables >= BASELINE_TABLES)
    known = ScriptDirectory.from_config(_config())
    try:
        known.get_revision(current)
    except Exception as exc:  # alembic raises its own CommandError/ResolutionError family
        raise SchemaError(
            f"The database ({where}) was migrated by a newer version of the studio "
            f"(revision {current!r}, this version knows up to {head!r}). Upgrade the studio "
            "to the version that made it, or point STUDIO_DATABASE_URL at another database."
        ) from exc
    return SchemaStatus(current=current, head=head)


def schema_status(engine: Engine) -> SchemaStatus:
    """Where `engine`'s database stands. Raises SchemaError if it is newer than this code or
    cannot be reached."""
    try:
        with engine.connect() as connection:
            return _status(connection, _where(engine))
    except OperationalError as exc:
        raise _unreachable(engine, exc) from exc


def _unreachable(engine: Engine, exc: OperationalError) -> SchemaError:
    return SchemaError(
        f"Cannot reach the database ({_where(engine)}): {exc.orig}. "
        "Check STUDIO_DATABASE_URL and that the server is running."
    )


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    """A connection that holds the schema lock for as long as the block runs."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _PG_LOCK_KEY})
            connection.commit()
            try:
                yield connection
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_LOCK_KEY})
                connection.commit()
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        with engine.connect() as connection:
            yield connection
        return
    lock = FileLock(f"{database}.migrate.lock", timeout=LOCK_TIMEOUT_S)
    try:
        with lock, engine.connect() as connection:
            yield connection
    except Timeout as exc:
        raise SchemaError(
            f"Another studio process has been upgrading {database} for over "
            f"{LOCK_TIMEOUT_S:.0f} s. If none is running, delete {lock.lock_file} and start again."
        ) from exc


def upgrade_database(engine: Engine) -> SchemaStatus:
    """Bring the database to the newest schema (creating it when empty); keeps every row.

    Raises SchemaError if the database is newer than this code, unreachable, or a migration
    fails (then nothing of that migration is applied).
    """
    try:
        with _migration_lock(engine) as connection:
            where = _where(engine)
            status = _status(connection, where)
            config = _config(connection)
            if status.unversioned:
                logger.info("Stamping a database made before migrations as %s", BASELINE)
                command.stamp(config, BASELINE)
                connection.commit()
            if not _status(connection, where).up_to_date:
                command.upgrade(config, "head")
                connection.commit()
            return _status(connection, where)
    except OperationalError as exc:
        raise _unreachable(engine, exc) from exc
    except SQLAlchemyError as exc:
        raise SchemaError(
            f"Upgrading the database ({_where(engine)}) failed: {exc}. Nothing of the failed "
            "step was applied; restore a backup or report this."
        ) from exc
