"""Team & audit log: who may use the studio with which role, and every change on record."""

import streamlit as st

from studio.access.roles import Permission, allows, current_actor, sign_in_enabled, why_not
from studio.core.errors import StudioError
from studio.ui import team_view
from studio.ui.navigation import run_inside_studio
from studio.ui.untrusted import safe

run_inside_studio()

st.title("Team & audit log")
actor = current_actor()
mode = "on" if sign_in_enabled() else "off (everyone is the local admin; set STUDIO_AUTH_MODE)"
st.caption(f"Sign-in is {mode}. You are **{safe(actor.name)}**.")
if not allows(Permission.MANAGE_USERS):
    st.info(why_not(Permission.MANAGE_USERS))
    st.stop()

users_tab, audit_tab = st.tabs(["Users", "Audit log"])
try:
    with users_tab:
        team_view.users_panel()
    with audit_tab:
        team_view.audit_panel()
except StudioError as error:
    st.error(str(error))
