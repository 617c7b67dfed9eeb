"""`python -m studio users …`: add (password asked, hidden), list, set-role, disable; mistakes
are one line on stderr with a non-zero exit; the audit log names the CLI user."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from studio.access import audit, users
from studio.cli.main import app
from studio.core.config import get_settings
from studio.core.db import make_engine, session_scope


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("STUDIO_DATABASE_URL", database_url)
    monkeypatch.setenv("STUDIO_SEED_DEMO", "false")
    get_settings.cache_clear()
    return CliRunner()


def test_add_list_set_role_and_disable(cli: CliRunner) -> None:
    added = cli.invoke(
        app,
        ["users", "add", "Alice", "--role", "admin"],
        input="a long password\na long password\n",
    )
    assert added.exit_code == 0, added.output
    assert 'Added "alice" as admin.' in added.output
    assert "a long password" not in added.output
    assert cli.invoke(app, ["users", "add", "bob@example.com", "--no-password"]).exit_code == 0
    listed = cli.invoke(app, ["users", "list"])
    assert listed.output.splitlines() == [
        "alice\tadmin\tactive\tpassword",
        "bob@example.com\tviewer\tactive\tidentity provider",
    ]
    assert cli.invoke(app, ["users", "set-role", "bob@example.com", "editor"]).exit_code == 0
    assert cli.invoke(app, ["users", "disable", "bob@example.com"]).exit_code == 0
    engine = make_engine(get_settings().resolved_database_url)
    with session_scope(engine) as s:
        info = {u.username: u for u in users.list_users(session=s)}
        entries = audit.list_entries(session=s)
    assert (info["bob@example.com"].role.value, info["bob@example.com"].is_active) == (
        "editor",
        False,
    )
    assert {e.actor for e in entries} == {e.actor for e in entries if e.actor.startswith("cli:")}
    assert len(entries) == 4


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["users", "set-role", "nobody", "admin"], 'No studio user is called "nobody"', 1),
        (["users", "add", "xavier"], "too short", 2),
        (["users", "set-role", "alice", "boss"], "", 2),  # not a role: Typer's own usage error
    ],
)
def test_mistakes_are_one_clear_line(
    cli: CliRunner, args: list[str], message: str, code: int
) -> None:
    result = cli.invoke(app, args, input="short\nshort\n")
    assert result.exit_code == code
    assert message in result.output
    assert "Traceback" not in result.output
