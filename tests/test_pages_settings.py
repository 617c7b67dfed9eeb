"""Settings page: provider status and the editable price table."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from studio.chat import pricing
from studio.core.config import get_settings
from studio.core.db import make_engine, session_scope
from tests.conftest import HOME


def open_settings() -> AppTest:
    at = AppTest.from_file(HOME, default_timeout=30)
    at.run()
    at.switch_page("pages/settings.py")
    at.run()
    assert not at.exception
    return at


def test_smoke_shows_status_without_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-very-secret")
    at = open_settings()
    page = "\n".join(m.value for m in at.markdown)
    assert "set in the environment" in page and "sk-very-secret" not in page
    assert "gpt-4o-mini" in at.dataframe[0].value["Model"].tolist()


def test_set_and_remove_a_price() -> None:
    at = open_settings()
    at.text_input[0].input("llama3.1:8b")
    at.number_input[0].set_value(0.2)
    at.number_input[1].set_value(0.4)
    at.button[0].click().run()  # Save price
    assert not at.exception
    with session_scope(make_engine(get_settings().resolved_database_url)) as session:
        price = pricing.get_price(session=session, model="llama3.1:8b")
    assert price is not None and price.output_per_million == 0.4
    assert "llama3.1:8b" in at.dataframe[0].value["Model"].tolist()
    remove = next(b for b in at.button if b.label == "Remove")
    remove.click().run()
    assert not at.exception
    assert "llama3.1:8b" not in at.dataframe[0].value["Model"].tolist()


def test_a_bad_price_is_explained() -> None:
    at = open_settings()
    at.text_input[0].input("   ")
    at.button[0].click().run()
    assert not at.exception
    assert at.error and "not valid" in at.error[0].value
