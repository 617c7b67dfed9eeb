"""The Typer app every command group joins, and how a command reports a user mistake."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn, TypeVar

import typer
from sqlalchemy.engine import Engine

from studio.access.roles import Actor, acting_as
from studio.core.config import get_settings
from studio.core.db import make_engine
from studio.core.errors import ImportFailed, InvalidInput, StudioError
from studio.core.models import UserRole
from studio.core.schema import upgrade_database

app = typer.Typer(
    name="studio",
    help="Assistant Studio from the command line: database, import/export, re-indexing, "
    "suites, transcripts, demo traffic.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # a bug's traceback must not print local values (keys)
)

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


def where(engine: Engine) -> str:
    """The database URL with its password hidden."""
    return engine.url.render_as_string(hide_password=True)


def cli_actor() -> Actor:
    """Who acts for a command: whoever can run the CLI can reach the database itself, so they
    act as an admin, and the audit log names them (cli:<login>)."""
    return Actor(name=f"cli:{getpass.getuser()}"[:120], role=UserRole.ADMIN)


@contextmanager
def database() -> Iterator[Engine]:
    """An engine on the database in force, upgraded to the newest schema, used as `cli_actor`."""
    engine = run(lambda: make_engine(get_settings().resolved_database_url))
    with acting_as(cli_actor()):
        try:
            run(lambda: upgrade_database(engine))
            yield engine
        finally:
            engine.dispose()


def version_number(value: str) -> int | None:
    """A version option: a number (1, 2, …) or "draft" (None)."""
    if value.strip().lower() == "draft":
        return None
    if not value.strip().isdigit() or int(value) < 1:
        raise typer.BadParameter('give a version number (1, 2, …) or "draft"')
    return int(value)
