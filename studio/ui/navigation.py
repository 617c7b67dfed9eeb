"""Keep every page inside the studio's own navigation (Home.py), even on a first deep link."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

_ENTERED = "entered_through_home"


def mark_entered() -> None:
    """Called by Home.py on every run: this session has the studio's navigation."""
    st.session_state[_ENTERED] = True


def run_inside_studio() -> None:
    """Rerun through Home.py when Streamlit ran this page on its own.

    Streamlit treats a folder named ``pages/`` beside the entry script as a legacy multipage app
    until the entry script has called ``st.navigation`` once in the server process. A shared link
    such as ``/tools?assistant=3``, opened first after a restart, would then run the page without
    the sidebar, the assistant picker or the URL handling. Switching that mode off and rerunning
    lets Home.py run and open the same page with the same query parameters. Only a session that
    has not been through Home.py yet is rerouted (Streamlit's AppTest re-enters legacy mode on
    every run after the first, and must keep its button clicks).
    """
    if PagesManager.uses_pages_directory and not st.session_state.get(_ENTERED):
        PagesManager.uses_pages_directory = False
        st.rerun()
    from studio.ui.auth import sign_in_gate  # auth -> resources -> startup: only when a page runs

    sign_in_gate()
