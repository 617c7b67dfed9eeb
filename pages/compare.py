"""Compare: two variants side by side — what differs, both answering at once, blind votes."""

import streamlit as st

from studio.core.errors import StudioError
from studio.knowledge.admin import demo_indexing_in_progress
from studio.ui import chat_view, compare_chat, compare_results, compare_setup, state
from studio.ui.navigation import run_inside_studio
from studio.ui.resources import get_knowledge_store
from studio.ui.untrusted import safe

run_inside_studio()

st.title("Compare")
assistant_id = state.selected_assistant_id()
if assistant_id is None:
    st.info("Pick or create an assistant first (Assistants page).")
    st.stop()

st.caption(
    "Pick two variants — any saved version, the draft, or quick overrides on top — and "
    "send one message to both. They answer at the same time."
)
specs = []
for side, column in enumerate(st.columns(2, border=True)):
    with column:
        st.markdown(f"**Side {compare_setup.SIDE_NAMES[side]}**")
        specs.append(compare_setup.pick_variant(side, assistant_id))
if None in specs:
    st.stop()
variants = compare_setup.resolve([s for s in specs if s is not None])
if variants is None:
    st.stop()
compare_setup.difference_panel(variants)

choice = chat_view.provider_picker(variants[0].target.config.model.model)
key = compare_setup.spec_key([v.spec for v in variants])
convo = compare_chat.conversation(key)
left, right = st.columns([3, 1])
blind = left.toggle(
    "Blind mode",
    key="compare_blind",
    help="Sides unlabelled and shuffled on every turn; vote, then see which was which.",
)
if right.button("Reset conversation", icon=":material/restart_alt:"):
    convo = compare_chat.reset(key)
if any(v.target.config.retrieval.enabled for v in variants) and demo_indexing_in_progress():
    st.info("The demo knowledge bases are still being indexed; answers may lack sources for a "
            "few seconds.", icon=":material/hourglass_top:")  # fmt: skip
if not convo["turns"]:
    st.caption("Both sides keep their own conversation; changing a variant starts a new one.")
for index, turn in enumerate(convo["turns"]):
    compare_chat.show_turn(index, turn, variants)
    if turn["blind"] and turn["vote"] is None and index == len(convo["turns"]) - 1:
        compare_chat.vote_form(index, turn, variants, convo)

# Inside the page, not pinned to its bottom: a pinned chat input opens the page scrolled to the end.
message = st.container().chat_input("One message for both sides…", disabled=choice is None)
if message and choice is not None:
    needs_store = any(v.target.config.retrieval.enabled for v in variants)
    store = None
    if needs_store:
        try:
            store = get_knowledge_store()
        except StudioError as error:
            st.warning(safe(f"Knowledge base unavailable, answering without it: {error}"))
    compare_chat.answer(
        message, variants=variants, choice=choice, convo=convo, store=store, blind=blind
    )

st.divider()
pair, leaders, cost = st.tabs(["Votes for this pair", "Leaderboard", "Cost forecast"])
with pair:
    compare_results.pair_history(variants)
with leaders:
    compare_results.board(variants[0].target.assistant_id)
with cost:
    compare_results.cost_forecast(variants)
