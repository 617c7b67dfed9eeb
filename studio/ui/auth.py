"""Sign-in at the edge: who is acting in this browser session, set once per script run.

Off (default): the local user, an admin. Password mode: a form checked by `access.users`.
OIDC mode: Streamlit's `st.login` (provider in `.streamlit/secrets.toml` [auth], needs Authlib);
the identity provider's verified e-mail must be a studio user.
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAuthError

from studio.access import roles, users
from studio.access.roles import ANONYMOUS, LOCAL, Actor
from studio.core.config import get_settings
from studio.core.db import session_scope
from studio.core.errors import StudioError
from studio.ui.resources import get_engine
from studio.ui.untrusted import safe

USER_ID = "signed_in_user_id"  # plain int in session state, re-checked against the DB each run


def _sign_in_form() -> None:
    st.title("Sign in")
    st.caption("This studio is shared by a team: sign in with the account an admin gave you.")
    with session_scope(get_engine()) as session:
        if users.count_users(session=session) == 0:
            st.info("No users exist yet. On the server, add the first admin with "
                    "`python -m studio users add NAME --role admin`.")  # fmt: skip
    with st.form("sign_in"):
        username = st.text_input("User name", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        try:
            with session_scope(get_engine()) as session:
                actor = users.authenticate(session=session, username=username, password=password)
        except StudioError as error:
            st.error(str(error))
            return
        st.session_state[USER_ID] = actor.user_id
        st.rerun()


def _logged_in() -> bool:
    # Without an [auth] section (or under AppTest) st.user has no is_logged_in at all.
    return bool(st.user.get("is_logged_in", False))


def _oidc_actor() -> Actor | None:
    if not _logged_in():
        st.title("Sign in")
        st.caption("This studio signs you in through your company's identity provider.")
        provider = get_settings().oidc_provider
        if st.button("Sign in with your company account", type="primary"):
            try:
                if provider:
                    st.login(provider)
                else:
                    st.login()
            except StreamlitAuthError as error:  # no [auth] in secrets.toml, Authlib missing…
                st.error(f"Sign-in through the identity provider is not set up: {error}")
        return None
    with session_scope(get_engine()) as session:
        return users.actor_for_identity(session=session, claims=st.user.to_dict())


def _sign_out() -> None:
    st.session_state.pop(USER_ID, None)
    if get_settings().auth_mode == "oidc":
        st.logout()
    st.rerun()


def sign_in_gate(*, interactive: bool = True) -> Actor:
    """The actor of this run (set for every studio function it calls); while sign-in is on and
    nobody is signed in, draws the sign-in screen and stops the run.

    Every page calls it through `run_inside_studio`, so a page Streamlit runs on its own is gated
    too. Home.py calls it first with `interactive=False` (nothing drawn, never stops; ANONYMOUS
    when nobody is signed in) to leave the sidebar's assistant list out until someone is.
    """
    roles.set_actor(None)  # a script thread may be reused: never inherit the last run's person
    mode = get_settings().auth_mode
    if mode == "off":
        roles.set_actor(LOCAL)
        return LOCAL
    actor: Actor | None = None
    if not interactive:
        try:
            if mode == "oidc" and _logged_in():
                with session_scope(get_engine()) as session:
                    actor = users.actor_for_identity(session=session, claims=st.user.to_dict())
            elif mode == "password" and st.session_state.get(USER_ID) is not None:
                with session_scope(get_engine()) as session:
                    actor = users.actor_of(session=session, user_id=int(st.session_state[USER_ID]))
        except StudioError:
            actor = None
        roles.set_actor(actor or ANONYMOUS)
        return actor or ANONYMOUS
    try:
        if mode == "oidc":
            actor = _oidc_actor()
        elif st.session_state.get(USER_ID) is not None:
            with session_scope(get_engine()) as session:
                actor = users.actor_of(session=session, user_id=int(st.session_state[USER_ID]))
    except StudioError as error:
        st.session_state.pop(USER_ID, None)
        st.error(str(error))
        if mode == "oidc" and _logged_in():
            st.button("Sign out", on_click=st.logout)
        st.stop()
    if actor is None:
        if mode == "password":
            _sign_in_form()
        st.stop()
        raise AssertionError("unreachable")
    roles.set_actor(actor)
    box = st.sidebar.container(horizontal=True, vertical_alignment="center")
    box.caption(f"Signed in as **{safe(actor.name)}** · {actor.role.value if actor.role else ''}")
    if box.button("Sign out", key="sign_out", icon=":material/logout:"):
        _sign_out()
    return actor
