"""The studio's command line: ``python -m studio …`` (``--help`` on every command).

Every command works on the database and vector store the settings name (``STUDIO_*``), upgrades
the database first, and reports a user mistake as one line on stderr with a non-zero exit code:
1 for a failed action, 2 for invalid input (a bad file, an unknown option). Later capabilities
add their own command groups here.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import Engine

from studio.analytics import transcripts
from studio.analytics.transcript_formats import CsvColumns, TranscriptFormat
from studio.core.config import get_settings
from studio.core.db import make_engine, session_scope
from studio.core.errors import ImportFailed, InvalidInput, StudioError
from studio.core.schema import schema_status, upgrade_database
from studio.design import assistants, exports
from studio.knowledge import bases, ingest
from studio.knowledge.store import open_store

app = typer.Typer(
    name="studio",
    help="Assistant Studio from the command line: database, import/export, re-indexing.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # a bug's traceback must not print local values (keys)
)
db_app = typer.Typer(help="The studio's database: upgrade it, see where it stands.")
app.add_typer(db_app, name="db")
transcripts_app = typer.Typer(help="Production transcripts: import them to analyse them.")
app.add_typer(transcripts_app, name="transcripts")

T = TypeVar("T")
EXIT_FAILED, EXIT_INVALID = 1, 2


def fail(error: StudioError) -> NoReturn:
    """Print `error` for a person (field problems one per line) and exit non-zero."""
    typer.echo(f"error: {error.message}", err=True)
    for problem in error.problems:
        typer.echo(f"  - {problem}", err=True)
    code = EXIT_INVALID if isinstance(error, InvalidInput | ImportFailed) else EXIT_FAILED
    raise typer.Exit(code)


def run(action: Callable[[], T]) -> T:
    """Run `action`, turning a StudioError into a clean exit."""
    try:
        return action()
    except StudioError as error:
        fail(error)


def _where(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


@contextmanager
def _database() -> Iterator[Engine]:
    engine = run(lambda: make_engine(get_settings().resolved_database_url))
    try:
        run(lambda: upgrade_database(engine))
        yield engine
    finally:
        engine.dispose()


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
        typer.echo(f"{_where(engine)}: already at {after.current} (head).")
    else:
        start = "made before migrations" if before.unversioned else before.current or "empty"
        typer.echo(f"{_where(engine)}: upgraded from {start} to {after.current} (head).")


@db_app.command("current")
def db_current() -> None:
    """Say which schema revision the database is at, and whether an upgrade is due."""
    engine = run(lambda: make_engine(get_settings().resolved_database_url))
    try:
        status = run(lambda: schema_status(engine))
    finally:
        engine.dispose()
    typer.echo(f"{_where(engine)}: {status.describe()}")


# --------------------------------------------------------------------------- assistants


def _version(value: str) -> int | None:
    if value.strip().lower() == "draft":
        return None
    if not value.strip().isdigit() or int(value) < 1:
        raise typer.BadParameter('give a version number (1, 2, …) or "draft"')
    return int(value)


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
    number = _version(version)
    with _database() as engine, session_scope(engine) as session:
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
    with _database() as engine, session_scope(engine) as session:
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
    with _database() as engine:
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


# --------------------------------------------------------------------------- transcripts


@transcripts_app.command("import")
def transcripts_import(
    file: Annotated[Path, typer.Argument(help="JSONL (one conversation per line) or CSV.")],
    assistant: Annotated[
        str, typer.Option("--assistant", "-a", help="The assistant's name or id.")
    ],
    fmt: Annotated[
        TranscriptFormat | None,
        typer.Option("--format", "-f", help="File format (default: from the file name)."),
    ] = None,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid", help="Import the valid lines and list the others (default: none)."
        ),
    ] = False,
    timezone: Annotated[
        str, typer.Option("--timezone", help="Time zone of timestamps that name none.")
    ] = "UTC",
    id_column: Annotated[
        str, typer.Option(help="CSV: conversation id column.")
    ] = "conversation_id",
    role_column: Annotated[str, typer.Option(help="CSV: role column.")] = "role",
    content_column: Annotated[str, typer.Option(help="CSV: message text column.")] = "content",
    timestamp_column: Annotated[
        str, typer.Option(help='CSV: timestamp column ("" if there is none).')
    ] = "timestamp",
) -> None:
    """Import production transcripts for an assistant (source "import"), tagged like live turns.

    All or nothing: one invalid line and nothing is imported (exit 2), unless --skip-invalid.
    Importing the same file again adds nothing.
    """
    try:
        content = file.read_bytes()
    except OSError as exc:
        fail(InvalidInput(f"Cannot read {file}: {exc.strerror or exc}."))
    columns = CsvColumns(
        conversation_id=id_column, role=role_column, content=content_column,
        timestamp=timestamp_column or None,
    )  # fmt: skip
    mode = (
        transcripts.ImportMode.VALID_LINES
        if skip_invalid
        else transcripts.ImportMode.ALL_OR_NOTHING
    )
    with _database() as engine, session_scope(engine) as session:
        found = run(lambda: assistants.find_assistant(session=session, reference=assistant))
        bar_columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(*bar_columns, TimeElapsedColumn(), transient=True) as bar:
            task = bar.add_task("Importing", total=None)

            def on_progress(done: int, total: int, message: str) -> None:
                bar.update(task, completed=done, total=total, description=message)

            try:
                result = transcripts.import_transcripts(
                    session=session, assistant_id=found.id, content=content, filename=file.name,
                    fmt=fmt, columns=columns, mode=mode, assume_timezone=timezone,
                    on_progress=on_progress,
                )  # fmt: skip
            except transcripts.TranscriptInvalid as invalid:
                bar.stop()
                typer.echo("hint: --skip-invalid imports the valid lines only.", err=True)
                fail(invalid)
            except StudioError as problem:
                fail(problem)
    for line_error in result.errors[:50]:
        typer.echo(f"skipped line {line_error.line}: {line_error.message}", err=True)
    if result.error_count > 50:
        typer.echo(f"… and {result.error_count - 50:,} more invalid line(s)", err=True)
    for note in result.assumptions:
        typer.echo(f"note: {note}", err=True)
    typer.echo(f'"{found.name}": {result.summary}')


def main() -> None:
    """Entry point of ``python -m studio``."""
    app(prog_name="python -m studio")
