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

from studio.analytics import traffic, transcripts
from studio.analytics.transcript_formats import CsvColumns, TranscriptFormat
from studio.chat.protocol import ChatBackend
from studio.chat.providers import make_backend
from studio.chat.simulator import SimulatorBackend
from studio.compare import gate, suites, variants
from studio.compare import junit as suite_junit
from studio.compare import runs as suite_runs
from studio.core.config import get_settings
from studio.core.db import make_engine, session_scope
from studio.core.errors import ImportFailed, InvalidInput, StudioError
from studio.core.schema import schema_status, upgrade_database
from studio.design import assistants, exports, seeding
from studio.knowledge import bases, ingest
from studio.knowledge.store import open_store

app = typer.Typer(
    name="studio",
    help="Assistant Studio from the command line: database, import/export, re-indexing, suites.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # a bug's traceback must not print local values (keys)
)
db_app = typer.Typer(help="The studio's database: upgrade it, see where it stands.")
app.add_typer(db_app, name="db")
traffic_app = typer.Typer(help="Demo traffic for the Analytics page (marked demo).")
app.add_typer(traffic_app, name="traffic")
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


# --------------------------------------------------------------------------- suites

suite_app = typer.Typer(help="Test suites: list, run (with the publish gate), export, import.")
app.add_typer(suite_app, name="suite")
EXIT_GATE = 3  # the suite ran, and the gate says the version must not be published


@suite_app.command("list")
def suite_list(
    assistant: Annotated[str, typer.Argument(help="The assistant's name or id.")],
) -> None:
    """List the assistant's suites with their case counts."""
    with _database() as engine, session_scope(engine) as session:
        found = run(lambda: assistants.find_assistant(session=session, reference=assistant))
        items = suites.list_suites(session=session, assistant_id=found.id)
    if not items:
        typer.echo(f'"{found.name}" has no suites yet.', err=True)
    for item in items:
        typer.echo(f"{item.name}\t{item.case_count} case(s)")


def _suite_backend() -> ChatBackend:
    settings = get_settings()
    if not settings.llm_base_url:
        return SimulatorBackend()
    return run(
        lambda: make_backend(
            preset="custom",
            base_url=settings.llm_base_url,
            max_retries=settings.llm_max_retries,
            request_timeout_s=settings.llm_timeout_s,
        )
    )


@suite_app.command("run")
def suite_run(
    assistant: Annotated[str, typer.Argument(help="The assistant's name or id.")],
    suite: Annotated[str, typer.Option("--suite", "-s", help="The suite's name.")],
    version: Annotated[
        str, typer.Option("--version", "-v", help='A version number, or "draft".')
    ] = "draft",
    against: Annotated[
        str | None, typer.Option("--against", help='"published": also run the published version.')
    ] = None,
    junit: Annotated[
        Path | None, typer.Option("--junit", help="Write the results as JUnit XML to this file.")
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=16, help="Cases at a time.")] = 4,
) -> None:
    """Run a suite on a version (or the draft); exit 3 when the publish gate fails.

    The gate is the assistant's (Prompt & versions); without one, every case must pass and no
    case that passes on the published version may fail.
    """
    number = _version(version)
    if against not in (None, "published"):
        fail(InvalidInput('--against takes "published" (the version customers see).'))
    settings = get_settings()
    backend = _suite_backend()
    with _database() as engine:
        store = run(lambda: open_store(settings))
        with session_scope(engine) as session:
            found = run(lambda: assistants.find_assistant(session=session, reference=assistant))
            detail = run(
                lambda: suites.find_suite(session=session, assistant_id=found.id, name=suite)
            )
            specs = [variants.VariantSpec(assistant_id=found.id, version=number)]
            if against == "published":
                if found.published_version is None:
                    fail(StudioError(f'"{found.name}" has no published version to compare with.'))
                specs.append(
                    variants.VariantSpec(assistant_id=found.id, version=found.published_version)
                )
            try:
                chosen = [variants.resolve_variant(session=session, spec=s) for s in specs]
            except StudioError as error:
                fail(error)
            gate_settings = gate.get_gate(session=session, assistant_id=found.id)
        if not gate_settings.enabled:
            gate_settings = gate.GateSettings(enabled=True, min_pass_rate=100.0)
        done = run(
            lambda: suite_runs.run_suite(
                engine=engine,
                backend=backend,
                suite=detail,
                variants=chosen,
                store=store,
                concurrency=concurrency,
                model=settings.llm_model,
            )
        )
    for result in done:
        rate = "n/a" if result.pass_rate is None else f"{result.pass_rate:.0f}%"
        typer.echo(
            f"{result.variant_label}: {result.passed}/{result.total_cases} passed ({rate}), "
            f"{result.failed} failed, {result.errored} error(s)"
        )
        for outcome in result.results:
            if outcome.outcome != "passed":
                typer.echo(f"  {outcome.outcome.upper()} {outcome.case_name}: {outcome.reason}")
    if junit is not None:
        junit.write_text(suite_junit.runs_junit(done, suite_name=detail.name), encoding="utf-8")
    verdict = gate.judge(done[0], done[1] if len(done) > 1 else None, gate_settings)
    if not verdict.passed:
        typer.echo("gate failed: " + "; ".join(verdict.reasons), err=True)
        raise typer.Exit(EXIT_GATE)
    typer.echo("gate passed")


