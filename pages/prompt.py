"""Prompt & versions: the compiled prompt, saving versions, history, compare, restore, export."""

import streamlit as st

from studio.ui.forms import selected_assistant
from studio.ui.navigation import run_inside_studio
from studio.ui.sidebar import status_line
from studio.ui.untrusted import plain
from studio.ui.versions import (
    compare_view,
    export_buttons,
    history_table,
    load_versions,
    prompt_view,
    save_form,
    version_actions,
)

run_inside_studio()

detail = selected_assistant()
history = load_versions(detail.id)

st.title("Prompt & versions")
st.caption(f"**{plain(detail.name)}** · {status_line(detail)}")

prompt_tab, versions_tab, compare_tab, export_tab = st.tabs(
    ["Compiled prompt", "Versions", "Compare", "Export"]
)

with prompt_tab:
    st.caption(
        "The system prompt the draft compiles into, section by section, with the fields each "
        "section comes from. Edit those fields on the design pages."
    )
    prompt_view(detail)

with versions_tab:
    save_form(detail)
    st.subheader(f"History ({len(history)})", divider="gray")
    if history:
        history_table(history)
        version_actions(detail, history)
    else:
        st.info("No versions yet. Save the draft above to start the history.")

with compare_tab:
    if history:
        compare_view(detail, history)
    else:
        st.info("Save a version first; then compare it with the draft or other versions.")

with export_tab:
    export_buttons(detail, history)
