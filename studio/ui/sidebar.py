"""The sidebar assistant picker shown on every page; keeps the choice in the URL."""

from __future__ import annotations

import streamlit as st

from studio.core.db import session_scope
from studio.design import assistants
from studio.design.assistants import AssistantSummary
from studio.ui import state
from studio.ui.resources import get_engine
from studio.ui.untrusted import safe

PICKER_KEY = "sidebar_assistant_picker"


def _on_pick() -> None:
    # Runs before the script: the user's choice wins over what the session remembered.
    state.select_assistant(st.session_state.get(PICKER_KEY))


def status_line(summary: AssistantSummary) -> str:
    """A short status of an assistant: state, versions, unsaved changes."""
    parts = [summary.status.value.capitalize()]
    if summary.published_version:
        parts.append(f"v{summary.published_version} published")
    parts.append(f"{summary.version_count} version{'s' if summary.version_count != 1 else ''}")
    if summary.has_unsaved_changes:
        parts.append("unsaved changes")
    return " · ".join(parts)


def _choose(ids: list[int]) -> tuple[int | None, str | None]:
    """Which assistant to show, and a note when the link named one that is not available."""
    current = state.selected_assistant_id()
    requested = state.requested_assistant_id()
    if requested is not None and requested != current:
        # A fresh load or a shared link: the URL decides, if it names a visible assistant.
        if requested in ids:
            return requested, None
        fallback = current if current in ids else (ids[0] if ids else None)
        return fallback, (
            f"The link asked for assistant #{requested}, which no longer exists or is archived. "
            + ("Showing another one instead." if fallback is not None else "")
        )
    if current in ids:
        return current, None
    return (ids[0] if ids else None), None


def assistant_picker() -> int | None:
    """Draw the picker; return the selected assistant's id (None when there are none)."""
    with session_scope(get_engine()) as session:
        options = assistants.list_assistants(session=session)
    by_id = {a.id: a for a in options}
    ids = list(by_id)
    chosen, note = _choose(ids)
    state.select_assistant(chosen)

    with st.sidebar:
        if note:
            st.warning(safe(note), icon=":material/link_off:")
        if chosen is None:
            st.caption("No assistants yet — create one on the Assistants page.")
            return None
        if st.session_state.get(PICKER_KEY) != chosen:
            st.session_state[PICKER_KEY] = chosen
        st.selectbox(
            "Assistant",
            ids,
            key=PICKER_KEY,
            on_change=_on_pick,
            format_func=lambda i: by_id[i].name,
            help="Every page works on the assistant picked here. The link in the address bar "
            "opens the same assistant.",
        )
        st.caption(status_line(by_id[chosen]))
    return chosen
