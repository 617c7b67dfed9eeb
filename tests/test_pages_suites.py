"""AppTest: Test suites — generate and save a suite, run it, read the matrix; the publish gate."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from studio.chat.simulator import SimulatorBackend
from studio.compare import gate, runs, suites, variants
from studio.compare.assertions import CallsTool, Contains
from studio.compare.suites import CaseSpec, CaseTurn
from studio.core.config import get_settings
from studio.core.db import make_engine, session_scope
from studio.design import assistants, drafts, versions
from tests.conftest import HOME


@pytest.fixture
def app_engine() -> Iterator[Engine]:
    engine = make_engine(get_settings().resolved_database_url)
    yield engine
    engine.dispose()


def open_page(path: str = "pages/suites.py") -> AppTest:
    at = AppTest.from_file(HOME, default_timeout=90)
    at.run()
    at.switch_page(path)
    at.run()
    assert not at.exception
    return at


def by_label(elements: Any, label: str) -> Any:
    matches = [e for e in elements if e.label == label]
    assert matches, f"no element labelled {label!r}; have {[e.label for e in elements]}"
    return matches[0]


def selected(at: AppTest) -> int:
    return int(at.session_state["selected_assistant_id"])


CASES = [
    CaseSpec(name="Greets", turns=[CaseTurn(message="Hello!", assertions=[Contains(text="!")])]),
    CaseSpec(
        name="Order status",
        turns=[
            CaseTurn(
                message="Please check order NW-104233",
                assertions=[CallsTool(tool="get_order_status")],
            )
        ],
    ),
]


def shop_with_suite(engine: Engine, at: AppTest) -> tuple[int, int]:
    with session_scope(engine) as session:
        shop = next(
            a
            for a in assistants.list_assistants(session=session)
            if a.template == "ecommerce_support"
        )
        draft = assistants.get_assistant(session=session, assistant_id=shop.id).draft
        suite = suites.save_suite(
            session=session, assistant_id=shop.id, name="Core", cases=CASES, config=draft
        )
    return shop.id, suite.id


def matrix_of(at: AppTest) -> Any:
    frames = [d.value for d in at.dataframe if "A: why" in d.value.columns]
    return frames[0] if frames else None


def test_empty_page_explains_what_to_do() -> None:
    at = open_page()
    assert at.title[0].value == "Test suites"
    assert any("Create a suite" in i.value for i in at.info)


def test_generate_review_and_save_a_suite(app_engine: Engine) -> None:
    at = open_page()
    by_label(at.button, "Generate cases from the configuration").click().run()
    assert not at.exception
    add = next(b for b in at.button if b.label.startswith("Add ") and "case(s)" in b.label)
    count = int(add.label.split()[1])
    assert count > 5
    add.click().run()
    assert not at.exception
    by_label(at.text_input, "Suite name").input("Generated")
    by_label(at.button, "Save suite").click().run()
    assert not at.exception and not at.error
    with session_scope(app_engine) as session:
        saved = suites.list_suites(session=session, assistant_id=selected(at))
    assert [(s.name, s.case_count) for s in saved] == [("Generated", count)]


def test_saving_without_a_name_shows_the_field() -> None:
    at = open_page()
    by_label(at.button, "Save suite").click().run()
    assert not at.exception
    assert at.error and "name" in at.error[0].value


def test_a_suite_run_shows_the_matrix(app_engine: Engine) -> None:
    at = open_page()
    shop, suite_id = shop_with_suite(app_engine, at)
    at.session_state["selected_assistant_id"] = shop
    at.run()
    by_label(at.selectbox, "Suite").set_value(suite_id).run()
    by_label(at.button, "Run 2 case(s)").click().run()
    deadline = time.monotonic() + 60
    while matrix_of(at) is None and time.monotonic() < deadline:
        time.sleep(0.3)
        at.run()
    assert not at.exception
    matrix = matrix_of(at)
    assert matrix is not None, "the matrix did not appear"
    assert list(matrix["Case"]) == ["Greets", "Order status"]
    assert set(matrix["A"]) == {"✅ passed"} and set(matrix["B"]) == {"✅ passed"}
    assert "A: why" in matrix.columns
    metrics = [m.value for m in at.metric]
    assert metrics == ["100%", "100%"]
    assert any("Not enough data yet (n = 2" in c.value for c in at.caption)
    assert any(b.label == "Download JUnit XML" for b in at.get("download_button"))


def test_the_gate_blocks_a_regressing_version(app_engine: Engine) -> None:
    at = open_page("pages/prompt.py")
    shop, suite_id = shop_with_suite(app_engine, at)
    with session_scope(app_engine) as session:
        gate.save_gate(
            session=session,
            assistant_id=shop,
            settings=gate.GateSettings(suite_id=suite_id, enabled=True, min_pass_rate=50),
        )
        draft = assistants.get_assistant(session=session, assistant_id=shop).draft
        tools = [t.model_dump(mode="json") for t in draft.tools]
        tools[0]["enabled"] = False
        drafts.update_draft_section(session=session, assistant_id=shop, section="tools", data=tools)
        versions.save_version(session=session, assistant_id=shop, note="order tool off")
        specs = [variants.VariantSpec(assistant_id=shop, version=n) for n in (2, 1)]
        chosen = [variants.resolve_variant(session=session, spec=s) for s in specs]
        detail = suites.get_suite(session=session, suite_id=suite_id)
    runs.run_suite(engine=app_engine, backend=SimulatorBackend(), suite=detail, variants=chosen)
    at.session_state["selected_assistant_id"] = shop
    at.run()
    by_label(at.selectbox, "Version").set_value(2).run()
    assert not at.exception
    publish = by_label(at.button, "Publish version 2")
    assert publish.disabled
    assert any("Order status" in w.value and "blocked" in w.value for w in at.warning)
    assert any("Version 2: 50%" in c.value and "Published version 1: 100%" in c.value
               for c in at.caption)  # fmt: skip
