"""Compare page through Streamlit's AppTest: two variants answer side by side, a blind vote is
stored and the sides revealed, a failing provider stays on its side, what differs is shown."""

from __future__ import annotations

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from studio.compare import votes
from studio.compare.variants import Overrides, VariantSpec, resolve_variant
from studio.core.config import get_settings
from studio.core.db import make_engine, session_scope
from studio.core.models import Assistant, ChatSession, ComparisonVote, TurnSource, VoteChoice
from tests.conftest import HOME
from tests.fake_openai_server import FakeOpenAI


def shop_id() -> int:
    engine = make_engine(get_settings().resolved_database_url)
    with session_scope(engine) as session:
        shop = session.exec(
            select(Assistant).where(Assistant.template == "ecommerce_support")
        ).one()
        return shop.id or 0


def open_compare() -> AppTest:
    """The Compare page on the Northwind demo shop: A = v1, B = the draft."""
    at = AppTest.from_file(HOME, default_timeout=90)
    at.run()
    sid = shop_id()
    at.session_state["selected_assistant_id"] = sid
    at.query_params["assistant"] = str(sid)
    at.switch_page("pages/compare.py")
    at.run()
    assert not at.exception
    return at


def markdown(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def send(at: AppTest, message: str) -> AppTest:
    at.chat_input[0].set_value(message).run()
    assert not at.exception
    return at


def rows(model: type) -> list:  # type: ignore[type-arg]
    engine = make_engine(get_settings().resolved_database_url)
    with session_scope(engine) as session:
        return list(session.exec(select(model)).all())


def test_smoke_and_comparing_a_variant_with_itself_is_said() -> None:
    at = open_compare()
    assert any("exactly the same configuration" in i.value for i in at.info)
    assert "**Side A**" in markdown(at) and "**Side B**" in markdown(at)


def test_two_variants_answer_side_by_side_and_are_logged_as_two_compare_sessions() -> None:
    at = open_compare()
    at.selectbox(key="compare_b_slider").select("verbosity").run()
    at.slider(key="compare_b_level").set_value(100).run()
    assert not at.exception and not at.info  # no longer the same configuration
    assert any("persona.verbosity" in str(df.value) for df in at.dataframe)
    send(at, "Hello!")
    texts = markdown(at)
    a_header = next(i for i, t in enumerate(texts) if t.startswith("**A · "))
    b_header = next(i for i, t in enumerate(texts) if t.startswith("**B · "))
    assert "verbosity 100" in texts[b_header] and a_header < b_header
    assert texts[a_header + 1] and texts[b_header + 1]  # both replied
    send(at, "How do returns work?")
    chats = rows(ChatSession)
    assert len(chats) == 2 and {c.source for c in chats} == {TurnSource.COMPARE}
    assert len({c.comparison_id for c in chats}) == 1 and chats[0].comparison_id
    reset = next(b for b in at.button if b.label == "Reset conversation")
    reset.click().run()
    assert not at.exception and not any(t.startswith("**A · ") for t in markdown(at))


def test_a_blind_vote_is_stored_with_both_identities_and_then_revealed() -> None:
    at = open_compare()
    at.selectbox(key="compare_b_slider").select("empathy").run()
    at.slider(key="compare_b_level").set_value(95).run()
    at.toggle(key="compare_blind").set_value(True).run()
    send(at, "Where is my order?")
    texts = markdown(at)
    assert "**Left**" in texts and "**Right**" in texts
    assert not any(t.startswith(("**A · ", "**B · ")) or " — was " in t for t in texts)
    at.radio(key="compare_vote_choice_0").set_value("Left is better")
    at.text_input(key="compare_vote_reason_0").input("clearer next step")
    at.button[[b.label for b in at.button].index("Vote")].click().run()
    assert not at.exception
    (vote,) = rows(ComparisonVote)
    revealed = [t for t in markdown(at) if t.startswith("**Left** — was ")]
    assert len(revealed) == 1
    left_was_a = revealed[0].startswith("**Left** — was A · ")
    assert vote.choice is (VoteChoice.A if left_was_a else VoteChoice.B)
    assert vote.swapped is (not left_was_a) and vote.reason == "clearer next step"
    assert vote.a_version_number == 1 and vote.b_version_number is None
    assert vote.b_overrides == {"sliders": {"empathy": 95}}
    assert vote.a_turn_id is not None and vote.b_turn_id is not None
    assert not any(r.label == "Vote" for r in at.radio)  # the form is gone once voted
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["A better"] == ("1" if left_was_a else "0")


def test_a_failing_provider_shows_its_error_on_its_side_only() -> None:
    with FakeOpenAI() as server:
        at = open_compare()
        at.selectbox(key="preview_provider").select("custom").run()
        at.text_input(key="preview_base_url").input(server.base_url).run()
        at.selectbox(key="preview_model").select("fake-model").run()
        at.text_input(key="compare_b_model").input("fault-500").run()
        send(at, "Hello there")
    texts = markdown(at)
    a_header = next(i for i, t in enumerate(texts) if t.startswith("**A · "))
    assert texts[a_header + 1].startswith("You said")
    assert len(at.error) == 1 and "HTTP 500" in at.error[0].value


def test_moving_on_without_voting_reveals_that_turn_and_stores_nothing() -> None:
    at = open_compare()
    at.toggle(key="compare_blind").set_value(True).run()
    send(at, "Hello!")
    send(at, "How do returns work?")
    texts = markdown(at)
    assert sum(t.startswith("**Left** — was ") for t in texts) == 1  # the first turn only
    assert texts.count("**Left**") == 1  # the new turn is still blind
    assert any("Your vote: none (skipped)" in c.value for c in at.caption)
    assert rows(ComparisonVote) == []


def test_the_leaderboard_and_cost_forecast_read_stored_votes_and_sessions() -> None:
    at = open_compare()
    engine = make_engine(get_settings().resolved_database_url)
    with session_scope(engine) as session:
        sid = shop_id()
        v1 = resolve_variant(session=session, spec=VariantSpec(assistant_id=sid, version=1))
        warm = resolve_variant(session=session, spec=VariantSpec(
            assistant_id=sid, overrides=Overrides(sliders={"empathy": 95})))  # fmt: skip
        for n in range(12):
            votes.record_vote(session=session, comparison_id="seeded", turn_no=n, a=v1, b=warm,
                              choice=VoteChoice.B if n < 9 else VoteChoice.A)  # fmt: skip
    send(at, "Hello!")
    board = next(df.value for df in at.dataframe if "Rating" in df.value.columns)
    assert len(board) == 2 and "empathy 95" in board.iloc[0]["Variant"]
    cost = next(df.value for df in at.dataframe if "Conversations measured" in df.value.index)
    # v1 and the demo draft are the same configuration: each side counts both sessions.
    assert list(cost.loc["Conversations measured"]) == ["2", "2"]


def test_the_page_opens_at_its_top_with_the_message_box_under_the_conversation() -> None:
    # A chat input pinned to the page's bottom makes Streamlit open the page scrolled to the end:
    # Compare opened on its vote tables, with the title and the two variants out of view.
    at = open_compare()
    assert len(at.main.chat_input) == 1 and len(at.chat_input) == 1
