"""Settings: a provider key stored in the studio (encrypted, masked) and the usage limits."""

from __future__ import annotations

import streamlit as st

from studio.access import keys
from studio.access.roles import Permission, why_not
from studio.core.config import get_settings
from studio.core.db import session_scope
from studio.core.errors import StudioError
from studio.ui.resources import get_engine
from studio.ui.untrusted import safe


def stored_key_panel() -> None:
    """Show the stored key masked; an admin can store (encrypted) or remove it."""
    st.subheader("Provider key stored in the studio")
    st.caption(
        "Optional. Keys normally stay in the environment; one stored here is encrypted "
        "with STUDIO_SECRET_KEY and used when the environment has none."
    )
    with session_scope(get_engine()) as session:
        info = keys.stored_key_info(session=session)
    if info is not None:
        st.markdown(f"Stored key: `{info.masked}` (by {safe(info.updated_by)})")
    denied = why_not(Permission.MANAGE_SETTINGS)
    if denied:
        st.caption(denied)
        return
    if get_settings().secret_key is None:
        st.info(
            "Set STUDIO_SECRET_KEY to store a key here (`python -m studio users secret-key` "
            "prints a new one)."
        )
        return
    with st.form("stored_key", clear_on_submit=True):
        value = st.text_input("API key", type="password", autocomplete="off")
        if st.form_submit_button("Store key (encrypted)"):
            _act(lambda s: keys.store_key(session=s, value=value), "Key stored, encrypted.")
    if info is not None and st.button("Remove the stored key", icon=":material/delete:"):
        _act(lambda s: keys.remove_key(session=s), "Stored key removed.")


def _act(action: object, done: str) -> None:
    try:
        with session_scope(get_engine()) as session:
            action(session)  # type: ignore[operator]
    except StudioError as error:
        st.error(str(error))
        return
    st.toast(done, icon="✅")
    st.rerun()


def limits_caption() -> None:
    """The usage limits in force for real models."""
    settings = get_settings()
    st.caption(
        f"Limits for real models: {settings.turns_per_minute} messages per person and provider "
        f"per minute (STUDIO_TURNS_PER_MINUTE); about ${settings.daily_spend_cap_usd:.2f} per "
        "provider per UTC day, estimated from the prices below (STUDIO_DAILY_SPEND_CAP_USD). "
        "The offline simulator is never limited."
    )
