"""Every slider and number field on the studio's pages says what it does (its help text)."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from studio.core.config import get_settings
from studio.core.db import make_engine
from studio.knowledge.admin import demo_indexing_in_progress
from tests.conftest import HOME
from tests.test_pages_suites import shop_with_suite


def _open(page: str) -> AppTest:
    at = AppTest.from_file(HOME, default_timeout=90)
    at.run()
    if page == "suites":  # the publish gate's slider shows once there is a suite
        engine = make_engine(get_settings().resolved_database_url)
        shop, _ = shop_with_suite(engine, at)
        engine.dispose()
        at.session_state["selected_assistant_id"] = shop
        at.query_params["assistant"] = str(shop)
    at.switch_page(f"pages/{page}.py")
    at.run()
    if page == "knowledge":  # the retrieval and chunking fields show once the demo is indexed
        deadline = time.monotonic() + 60
        while demo_indexing_in_progress() and time.monotonic() < deadline:
            time.sleep(0.2)
        at.run()
    assert not at.exception
    if page == "compare":  # a quick-override slider shows once one is picked
        at.selectbox(key="compare_b_slider").select("verbosity").run()
    return at


@pytest.mark.parametrize("page", ["persona", "knowledge", "compare", "suites", "settings"])
def test_every_slider_and_number_field_has_help(page: str) -> None:
    at = _open(page)
    fields = [*at.slider, *at.number_input]
    assert fields
    assert [f.label for f in fields if not (f.help or "").strip()] == []
