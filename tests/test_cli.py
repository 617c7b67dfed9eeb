"""`python -m studio …`: what a person sees on the terminal and the exit codes scripts rely on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import Result
from typer.testing import CliRunner

from studio.cli import app
from studio.core.config import get_settings
from studio.core.db import make_engine, session_scope
from studio.core.schema import head_revision
from studio.design import assistants, exports, seeding
from studio.knowledge.bases import UploadedFile, create_knowledge_base, list_documents
from studio.knowledge.ingest import add_files
from studio.knowledge.store import open_store
from studio.startup import prepare_database
from tests.knowledge.files import MARKDOWN

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str) -> Result:
    result = CliRunner().invoke(app, list(args))
    # A user mistake exits with a code; anything else escaping is a bug (no traceback shown).
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.fixture
def seeded() -> int:
    """A studio database with the demo assistants; returns the online shop's id."""
    engine = prepare_database(get_settings().resolved_database_url, seed_demo=True)
    with session_scope(engine) as session:
        every = assistants.list_assistants(session=session)
    engine.dispose()
    return next(a.id for a in every if a.template == "ecommerce_support")


@pytest.mark.parametrize(
    "command",
    [[], ["db"], ["db", "upgrade"], ["db", "current"], ["export"], ["import"], ["reindex"]],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = cli(*command, "--help")
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_db_current_then_upgrade_then_current() -> None:
    first = cli("db", "current")
    assert first.exit_code == 0 and "empty" in first.output
    upgraded = cli("db", "upgrade")
    assert (
        upgraded.exit_code == 0 and f"upgraded from empty to {head_revision()}" in upgraded.output
    )
    again = cli("db", "upgrade")
    assert "already at" in again.output
    assert "up to date" in cli("db", "current").output


def test_an_unreachable_database_is_one_line_and_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_DATABASE_URL", "postgresql+psycopg://u:hidden@127.0.0.1:1/x")
    get_settings.cache_clear()
    result = cli("db", "current")
    assert result.exit_code == 1
    assert result.output.startswith("error: Cannot reach the database")
    assert "hidden" not in result.output and "Traceback" not in result.output


def test_export_prints_yaml_of_a_version_and_writes_files(seeded: int, tmp_path: Path) -> None:
    engine = make_engine(get_settings().resolved_database_url)
    with session_scope(engine) as session:
        name = assistants.get_assistant(session=session, assistant_id=seeded).name
    engine.dispose()
    result = cli("export", f"  {name.upper()} ", "--version", "1")  # by name, loosely typed
    assert result.exit_code == 0, result.output
    document = yaml.safe_load(result.stdout)
    assert document["format"] == exports.FORMAT_NAME and document["config"]["business"]

    target = tmp_path / "shop.json"
    written = cli("export", str(seeded), "--format", "json", "--output", str(target))
    assert written.exit_code == 0 and target.read_text().startswith("{")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "nobody"], 'No assistant is called "nobody"'),
        (["export", "1", "--version", "0"], 'give a version number (1, 2, …) or "draft"'),
        (["export", "1", "--format", "docx"], "docx"),
    ],
)
def test_export_mistakes_are_explained(seeded: int, args: list[str], message: str) -> None:
    result = cli(*args)
    assert result.exit_code in (1, 2)
    assert message in result.output
    assert "Traceback" not in result.output


def test_import_creates_a_copy_and_an_invalid_file_exits_2(seeded: int, tmp_path: Path) -> None:
    engine = make_engine(get_settings().resolved_database_url)
    with session_scope(engine) as session:
        file = exports.export_assistant(
            session=session, assistant_id=seeded, version=None, fmt="yaml"
        )
    good = tmp_path / file.filename
    good.write_text(file.content)
    result = cli("import", str(good))
    assert result.exit_code == 0 and "Imported" in result.output and "(2)" in result.output

    document = yaml.safe_load(file.content)
    document["config"]["persona"]["empathy"] = 300
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(document))
    rejected = cli("import", str(bad))
    assert rejected.exit_code == 2
    assert "config.persona.empathy" in rejected.output  # the field, as the page shows it
    with session_scope(engine) as session:
        assert len(assistants.list_assistants(session=session)) == 6  # 5 demos + 1 copy
    missing = cli("import", str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 2 and "Cannot read" in missing.output
    engine.dispose()


def test_reindex_rebuilds_the_knowledge_base(seeded: int) -> None:
    settings = get_settings()
    engine = make_engine(settings.resolved_database_url)
    store = open_store(settings)
    with session_scope(engine) as session:
        seeding.seed_demo_assistants(session=session)
        kb = create_knowledge_base(session=session, store=store, assistant_id=seeded)
        add_files(
            session=session,
            store=store,
            knowledge_base_id=kb.id,
            files=[UploadedFile("returns.md", MARKDOWN)],
        )
    result = cli("reindex", str(seeded))
    assert result.exit_code == 0, result.output
    assert "1 of 1 document(s) re-indexed" in result.output
    with session_scope(engine) as session:
        docs = list_documents(session=session, knowledge_base_id=kb.id)
    assert [d.status for d in docs] == ["ready"]
    no_kb = cli("reindex", str(seeded + 1))
    assert no_kb.exit_code == 1 and "has no knowledge base" in no_kb.output
    engine.dispose()


def test_python_dash_m_studio_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "studio", "db", "current"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "empty" in done.stdout or "head" in done.stdout
