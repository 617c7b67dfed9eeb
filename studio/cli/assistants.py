"""Commands for the database and for assistants: db upgrade/current, export, import, reindex."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from studio.cli.common import (
    EXIT_FAILED,
    app,
    database,
    fail,
    run,
    version_number,
    where,
)
from studio.core.config import get_settings
from studio.core.db import make_engine, session_scope
from studio.core.errors import InvalidInput, StudioError
from studio.core.schema import schema_status, upgrade_database
from studio.design import assistants, exports
from studio.knowledge import bases, ingest
from studio.knowledge.store import open_store

db_app = typer.Typer(help="The studio's database: upgrade it, see where it stands.")
app.add_typer(db_app, name="db")


# --------------------------------------------------------------------------- db


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database to the newest schema (creates it when empty; keeps every row)."""
    engine = run(lambda: make_engine(get_settings().resolved_database_url))
    try:
        before = run(lambda: schema_status(engine))
        after = run(lambda: upgrade_database(engine))
    finally:
        engine.dispose()
    if before.current == after.current and not before.unversioned:
        typer.echo(f"{where(engine)}: already at {after.current} (head).")
    else:
        start = "made before migrations" if before.unversioned else before.current or "empty"
        typer.echo(f"{where(engine)}: upgraded from {start} to {after.current} (head).")


@db_app.command("current")
def db_current() -> None:
    """Say which schema revision the database is at, and whether an upgrade is due."""
    engine = run(lambda: make_engine(get_settings().resolved_database_url))
    try:
        status = run(lambda: schema_status(engine))
    finally:
        engine.dispose()
    typer.echo(f"{where(engine)}: {status.describe()}")


# --------------------------------------------------------------------------- assistants


@app.command("export")
def export(
    assistant: Annotated[str, typer.Argument(help="The assistant's name or id.")],
    version: Annotated[
        str, typer.Option("--version", "-v", help='A version number, or "draft".')
    ] = "draft",
    fmt: Annotated[
        exports.ExportFormat, typer.Option("--format", "-f", help="File format.")
    ] = exports.ExportFormat.YAML,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
) -> None:
    """Export an assistant (a version or the draft) as YAML, JSON or a Python snippet."""
    number = version_number(version)
    with database() as engine, session_scope(engine) as session:
        found = run(lambda: assistants.find_assistant(session=session, reference=assistant))
        file = run(
            lambda: exports.export_assistant(
                session=session, assistant_id=found.id, version=number, fmt=fmt
            )
        )
    if output is None:
        sys.stdout.write(file.content)
        return
    output.write_text(file.content, encoding="utf-8")
    typer.echo(f'Exported "{found.name}" ({version}) to {output}.', err=True)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A YAML or JSON file exported by the studio.")],
) -> None:
    """Create a new assistant from an exported file (a used name gets a " (2)" suffix)."""
    try:
        content = file.read_bytes()
    except OSError as exc:
        fail(InvalidInput(f"Cannot read {file}: {exc.strerror or exc}."))
    with database() as engine, session_scope(engine) as session:
        detail = run(
            lambda: exports.import_assistant(
                session=session,
                content=content,
                filename=file.name,
                max_kb=get_settings().max_import_kb,
            )
        )
    typer.echo(f'Imported "{detail.name}" as assistant #{detail.id} (draft).')


@app.command("reindex")
def reindex(
    assistant: Annotated[str, typer.Argument(help="The assistant's name or id.")],
) -> None:
    """Rebuild the assistant's knowledge base from its kept originals, with a progress bar."""
    settings = get_settings()
    with database() as engine:
        store = run(lambda: open_store(settings))
        with session_scope(engine) as session:
            found = run(lambda: assistants.find_assistant(session=session, reference=assistant))
            kb = bases.get_knowledge_base(session=session, assistant_id=found.id)
            if kb is None:
                fail(StudioError(f'"{found.name}" has no knowledge base yet: upload documents.'))
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
            with Progress(*columns, TimeElapsedColumn(), transient=True) as bar:
                task = bar.add_task("Re-indexing", total=None)

                def on_progress(done: int, total: int, message: str) -> None:
                    bar.update(task, completed=done, total=total, description=message)

                outcomes = run(
                    lambda: ingest.reindex_all(
                        session=session,
                        store=store,
                        knowledge_base_id=kb.id,
                        on_progress=on_progress,
                    )
                )
    failed = [o for o in outcomes if o.outcome == "failed"]
    for outcome in failed:
        typer.echo(f"failed: {outcome.message}", err=True)
    indexed = len(outcomes) - len(failed)
    typer.echo(f'"{found.name}": {indexed} of {len(outcomes)} document(s) re-indexed.')
    if failed:
        raise typer.Exit(EXIT_FAILED)
