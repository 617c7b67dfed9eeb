"""Alembic environment: runs on the connection `studio.core.schema` hands over (never a URL)."""

from __future__ import annotations

from alembic import context

from studio.core import models

config = context.config
target_metadata = models.SQLModel.metadata


def run_migrations() -> None:
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
