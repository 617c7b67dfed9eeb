"""Analytics page: empty state, filters change the KPIs, drill-down shows a transcript."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from streamlit.testing.v1 import AppTest

from studio.analytics.traffic import generate_traffic
from studio.core.config import get_settings
from studio.core.db import session_scope
from studio.design.assistants import list_assistants
from studio.startup import prepare_database
from tests.conftest import HOME


def open_analytics() -> AppTest:
    at = AppTest.from_file(HOME, default_timeout=60)
    at.run()
    at.switch_page("pages/analytics.py")
    at.run()
    assert not at.exception, at.exception
    return at


def with_demo_traffic(turns: int = 400) -> list[int]:
    """Demo traffic for the demo assistants; returns their ids."""
    engine = prepare_database(get_settings().resolved_database_url, seed_demo=True)
    with session_scope(engine) as session:
        generate_traffic(session=session, turns=turns, days=20, now=datetime.now(UTC))
        ids = [a.id for a in list_assistants(session=session)]
    engine.dispose()
    return ids


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_first_run_explains_and_generates_demo_traffic() -> None:
    at = open_analytics()
    assert "No conversations yet" in at.info[0].value
    next(b for b in at.button if b.label == "Generate demo traffic").click().run()
    assert not at.exception, at.exception
    assert int(metric(at, "Sessions").replace(",", "")) > 0
    assert at.get("plotly_chart")  # charts drawn


def test_filters_change_the_kpis() -> None:
    ids = with_demo_traffic()
    at = open_analytics()
    everyone = int(metric(at, "Sessions").replace(",", ""))
    assert everyone > 0
    at.multiselect(key="an_assistants").select(ids[0]).run()
    assert not at.exception
    one = int(metric(at, "Sessions").replace(",", ""))
    assert 0 < one < everyone


def test_demo_off_gives_the_friendly_empty_state() -> None:
    with_demo_traffic(100)
    at = open_analytics()
    at.toggle(key="an_demo").set_value(False).run()
    assert not at.exception
    assert any("Nothing matches these filters" in i.value for i in at.info)
    assert not at.metric


def test_a_date_range_without_data_is_an_empty_state_not_a_broken_chart() -> None:
    with_demo_traffic(100)
    at = open_analytics()
    far = datetime.now(UTC).date() - timedelta(days=400)
    at.date_input(key="an_dates").set_value((far, far + timedelta(days=3))).run()
    assert not at.exception
    assert any("Nothing matches these filters" in i.value for i in at.info)


def test_drill_down_shows_a_transcript() -> None:
    with_demo_traffic(200)
    at = open_analytics()
    picker = at.selectbox(key="an_session")
    picker.select_index(0).run()
    assert not at.exception, at.exception
    assert any("Transcript of session" in m.value for m in at.markdown)
    assert at.chat_message  # user and assistant messages drawn
