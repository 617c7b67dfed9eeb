"""AppTest: the Assistants overview page and the sidebar picker."""

from __future__ import annotations

from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from studio.core.db import session_scope
from studio.design import assistants, exports
from studio.design.templates import get_template, list_templates
from studio.ui.resources import get_engine
from studio.ui.sidebar import PICKER_KEY
from tests.conftest import HOME


def start(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(HOME, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    return at


def by_label(elements: Any, label: str) -> Any:
    matches = [e for e in elements if e.label == label]
    assert matches, f"no element labelled {label!r}; have {[e.label for e in elements]}"
    return matches[0]


def table_names(at: AppTest) -> list[str]:
    return list(at.dataframe[0].value["Name"])


def selected_name(at: AppTest) -> str:
    """The selected assistant's name, as the sidebar picker shows it after a reload.

    AppTest re-runs only the page script after an interaction (not Home.py), so the picker is
    checked on a fresh run that opens the URL the app left in the address bar.
    """
    selected = at.session_state["selected_assistant_id"]
    assert at.query_params["assistant"] in (str(selected), [str(selected)])
    reloaded = start({"assistant": str(selected)})
    picker = reloaded.selectbox(key=PICKER_KEY)
    assert reloaded.session_state["selected_assistant_id"] == selected
    return str(picker.options[picker.index])


def errors(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in at.error)


def test_overview_lists_the_demo_assistants_with_status() -> None:
    at = start()
    assert at.title[0].value == "Assistants"
    frame = at.dataframe[0].value
    assert len(frame) == len(list_templates())
    assert "Northwind Outfitters — Support (demo)" in set(frame["Name"])
    assert set(frame["Status"]) == {"published · demo"}
    assert (frame["Versions"] == 1).all() and not frame["Unsaved changes"].any()
    assert at.session_state["selected_assistant_id"] is not None


def test_create_from_template_appears_and_is_selected() -> None:
    at = start()
    by_label(at.selectbox, "Template").set_value("saas_tech_support")
    by_label(at.text_input, "Assistant name").input("Cloudline helpdesk")
    by_label(at.button, "Create from template").click()
    at.run()
    assert not at.exception and not at.error
    assert "Cloudline helpdesk" in table_names(at)
    assert selected_name(at) == "Cloudline helpdesk"


def test_blank_assistant_without_company_shows_the_field_problem() -> None:
    at = start()
    blank_names = [t for t in at.text_input if t.label == "Assistant name"]
    blank_names[1].input("Blank bot")
    by_label(at.button, "Create blank assistant").click()
    at.run()
    assert not at.exception
    assert "business.company_name" in errors(at)
    assert "Blank bot" not in table_names(at)


def test_blank_assistant_is_created_with_its_company() -> None:
    at = start()
    [t for t in at.text_input if t.label == "Assistant name"][1].input("Billing bot")
    by_label(at.text_input, "Company name").input("Acme")
    by_label(at.button, "Create blank assistant").click()
    at.run()
    assert not at.exception and not at.error
    assert selected_name(at) == "Billing bot"


def test_duplicate_name_is_refused_with_a_message() -> None:
    at = start()
    by_label(at.text_input, "Assistant name").input("cloudline — technical support (DEMO)")
    by_label(at.button, "Create from template").click()
    at.run()
    assert not at.exception
    assert "already exists" in errors(at)


@pytest.mark.parametrize(
    ("filename", "content", "expected"),
    [
        ("broken.yaml", b"name: [oops\n", "not valid YAML"),
        ("broken.json", b'{"schema_version": 1,', "not valid JSON"),
        ("future.yaml", b"schema_version: 9\nconfig: {}\n", "Schema version 9"),
        (
            "bad.yaml",
            b"schema_version: 1\nconfig:\n  business: {company_name: ''}\n",
            "company_name",
        ),
    ],
)
def test_importing_a_bad_file_shows_the_problem(
    filename: str, content: bytes, expected: str
) -> None:
    at = start()
    at.file_uploader[0].upload(filename, content, "application/octet-stream")
    at.run()
    by_label(at.button, "Import").click()
    at.run()
    assert not at.exception
    assert expected in errors(at)
    assert len(at.dataframe[0].value) == len(list_templates())


def test_importing_an_export_creates_and_selects_it() -> None:
    document = exports.export_document(
        name="Imported Ava",
        description="",
        config=get_template("clinic_patient_support").config,
        version=1,
    )
    at = start()
    at.file_uploader[0].upload("ava.yaml", exports.to_yaml(document).encode(), "application/yaml")
    at.run()
    by_label(at.button, "Import").click()
    at.run()
    assert not at.exception and not at.error
    assert selected_name(at) == "Imported Ava"


def _demo_id(name_part: str) -> int:
    with session_scope(get_engine()) as session:
        return next(
            a.id for a in assistants.list_assistants(session=session) if name_part in a.name
        )


def test_reload_with_assistant_in_the_url_keeps_the_selection() -> None:
    start()  # seeds the demo assistants
    ledgerly = _demo_id("Ledgerly")
    at = start({"assistant": str(ledgerly)})
    assert at.session_state["selected_assistant_id"] == ledgerly
    assert selected_name(at) == "Ledgerly — Sales (demo)"
    at.run()  # and it stays on the next interaction
    assert at.session_state["selected_assistant_id"] == ledgerly


@pytest.mark.parametrize("bad", ["99999", "not-a-number"])
def test_unknown_assistant_in_the_url_falls_back_with_a_note(bad: str) -> None:
    at = start({"assistant": bad})
    assert at.session_state["selected_assistant_id"] is not None
    if bad.isdigit():
        assert "no longer exists" in " ".join(str(w.value) for w in at.sidebar.warning)


def test_archive_then_delete_with_confirmation() -> None:
    at = start()
    name = selected_name(at)
    by_label(at.button, "Archive").click()
    at.run()
    assert not at.exception
    assert name not in table_names(at)
    assert name not in start().selectbox(key=PICKER_KEY).options  # archived: not in the picker
    at.toggle[0].set_value(True)
    at.run()
    assert name in table_names(at)
    by_label(at.text_input, "Type the name to delete for good").input("wrong name")
    by_label(at.button, "Delete").click()
    at.run()
    assert not at.exception and "type the assistant's name exactly" in errors(at)
    by_label(at.text_input, "Type the name to delete for good").input(name)
    by_label(at.button, "Delete").click()
    at.run()
    assert not at.exception and not at.error
    assert name not in table_names(at)


def test_rename_the_selected_assistant() -> None:
    at = start()
    by_label(at.text_input, "Name").input("Renamed helper")
    by_label(at.button, "Save name and description").click()
    at.run()
    assert not at.exception and not at.error
    assert "Renamed helper" in table_names(at)
    clash = next(n for n in table_names(at) if n != "Renamed helper")
    by_label(at.text_input, "Name").input(clash.upper())
    by_label(at.button, "Save name and description").click()
    at.run()
    assert not at.exception and "already exists" in errors(at)


def test_the_navigation_shows_every_section_with_no_view_more_button(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Streamlit folds a menu of more than twelve pages to ten behind "View 4 more" unless
    # st.navigation is told expanded=True; that hid the Analyze and Studio sections.
    calls: list[tuple[Any, dict[str, Any]]] = []
    real = st.navigation

    def recording(pages: Any, **kwargs: Any) -> Any:
        calls.append((pages, kwargs))
        return real(pages, **kwargs)

    monkeypatch.setattr(st, "navigation", recording)
    start()
    pages, kwargs = calls[-1]
    assert list(pages) == ["Design", "Knowledge", "Try", "Compare", "Analyze", "Studio"]
    assert sum(len(section) for section in pages.values()) > 12
    assert kwargs.get("expanded") is True
