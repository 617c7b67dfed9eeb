"""Preview: chat with the selected assistant's draft — simulator or an OpenAI-compatible model."""

import streamlit as st

from studio.chat import turn
from studio.chat.results import TurnResult
from studio.core.db import session_scope
from studio.core.errors import StudioError
from studio.knowledge.admin import demo_indexing_in_progress
from studio.ui import chat_view, state
from studio.ui.navigation import run_inside_studio
from studio.ui.resources import get_engine, get_knowledge_store
from studio.ui.untrusted import markdown, plain, safe

run_inside_studio()

st.title("Preview")
assistant_id = state.selected_assistant_id()
if assistant_id is None:
    st.info("Pick or create an assistant first (Assistants page).")
    st.stop()

try:
    with session_scope(get_engine()) as session:
        target = turn.draft_target(session=session, assistant_id=assistant_id)
except StudioError as error:
    st.error(safe(str(error)))
    st.stop()

config = target.config
choice = chat_view.provider_picker(config.model.model)
convo = chat_view.transcript(assistant_id)
label = choice.backend.label if choice else "no usable provider"
st.caption(
    f"**{plain(config.persona.name)}** · {plain(config.business.company_name)} · draft · {label}"
)

left, right = st.columns([1, 1])
if left.button("New conversation", icon=":material/add_comment:"):
    chat_view.new_conversation(assistant_id)
    st.rerun()
reopen = chat_view.past_sessions(assistant_id)
if reopen is not None:
    try:
        chat_view.load_session(assistant_id, reopen)
    except StudioError as error:
        st.error(safe(str(error)))
    st.rerun()
if convo["readonly"]:
    st.info("You are looking at a past conversation (read-only).", icon=":material/lock:")
    if right.button("Back to a live conversation"):
        chat_view.new_conversation(assistant_id)
        st.rerun()

if config.retrieval.enabled and demo_indexing_in_progress():
    st.info("The demo knowledge bases are still being indexed; answers may lack sources for a "
            "few seconds.", icon=":material/hourglass_top:")  # fmt: skip
results = [TurnResult.model_validate(t) for t in convo["turns"]]
if not results and not convo["readonly"]:
    st.caption("Say hello, ask something from the knowledge base, or ask about an order — the "
               "inspector under each reply shows what the assistant used.")  # fmt: skip
for index, result in enumerate(results):
    chat_view.show_turn(result, index, last=index == len(results) - 1, readonly=convo["readonly"])

typed = st.chat_input(f"Message {config.persona.name}…", disabled=convo["readonly"] or not choice)
message = typed or st.session_state.pop(chat_view.PENDING, None)
if message and choice is not None and not convo["readonly"]:
    with st.chat_message("user"):
        markdown(message)
    with st.chat_message("assistant"):
        on_text, _ = chat_view.stream_reply()
        try:
            store = get_knowledge_store() if config.retrieval.enabled else None
        except StudioError as error:
            st.warning(safe(f"Knowledge base unavailable, answering without it: {error}"))
            store = None
        try:
            result = turn.run_turn(
                engine=get_engine(), backend=choice.backend, target=target, message=message,
                history=turn.history_of(results), session_id=convo["session_id"], store=store,
                model=choice.model, on_text=on_text,
            )  # fmt: skip
        except StudioError as error:
            st.error(safe(str(error)))
            st.stop()
    convo["turns"] = [*convo["turns"], result.model_dump(mode="json")]
    convo["session_id"] = result.session_id
    st.session_state[chat_view.TRANSCRIPT] = convo
    st.rerun()
