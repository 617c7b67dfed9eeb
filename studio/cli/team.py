"""Commands for the team: studio users for sign-in and the key that encrypts stored secrets."""

from __future__ import annotations

from typing import Annotated

import typer

from studio.access import keys, users
from studio.cli.common import app, database, run
from studio.core.db import session_scope
from studio.core.models import UserRole

users_app = typer.Typer(help="Studio users for sign-in (STUDIO_AUTH_MODE=password or oidc).")
app.add_typer(users_app, name="users")


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
    with database() as engine, session_scope(engine) as session:
        info = run(lambda: users.add_user(session=session, username=username, role=role,
                                          password=secret, display_name=name))  # fmt: skip
    typer.echo(f'Added "{info.username}" as {info.role.value}.')


@users_app.command("list")
def users_list() -> None:
    """List users with their role and whether they are active."""
    with database() as engine, session_scope(engine) as session:
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
    with database() as engine, session_scope(engine) as session:
        info = run(lambda: users.set_role(session=session, username=username, role=role))
    typer.echo(f'"{info.username}" is now {info.role.value}.')


@users_app.command("disable")
def users_disable(username: Annotated[str, typer.Argument(help="The user.")]) -> None:
    """Stop a user from signing in (their history and audit entries stay)."""
    with database() as engine, session_scope(engine) as session:
        info = run(lambda: users.set_active(session=session, username=username, active=False))
    typer.echo(f'"{info.username}" is disabled.')


@users_app.command("enable")
def users_enable(username: Annotated[str, typer.Argument(help="The user.")]) -> None:
    """Let a disabled or locked-out user sign in again."""
    with database() as engine, session_scope(engine) as session:
        info = run(lambda: users.set_active(session=session, username=username, active=True))
    typer.echo(f'"{info.username}" is enabled.')


@users_app.command("set-password")
def users_set_password(username: Annotated[str, typer.Argument(help="The user.")]) -> None:
    """Set a user's password (asked for, hidden)."""
    secret = _password(True) or ""
    with database() as engine, session_scope(engine) as session:
        info = run(lambda: users.set_password(session=session, username=username,
                                              password=secret))  # fmt: skip
    typer.echo(f'Password of "{info.username}" changed.')


@users_app.command("secret-key")
def users_secret_key() -> None:
    """Print a new STUDIO_SECRET_KEY (encrypts provider keys stored in Settings)."""
    typer.echo(keys.new_secret_key())
