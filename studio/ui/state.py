"""Session-state keys shared between pages, and the selected assistant (kept in the URL)."""

from __future__ import annotations

import streamlit as st

from studio.ui.untrusted import safe

SELECTED_ASSISTANT = "selected_assistant_id"
QUERY_ASSISTANT = "assistant"  # ?assistant=<id> so a link opens the same assistant
FLASH = "flash_message"  # a success message shown once on the next run (after st.rerun)


def selected_assistant_id() -> int | None:
    """The id of the assistant picked in the sidebar, or None when there is none."""
    value = st.session_state.get(SELECTED_ASSISTANT)
    return int(value) if value is not None else None


def select_assistant(assistant_id: int | None) -> None:
    """Select an assistant for every page and write it into the URL."""
    st.session_state[SELECTED_ASSISTANT] = assistant_id
    if assistant_id is None:
        st.query_params.pop(QUERY_ASSISTANT, None)
    else:
        st.query_params[QUERY_ASSISTANT] = str(assistant_id)


def requested_assistant_id() -> int | None:
    """The assistant id named in the URL, if it is a number."""
    raw = st.query_params.get(QUERY_ASSISTANT)
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def flash(message: str) -> None:
    """Remember a success message to show after the next rerun."""
    st.session_state[FLASH] = message


def show_flash() -> None:
    """Show (once) the message left by `flash`."""
    message = st.session_state.pop(FLASH, None)
    if message:
        st.toast(safe(message), icon="✅")
