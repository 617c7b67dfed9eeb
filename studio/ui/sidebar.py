"""The sidebar assistant picker shown on every page; keeps the choice in the URL."""

from __future__ import annotations

import streamlit as st

from studio import assistants
from studio.db import session_scope
from studio.ui import state
from studio.ui.resources import get_engine


def assistant_picker() -> int | None:
    """Draw the picker; return the selected assistant's id (None when there are none)."""
    with session_scope(get_engine()) as session:
        options = assistants.list_assistants(session=session)
    ids = [a.id for a in options]
    labels = {a.id: a.name + (" (demo)" if a.is_demo else "") for a in options}

    current = state.selected_assistant_id()
    if current not in labels:
        requested = state.requested_assistant_id()
        current = requested if requested in labels else (ids[0] if ids else None)

    with st.sidebar:
        if not ids:
            st.caption("No assistants yet — create one on the Assistants page.")
            state.select_assistant(None)
            return None
        choice = st.selectbox(
            "Assistant",
            ids,
            index=ids.index(current) if current in ids else 0,
            format_func=lambda i: labels[i],
            help="Every page works on the assistant picked here. The link in the address bar "
            "opens the same assistant.",
        )
    state.select_assistant(choice)
    return choice
