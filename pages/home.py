"""Assistants: the overview — list with status, create (template or blank), import, manage."""

import streamlit as st

from studio.core.models import AssistantStatus
from studio.ui import state
from studio.ui.assistant_admin import (
    assistants_table,
    blank_form,
    import_box,
    load_summaries,
    manage_panel,
    template_form,
)
from studio.ui.navigation import run_inside_studio

run_inside_studio()

st.title("Assistants")
st.caption(
    "Every assistant has an editable draft and a history of saved versions. Pick one here or in "
    "the sidebar, then shape it on the design pages."
)

show_archived = st.toggle("Show archived assistants", key="home_show_archived")
summaries = load_summaries(include_archived=show_archived)
active = [s for s in summaries if s.status != AssistantStatus.ARCHIVED]
archived = [s for s in summaries if s.status == AssistantStatus.ARCHIVED]

if summaries:
    assistants_table(summaries)
    st.caption(
        "Click a row to work on that assistant. “Unsaved changes”: the draft differs from its "
        "latest saved version (save one on Prompt & versions)."
    )
else:
    st.info("No assistants yet. Start from a template or from scratch below.")

selected = next((s for s in active if s.id == state.selected_assistant_id()), None)
if selected is not None:
    st.subheader("Selected assistant", divider="gray")
    manage_panel(selected)
    links = st.columns(3)
    links[0].page_link(
        "pages/requirements.py", label="Business requirements", icon=":material/business_center:"
    )
    links[1].page_link("pages/persona.py", label="Persona", icon=":material/face:")
    links[2].page_link("pages/prompt.py", label="Prompt & versions", icon=":material/history:")

if archived:
    st.subheader(f"Archived ({len(archived)})", divider="gray")
    by_id = {s.id: s for s in archived}
    chosen = st.selectbox(
        "Archived assistant", list(by_id), format_func=lambda i: by_id[i].name, key="home_archived"
    )
    manage_panel(by_id[chosen])

st.subheader("New assistant", divider="gray")
template_tab, blank_tab, import_tab = st.tabs(["From a template", "Blank", "Import a file"])
with template_tab:
    template_form()
with blank_tab:
    blank_form()
with import_tab:
    import_box()
