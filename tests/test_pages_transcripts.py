"""AppTest of the Import transcripts page (SQLite and PostgreSQL): per-line errors, a valid file
imports and says how many, importing again adds nothing, CSV column mapping, bad files."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from studio.core.config import get_settings
from studio.core.db import session_scope
from studio.core.models import ChatSession, Turn
from studio.design import assistants
from tests.analytics.transcript_files import CSV, VALID
from tests.conftest import HOME

PAGE = "pages/transcripts.py"


@pytest.fixture
def shop(engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("STUDIO_DATABASE_URL", database_url)
    monkeypatch.setenv("STUDIO_SEED_DEMO", "false")
    get_settings.cache_clear()
    with session_scope(engine) as session:
        return assistants.create_assistant(session=session, name="Shop", company_name="Acme").id


def open_page(assistant_id: int) -> AppTest:
    at = AppTest.from_file(HOME, default_timeout=60)
    at.session_state["selected_assistant_id"] = assistant_id
    at.query_params["assistant"] = str(assistant_id)
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception
    return at


def upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.file_uploader[0].set_value((name, content, "application/octet-stream"))
    at.run()
    assert not at.exception
    return at


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    at.run()
    assert not at.exception
    return at


def counts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        sessions = session.exec(select(func.count()).select_from(ChatSession)).one()
        return int(sessions), int(session.exec(select(func.count()).select_from(Turn)).one())


def test_the_page_explains_the_formats_before_a_file_is_chosen(shop: int) -> None:
    at = open_page(shop)
    assert at.title[0].value == "Import transcripts"
    assert "JSONL" in at.caption[0].value and "Shop" in at.caption[0].value
    assert not at.button  # nothing to press without a file


def test_a_valid_file_imports_and_says_how_many(shop: int, engine: Engine) -> None:
    at = upload(open_page(shop), "export.jsonl", VALID)
    at = click(at, "Check file")
    assert at.success[0].value == "All 2 conversation(s) are valid and ready to import."
    assert counts(engine) == (0, 0)  # a check writes nothing
    at = click(at, "Import")
    assert at.success[0].value == "Imported 2 conversation(s) with 3 tagged user message(s)."
    assert "30 Nov 2026 09:00 (UTC)" in at.caption[-1].value
    assert counts(engine) == (2, 3)
    at = click(at, "Import")
    assert "2 already imported before were skipped" in at.success[0].value
    assert "already imported" in at.info[0].value
    assert counts(engine) == (2, 3)


def test_invalid_lines_are_listed_and_nothing_is_imported(shop: int, engine: Engine) -> None:
    content = (
        VALID + b"{oops\n" + b'{"id": "q", "messages": [{"role": "assistant", "content": "hi"}]}\n'
    )
    at = upload(open_page(shop), "export.jsonl", content)
    at = click(at, "Import")
    assert "2 line(s) of export.jsonl are invalid, so nothing was imported" in at.error[0].value
    table = at.dataframe[0].value
    assert list(table["Line"]) == [3, 4]
    assert "not valid JSON" in table["Problem"][0] and "no user message" in table["Problem"][1]
    # Long problems wrap inside their row (Streamlit wraps text in rows taller than 4rem) and the
    # Problem column takes the width the line numbers do not need; before, they were cut off.
    shown = at.dataframe[0].proto
    assert shown.row_height > 64
    widths = {name: json.loads(shown.columns)[name]["width"] for name in ("Line", "Problem")}
    assert widths["Line"] < 100 < widths["Problem"]
    assert counts(engine) == (0, 0)
    at.checkbox[0].check()
    at = click(at, "Import")
    assert "2 invalid line(s) were left out" in at.success[0].value
    assert list(at.dataframe[0].value["Line"]) == [3, 4]
    assert counts(engine) == (2, 3)


def test_a_csv_file_is_mapped_by_guessing_its_columns(shop: int, engine: Engine) -> None:
    at = upload(open_page(shop), "export.csv", CSV)
    assert [s.value for s in at.selectbox][-4:] == ["conversation", "sender", "text", "sent_at"]
    zone = next(s for s in at.selectbox if s.label.startswith("Timestamps without"))
    zone.set_value("Europe/Paris")
    at = click(at, "Import")
    assert at.success[0].value == "Imported 2 conversation(s) with 3 tagged user message(s)."
    assert "3 timestamp(s) had no time zone; they were read as Europe/Paris." in at.info[0].value
    assert counts(engine) == (2, 3)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("export.xlsx", VALID, "not a transcript format"),
        ("export.jsonl", b"\x00\x00binary", "binary"),
        ("export.csv", b"", "no header row"),
    ],
)
def test_a_bad_file_gets_a_clear_message(
    shop: int, name: str, content: bytes, message: str
) -> None:
    at = upload(open_page(shop), name, content)
    if not at.error:
        at = click(at, "Import")
    assert message in at.error[0].value
