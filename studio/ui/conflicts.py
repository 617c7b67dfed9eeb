"""Edit conflicts in a design form: remember the draft revision a form loaded, and when a save
is refused because someone else saved meanwhile, show who and when, the differences, and offer
to reload their version or overwrite it with ours."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from studio.access import editing
from studio.core.db import session_scope
from studio.core.errors import EditConflict
from studio.ui.resources import get_engine
from studio.ui.untrusted import safe


def _key(namespace: str, name: str) -> str:
    # Under the form's namespace, so discarding or reloading the form forgets it too.
    return f"{namespace}:{name}"


def loaded_revision(namespace: str, *, assistant_id: int) -> int:
    """The draft revision this form was loaded from (read once, when the form is loaded)."""
    key = _key(namespace, "revision")
    if key not in st.session_state:
        with session_scope(get_engine()) as session:
            stamp = editing.draft_stamp(session=session, assistant_id=assistant_id)
        st.session_state[key] = stamp.revision
    return int(st.session_state[key])


def remember(namespace: str, error: EditConflict, *, assistant_id: int) -> None:
    """Keep a refused save's explanation, and the revision an overwrite would replace."""
    with session_scope(get_engine()) as session:
        stamp = editing.draft_stamp(session=session, assistant_id=assistant_id)
    st.session_state[_key(namespace, "conflict")] = {
        "message": error.message,
        "changes": [{"field": p.field, "difference": p.message} for p in error.problems],
        "revision": stamp.revision,
    }


def pending(namespace: str) -> bool:
    """Whether a refused save is waiting for the user's decision."""
    return _key(namespace, "conflict") in st.session_state


def show(namespace: str, *, on_reload: Callable[[], Any]) -> int | None:
    """Draw a pending conflict; return the revision to overwrite when the user chose to."""
    conflict = st.session_state.get(_key(namespace, "conflict"))
    if conflict is None:
        return None
    st.error(safe(conflict["message"]), icon=":material/sync_problem:")
    if conflict["changes"]:
        with st.expander(f"What differs ({len(conflict['changes'])} field(s))", expanded=True):
            st.dataframe(pd.DataFrame(conflict["changes"]), hide_index=True, width="stretch")
    bar = st.container(horizontal=True)
    if bar.button("Reload their version", key=_key(namespace, "w:__reload"), type="primary"):
        on_reload()  # resets the form (and this conflict with it) and reruns
    if bar.button("Overwrite with mine", key=_key(namespace, "w:__overwrite")):
        del st.session_state[_key(namespace, "conflict")]
        st.session_state.pop(_key(namespace, "revision"), None)
        return int(conflict["revision"])
    return None
