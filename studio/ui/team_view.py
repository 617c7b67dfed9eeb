"""The admin's Team page: users (add, role, disable) and the audit log (filters, CSV)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
import streamlit as st

from studio.access import audit, users
from studio.core.db import session_scope
from studio.core.errors import StudioError
from studio.core.models import UserRole
from studio.ui.resources import get_engine
from studio.ui.untrusted import safe

ROLES = [r.value for r in UserRole]


def users_panel() -> None:
    """The user table and forms to add a user or change one."""
    with session_scope(get_engine()) as session:
        people = users.list_users(session=session)
    if people:
        table = pd.DataFrame(
            [
                {
                    "User": u.username,
                    "Name": u.display_name,
                    "Role": u.role.value,
                    "Active": u.is_active,
                    "Signs in with": "password" if u.has_password else "identity provider",
                    "Last sign-in": u.last_login_at,
                }
                for u in people
            ]
        )
        st.dataframe(table, hide_index=True, width="stretch")
    else:
        st.info("No users yet. Sign-in is off until STUDIO_AUTH_MODE is set; add people first.")
    add, change = st.columns(2, gap="large")
    with add, st.form("add_user", clear_on_submit=True):
        st.markdown("**Add a user**")
        username = st.text_input("User name", help="For identity-provider sign-in: their e-mail.")
        role = st.selectbox("Role", ROLES, key="add_role")
        password = st.text_input(
            "Password (leave empty for identity-provider sign-in)",
            type="password",
            autocomplete="new-password",
        )
        if st.form_submit_button("Add user", type="primary"):
            _act(
                lambda s: users.add_user(
                    session=s, username=username, role=UserRole(role), password=password or None
                ),
                f"Added {safe(username)}.",
            )
    with change:
        st.markdown("**Change a user**")
        names = [u.username for u in people]
        who = st.selectbox("User", names, key="change_user", disabled=not names)
        new_role = st.selectbox("New role", ROLES, key="change_role", disabled=not names)
        bar = st.container(horizontal=True)
        if bar.button("Set role", disabled=not names):
            _act(
                lambda s: users.set_role(session=s, username=who, role=UserRole(new_role)),
                f"{safe(who)} is now {new_role}.",
            )
        active = next((u.is_active for u in people if u.username == who), True)
        if bar.button("Disable" if active else "Enable", disabled=not names):
            _act(
                lambda s: users.set_active(session=s, username=who, active=not active),
                f"{safe(who)} is {'disabled' if active else 'enabled'}.",
            )


def _act(action: object, done: str) -> None:
    try:
        with session_scope(get_engine()) as session:
            action(session)  # type: ignore[operator]
    except StudioError as error:
        st.error(str(error))
        return
    st.toast(done, icon="✅")
    st.rerun()


def audit_panel() -> None:
    """Filters, the matching entries one row per changed field, and CSV export."""
    with session_scope(get_engine()) as session:
        choices = audit.filter_choices(session=session)
    cols = st.columns(4)
    actor = cols[0].selectbox("Who", ["", *choices["actor"]], format_func=lambda v: v or "anyone")
    action = cols[1].selectbox(
        "Action", ["", *choices["action"]], format_func=lambda v: v or "any action"
    )
    kind = cols[2].selectbox(
        "On", ["", *choices["target_type"]], format_func=lambda v: v or "anything"
    )
    today = date.today()
    span = cols[3].date_input("Between", (today - timedelta(days=30), today))
    text = st.text_input("Name contains", placeholder="e.g. an assistant's name")
    since = until = None
    if isinstance(span, tuple) and len(span) == 2:
        since = datetime.combine(span[0], time.min, tzinfo=UTC)
        until = datetime.combine(span[1] + timedelta(days=1), time.min, tzinfo=UTC)
    with session_scope(get_engine()) as session:
        entries = audit.list_entries(
            session=session,
            actor=actor or None,
            action=action or None,
            target_type=kind or None,
            since=since,
            until=until,
            text=text,
        )
    st.caption(
        f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'} (newest first, at most 500)."
    )
    rows = [
        {
            "When": e.at,
            "Who": e.actor,
            "Action": e.action,
            "On": f"{e.target_type} {e.target_label}",
            "Field": c.path,
            "Old": "" if c.old is None else str(c.old),
            "New": "" if c.new is None else str(c.new),
        }
        for e in entries
        for c in (e.changes or [audit.FieldChangeRecord(path="")])
    ]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.download_button(
        "Download CSV",
        audit.entries_csv(entries),
        file_name="audit-log.csv",
        mime="text/csv",
        disabled=not entries,
        icon=":material/download:",
    )
