"""Preview page through Streamlit's AppTest: chat, inspector, feedback, edits, provider errors."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from studio.core.config import get_settings
from studio.core.db import make_engine, session_scope
from studio.core.models import Assistant, Feedback, Turn, TurnStatus
from studio.knowledge import bases
from studio.knowledge.admin import sample_files
from tests.conftest import HOME
from tests.fake_openai_server import FakeOpenAI, closed_port


def open_preview(assistant_id: int | None = None) -> AppTest:
    at = AppTest.from_file(HOME, default_timeout=60)
    at.run()
    if assistant_id is not None:
        at.session_state["selected_assistant_id"] = assistant_id
        at.query_params["assistant"] = str(assistant_id)
    at.switch_page("pages/preview.py")
    at.run()
    assert not at.exception
    return at


def open_shop(*, indexed: bool = False) -> AppTest:
    """The Preview page on the Northwind demo assistant (its documents indexed if asked)."""
    open_preview()
    engine = make_engine(get_settings().resolved_database_url)
    with session_scope(engine) as session:
        shop = session.exec(
            select(Assistant).where(Assistant.template == "ecommerce_support")
        ).one()
        if indexed:  # now, rather than racing the studio's background indexer
            store = bases.open_store(get_settings())
            kb = bases.get_knowledge_base(session=session, assistant_id=shop.id or 0)
            kb = kb or bases.create_knowledge_base(
                session=session, store=store, assistant_id=shop.id or 0
            )
            if not bases.list_documents(session=session, knowledge_base_id=kb.id):
                bases.add_files(
                    session=session,
                    store=store,
                    knowledge_base_id=kb.id,
                    files=sample_files("ecommerce_support"),
                )
    return open_preview(shop.id)


def send(at: AppTest, message: str) -> AppTest:
    at.chat_input[0].set_value(message).run()
    assert not at.exception
    return at


def turns() -> list[Turn]:
    engine = make_engine(get_settings().resolved_database_url)
    with session_scope(engine) as session:
        return list(session.exec(select(Turn).order_by(Turn.id)).all())  # type: ignore[arg-type]


def feedback_rows() -> list[Feedback]:
    engine = make_engine(get_settings().resolved_database_url)
    with session_scope(engine) as session:
        return list(session.exec(select(Feedback)).all())


def text_of(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_smoke() -> None:
    at = open_preview()
    assert at.title[0].value == "Preview"
    assert any("Offline simulator" in c.value for c in at.caption)


def test_grounded_cited_answer_with_inspector() -> None:
    at = open_shop(indexed=True)
    send(at, "How long do refunds take?")
    assert re.search(r"\[\d\]", text_of(at))  # a citation marker in the reply
    assert any("returns-and-refunds.md" in m.value for m in at.markdown)  # inspector sources
    assert any("Cited:" in m.value for m in at.markdown)
    rows = turns()
    assert len(rows) == 1 and rows[0].status is TurnStatus.OK and rows[0].retrieved


def test_tool_call_shows_arguments_and_mock() -> None:
    at = open_shop()
    send(at, "Where is my order NW-104233?")
    assert any("get_order_status" in m.value for m in at.markdown)
    assert any("NW-104233" in c.value for c in at.code)
    assert any("DHL Express" in c.value for c in at.code)


def test_thumbs_up_and_edit_are_stored() -> None:
    at = open_shop()
    send(at, "Hello!")
    turn_id = turns()[0].id
    at.button(key=f"up_{turn_id}").click().run()
    assert not at.exception
    assert [f.rating for f in feedback_rows()] == [1]
    at.text_area(key=f"edit_{turn_id}").input("Hello! I'm Nora. How can I help?").run()
    at.button(key=f"save_edit_{turn_id}").click().run()
    assert not at.exception
    assert feedback_rows()[0].corrected_reply == "Hello! I'm Nora. How can I help?"


def test_new_conversation_and_read_only_reopen() -> None:
    at = open_shop()
    send(at, "Hello!")
    at.button[0].click().run()  # New conversation
    assert not [m for m in at.chat_message if m.name == "user"]
    at.button(key="preview_open_past").click().run()
    assert not at.exception
    assert any("read-only" in i.value for i in at.info)
    assert at.chat_input[0].disabled


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def use_custom(at: AppTest, url: str) -> AppTest:
    at.selectbox(key="preview_provider").select("custom").run()
    at.text_input(key="preview_base_url").input(url).run()
    assert not at.exception
    return at


def test_openai_compatible_reply_streams(server: FakeOpenAI) -> None:
    at = use_custom(open_shop(), server.base_url)
    at.selectbox(key="preview_model").select("fake-model").run()
    send(at, "Hi from the test")
    assert "You said: Hi from the test" in text_of(at)
    assert turns()[0].backend == "openai-compatible"


def test_provider_error_is_shown_without_a_traceback(server: FakeOpenAI) -> None:
    at = use_custom(open_shop(), server.base_url)
    at.selectbox(key="preview_model").select("fault-401").run()
    send(at, "Hi?")
    assert any("refused the API key" in e.value for e in at.error)
    assert not at.exception and turns()[0].status is TurnStatus.FAILED
    at.selectbox(key="preview_model").select("fake-model").run()
    at.button(key="retry_0").click().run()  # retry sends the same message again
    assert not at.exception
    assert [t.status for t in turns()] == [TurnStatus.FAILED, TurnStatus.OK]


def test_partial_reply_is_kept_and_marked(server: FakeOpenAI) -> None:
    at = use_custom(open_shop(), server.base_url)
    at.selectbox(key="preview_model").select("fault-cut").run()
    send(at, "Hi?")
    assert "Partial answer" in text_of(at)
    assert any("Reply incomplete" in w.value for w in at.warning)


def test_unreachable_provider_is_explained() -> None:
    at = use_custom(open_shop(), f"http://127.0.0.1:{closed_port()}/v1")
    assert any("Nothing answers" in w.value for w in at.warning)
    assert at.chat_input[0].disabled