@suite_app.command("export")
def suite_export(
    assistant: Annotated[str, typer.Argument(help="The assistant's name or id.")],
    suite: Annotated[str, typer.Option("--suite", "-s", help="The suite's name.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
    ] = None,
) -> None:
    """Export a suite as YAML."""
    with _database() as engine, session_scope(engine) as session:
        found = run(lambda: assistants.find_assistant(session=session, reference=assistant))
        detail = run(lambda: suites.find_suite(session=session, assistant_id=found.id, name=suite))
    text = suites.suite_yaml(detail)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


@suite_app.command("import")
def suite_import(
    assistant: Annotated[str, typer.Argument(help="The assistant's name or id.")],
    file: Annotated[Path, typer.Argument(help="A suite YAML file.")],
) -> None:
    """Create a suite from YAML (checked against the assistant's draft)."""
    try:
        content = file.read_bytes()
    except OSError as exc:
        fail(InvalidInput(f"Cannot read {file}: {exc.strerror or exc}."))
    parsed = run(lambda: suites.parse_suite_yaml(content))
    with _database() as engine, session_scope(engine) as session:
        found = run(lambda: assistants.find_assistant(session=session, reference=assistant))
        draft = assistants.get_assistant(session=session, assistant_id=found.id).draft
        saved = run(
            lambda: suites.save_suite(
                session=session,
                assistant_id=found.id,
                name=parsed.name,
                description=parsed.description,
                cases=parsed.cases,
                config=draft,
            )
        )
    typer.echo(f'Imported suite "{saved.name}" ({saved.case_count} case(s)).')


# --------------------------------------------------------------------------- analytics


@traffic_app.command("generate")
def traffic_generate(
    turns: Annotated[int, typer.Option("--turns", "-n", help="How many turns to add.")] = 3000,
    days: Annotated[int, typer.Option("--days", help="Spread them over the last N days.")] = 60,
    assistant: Annotated[
        list[str] | None,
        typer.Option("--assistant", "-a", help="An assistant's name or id (default: the demos)."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same traffic.")] = 13,
) -> None:
    """Add realistic demo sessions (source "demo"; the Analytics page hides them with one click)."""
    with _database() as engine, session_scope(engine) as session:
        if get_settings().seed_demo:
            seeding.seed_demo_assistants(session=session)  # as the app's first start would
        ids: list[int] = []
        for ref in assistant or []:
            try:
                ids.append(assistants.find_assistant(session=session, reference=ref).id)
            except StudioError as error:
                fail(error)
        with Progress(
            TextColumn("Generating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            transient=True,
        ) as bar:  # fmt: skip
            task = bar.add_task("turns", total=turns)
            made = run(
                lambda: traffic.generate_traffic(
                    session=session,
                    turns=turns,
                    days=days,
                    seed=seed,
                    assistant_ids=ids or None,
                    on_progress=lambda done, total: bar.update(task, completed=done, total=total),
                )
            )
    typer.echo(
        f"Added {made.turns:,} demo turns in {made.sessions:,} sessions "
        f"({made.feedback:,} with feedback) for {len(made.assistants)} assistant(s)."
    )


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
