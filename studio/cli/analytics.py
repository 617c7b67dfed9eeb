"""Commands for analytics: import production transcripts, generate demo traffic."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from studio.analytics import traffic, transcripts
from studio.analytics.transcript_formats import CsvColumns, TranscriptFormat
from studio.cli.common import app, database, fail, run
from studio.core.config import get_settings
from studio.core.db import session_scope
from studio.core.errors import InvalidInput, StudioError
from studio.design import assistants, seeding

transcripts_app = typer.Typer(help="Production transcripts: import them to analyse them.")
app.add_typer(transcripts_app, name="transcripts")
traffic_app = typer.Typer(help="Demo traffic for the Analytics page (marked demo).")
app.add_typer(traffic_app, name="traffic")


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
    with database() as engine, session_scope(engine) as session:
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
    with database() as engine, session_scope(engine) as session:
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
