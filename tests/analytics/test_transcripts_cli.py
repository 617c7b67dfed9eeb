"""`python -m studio transcripts import`: exit 0 with a summary, 2 on invalid input (nothing
imported), 1 for an unknown assistant; SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from studio.cli.main import app
from studio.core.config import get_settings
from studio.core.db import session_scope
from studio.core.models import ChatSession
from studio.design import assistants
from tests.analytics.transcript_files import CSV, VALID

runner = CliRunner()


@pytest.fixture
def shop(engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("STUDIO_DATABASE_URL", database_url)
    get_settings.cache_clear()
    with session_scope(engine) as session:
        assistants.create_assistant(session=session, name="Shop", company_name="Acme")
    return engine


def imported(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(ChatSession)).one())


def write(tmp_path: Path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def test_a_valid_file_imports_and_a_second_run_adds_nothing(shop: Engine, tmp_path: Path) -> None:
    file = write(tmp_path, "export.jsonl", VALID)
    first = runner.invoke(app, ["transcripts", "import", file, "--assistant", "shop"])
    assert first.exit_code == 0, first.output
    assert '"Shop": Imported 2 conversation(s) with 3 tagged user message(s).' in first.stdout
    second = runner.invoke(app, ["transcripts", "import", file, "--assistant", "Shop"])
    assert second.exit_code == 0 and "2 already imported before were skipped" in second.stdout
    assert imported(shop) == 2


def test_an_invalid_line_exits_2_and_imports_nothing(shop: Engine, tmp_path: Path) -> None:
    file = write(tmp_path, "export.jsonl", VALID + b"{oops\n")
    result = runner.invoke(app, ["transcripts", "import", file, "--assistant", "Shop"])
    assert result.exit_code == 2
    assert "1 line(s) of export.jsonl are invalid, so nothing was imported" in result.stderr
    assert "line 3: not valid JSON" in result.stderr and "--skip-invalid" in result.stderr
    assert imported(shop) == 0
    skipped = runner.invoke(
        app, ["transcripts", "import", file, "--assistant", "Shop", "--skip-invalid"]
    )
    assert skipped.exit_code == 0 and "skipped line 3: not valid JSON" in skipped.stderr
    assert imported(shop) == 2


@pytest.mark.parametrize(
    ("name", "content", "options", "message"),
    [
        ("export.xlsx", VALID, [], "not a transcript format"),
        ("export.csv", CSV, [], 'no column for conversation id → "conversation_id"'),
        ("export.jsonl", VALID, ["--timezone", "Nowhere/Land"], "not a time zone"),
        ("export.jsonl", VALID, ["--format", "yaml"], "Invalid value for '--format'"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(
    shop: Engine, tmp_path: Path, name: str, content: bytes, options: list[str], message: str
) -> None:
    file = write(tmp_path, name, content)
    result = runner.invoke(app, ["transcripts", "import", file, "--assistant", "Shop", *options])
    assert result.exit_code == 2 and message in result.stderr
    assert "Traceback" not in result.output
    assert imported(shop) == 0


def test_csv_columns_are_chosen_with_options(shop: Engine, tmp_path: Path) -> None:
    file = write(tmp_path, "export.csv", CSV)
    result = runner.invoke(
        app,
        [
            "transcripts",
            "import",
            file,
            "--assistant",
            "Shop",
            "--id-column",
            "conversation",
            "--role-column",
            "sender",
            "--content-column",
            "text",
            "--timestamp-column",
            "sent_at",
            "--timezone",
            "Europe/Paris",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Imported 2 conversation(s) with 3 tagged user message(s)" in result.stdout
    assert "3 timestamp(s) had no time zone; they were read as Europe/Paris." in result.stderr


def test_an_unknown_assistant_or_missing_file_fails_cleanly(shop: Engine, tmp_path: Path) -> None:
    file = write(tmp_path, "export.jsonl", VALID)
    unknown = runner.invoke(app, ["transcripts", "import", file, "--assistant", "Nobody"])
    assert unknown.exit_code == 1 and 'No assistant is called "Nobody"' in unknown.stderr
    missing = runner.invoke(
        app, ["transcripts", "import", str(tmp_path / "no.jsonl"), "-a", "Shop"]
    )
    assert missing.exit_code == 2 and "Cannot read" in missing.stderr
