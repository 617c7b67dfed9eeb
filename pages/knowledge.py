"""Knowledge: an assistant's help-center documents, their chunks, and what retrieval finds."""

import streamlit as st

from studio.core.db import session_scope
from studio.core.errors import StudioError
from studio.knowledge import bases, jobs
from studio.knowledge.admin import demo_indexing_in_progress
from studio.ui import forms, indexing_view
from studio.ui import knowledge_panels as panels
from studio.ui.navigation import run_inside_studio
from studio.ui.resources import get_engine, get_knowledge_store
from studio.ui.untrusted import plain, safe

run_inside_studio()

detail = forms.selected_assistant()
st.title("Knowledge")
st.caption(
    f"Documents **{plain(detail.name)}** can quote from. They are split into chunks and embedded "
    "on this "
    "machine; the chat preview retrieves the best chunks for each question."
)
try:
    store = get_knowledge_store()
except StudioError as error:
    st.error(safe(str(error)))
    st.stop()


@st.fragment(run_every=2)
def wait_for_demo_indexing() -> None:
    """While the demo documents are indexed in the background, say so; reload when done."""
    if not demo_indexing_in_progress():
        st.rerun()
    st.info(
        "The demo documents are being indexed in the background; this page updates by itself "
        "when they are ready.",
        icon=":material/sync:",
    )


with session_scope(get_engine()) as session:
    kb = bases.get_knowledge_base(session=session, assistant_id=detail.id)
panels.model_preparation_notice(kb=kb)
if demo_indexing_in_progress():
    wait_for_demo_indexing()
    if kb is None:
        st.stop()  # the demo knowledge base appears when indexing commits
if kb is None:
    panels.create_form(store=store, assistant_id=detail.id)
    st.stop()

cols = st.columns(4)
cols[0].metric("Documents", kb.document_count)
cols[1].metric("Chunks", kb.chunk_count)
cols[2].metric("Embedding", kb.embedding_short, help=kb.embedding_label)
cols[3].metric("Chunking", f"{kb.chunk_size} / {kb.chunk_overlap}", help=panels.CHUNKING_HELP)

indexing_view.job_panel(knowledge_base_id=kb.id)
busy = jobs.running_job(get_engine(), kb.id) is not None

docs_tab, test_tab, preview_tab, settings_tab = st.tabs(
    ["Documents", "Test retrieval", "Chunk preview", "Embedding & re-index"]
)
with docs_tab:
    panels.upload_panel(store=store, kb=kb, busy=busy)
    panels.documents_panel(store=store, kb=kb, busy=busy)
with test_tab:
    panels.retrieval_panel(store=store, assistant_id=detail.id, defaults=detail.draft.retrieval)
with preview_tab:
    panels.preview_panel(store=store, kb=kb)
with settings_tab:
    panels.reindex_panel(store=store, kb=kb, busy=busy)
