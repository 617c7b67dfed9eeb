"""The studio's command line: ``python -m studio …`` (``--help`` on every command).

Every command works on the database and vector store the settings name (``STUDIO_*``), upgrades
the database first, and reports a user mistake as one line on stderr with a non-zero exit code:
1 for a failed action, 2 for invalid input (a bad file, an unknown option). Later capabilities
add their own command groups here.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import Engine

from studio.access import keys, users
from studio.access.roles import Actor, acting_as
from studio.core.config import get_settings
from studio.core.db import make_engine, session_scope
from studio.core.errors import ImportFailed, InvalidInput, StudioError
from studio.core.models import UserRole
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
users_app = typer.Typer(help="Studio users for sign-in (STUDIO_AUTH_MODE=password or oidc).")
app.add_typer(users_app, name="users")

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
    # Whoever can run the CLI can reach the database itself: they act as an admin, and the
    # audit log names them (cli:<login>).
    with acting_as(Actor(name=f"cli:{getpass.getuser()}"[:120], role=UserRole.ADMIN)):
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


# --------------------------------------------------------------------------- users


def _password(ask: bool) -> str | None:
    if not ask:
        return None
    # Prompted (hidden, twice), never an option: a password on the command line ends up in the
    # shell history and the process list.
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="User name (for OIDC: the e-mail address).")],
    role: Annotated[UserRole, typer.Option("--role", "-r", help="What they may do.")] = (
        UserRole.VIEWER
    ),
    password: Annotated[
        bool, typer.Option("--password/--no-password", help="Ask for a password (password mode).")
    ] = True,
    name: Annotated[str, typer.Option("--name", help="Display name.")] = "",
) -> None:
    """Add a user; asks for their password unless --no-password (identity-provider users)."""
    secret = _password(password)
    with _database() as engine, session_scope(engine) as session:
        info = run(lambda: users.add_user(session=session, username=username, role=role,
                                          password=secret, display_name=name))  # fmt: skip
    typer.echo(f'Added "{info.username}" as {info.role.value}.')


@users_app.command("list")
def users_list() -> None:
    """List users with their role and whether they are active."""
    with _database() as engine, session_scope(engine) as session:
        rows = run(lambda: users.list_users(session=session))
    if not rows:
        typer.echo("No users yet. Add the first admin: python -m studio users add NAME -r admin")
    for u in rows:
        state = "active" if u.is_active else "disabled"
        login = "password" if u.has_password else "identity provider"
        typer.echo(f"{u.username}\t{u.role.value}\t{state}\t{login}")


@users_app.command("set-role")
def users_set_role(
    username: Annotated[str, typer.Argument(help="The user.")],
    role: Annotated[UserRole, typer.Argument(help="viewer, editor or admin.")],
) -> None:
    """Give a user another role (the last active admin cannot lose it)."""
    with _database() as engine, session_scope(engine) as session:
        info = run(lambda: users.set_role(session=session, username=username, role=role))
    typer.echo(f'"{info.username}" is now {info.role.value}.')


@users_app.command("disable")
def users_disable(username: Annotated[str, typer.Argument(help="The user.")]) -> None:
    """Stop a user from signing in (their history and audit entries stay)."""
    with _database() as engine, session_scope(engine) as session:
        info = run(lambda: users.set_active(session=session, username=username, active=False))
    typer.echo(f'"{info.username}" is disabled.')


@users_app.command("enable")
def users_enable(username: Annotated[str, typer.Argument(help="The user.")]) -> None:
    """Let a disabled or locked-out user sign in again."""
    with _database() as engine, session_scope(engine) as session:
        info = run(lambda: users.set_active(session=session, username=username, active=True))
    typer.echo(f'"{info.username}" is enabled.')


@users_app.command("set-password")
def users_set_password(username: Annotated[str, typer.Argument(help="The user.")]) -> None:
    """Set a user's password (asked for, hidden)."""
    secret = _password(True) or ""
    with _database() as engine, session_scope(engine) as session:
        info = run(lambda: users.set_password(session=session, username=username,
                                              password=secret))  # fmt: skip
    typer.echo(f'Password of "{info.username}" changed.')


@users_app.command("secret-key")
def users_secret_key() -> None:
    """Print a new STUDIO_SECRET_KEY (encrypts provider keys stored in Settings)."""
    typer.echo(keys.new_secret_key())


def main() -> None:
    """Entry point of ``python -m studio``."""
    app(prog_name="python -m studio")
