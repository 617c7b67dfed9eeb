"""AppTest of sign-in, the Team & audit log page, read-only pages for a viewer, the stored key,
and the edit-conflict flow on a design page."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from studio.access import keys, users
from studio.access.roles import SYSTEM, Actor, acting_as
from studio.core.config import get_settings
from studio.core.db import make_engine, session_scope
from studio.core.models import UserRole
from studio.core.schema import upgrade_database
from studio.design import assistants, drafts
from tests.conftest import HOME

PASSWORD = "a long enough password"


def _engine():  # type: ignore[no-untyped-def]
    engine = make_engine(get_settings().resolved_database_url)
    upgrade_database(engine)
    return engine


def _add(name: str, role: UserRole) -> None:
    with acting_as(SYSTEM), session_scope(_engine()) as s:
        users.add_user(session=s, username=name, role=role, password=PASSWORD)


def _button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == label)


def _password_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_AUTH_MODE", "password")
    get_settings.cache_clear()


def _sign_in(name: str, password: str = PASSWORD) -> AppTest:
    at = AppTest.from_file(HOME, default_timeout=60)
    at.run()
    assert not at.exception
    assert at.title[0].value == "Sign in"
    at.text_input[0].input(name)
    at.text_input[1].input(password)
    _button(at, "Sign in").click().run()
    assert not at.exception
    return at


def test_with_sign_in_on_nothing_shows_until_a_correct_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _password_mode(monkeypatch)
    _add("vera", UserRole.VIEWER)
    at = _sign_in("vera", "wrong password!")
    assert at.error[0].value == users.WRONG
    assert at.title[0].value == "Sign in"
    at.text_input[0].input("vera")
    at.text_input[1].input(PASSWORD)
    _button(at, "Sign in").click().run()
    assert not at.exception
    assert at.title[0].value == "Assistants"
    assert any("Signed in as **vera**" in c.value for c in at.sidebar.caption)


def test_a_viewer_sees_design_pages_read_only_and_cannot_open_the_team_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _password_mode(monkeypatch)
    _add("vera", UserRole.VIEWER)
    at = _sign_in("vera")
    at.switch_page("Home.py").run()  # AppTest reruns the page alone; Home picks the assistant
    at.switch_page("pages/requirements.py").run()
    assert not at.exception
    assert any("Read only" in i.value and "viewer" in i.value for i in at.info)
    assert _button(at, "Save business requirements").disabled
    at.switch_page("pages/team.py").run()
    assert not at.exception
    assert "needs the admin role" in at.info[0].value
    assert not at.dataframe


def test_the_admin_adds_a_user_and_finds_it_in_the_audit_log_and_its_csv() -> None:
    at = AppTest.from_file(HOME, default_timeout=60)
    at.run()
    at.switch_page("pages/team.py").run()
    assert not at.exception
    form_inputs = [t for t in at.text_input if t.label in ("User name",)]
    form_inputs[0].input("Nina")
    next(t for t in at.text_input if t.label.startswith("Password")).input(PASSWORD)
    _button(at, "Add user").click().run()
    assert not at.exception
    assert "nina" in at.dataframe[0].value["User"].tolist()
    audit_rows = at.dataframe[1].value
    assert "user.add" in audit_rows["Action"].tolist()
    assert PASSWORD not in audit_rows.to_csv()
    with session_scope(_engine()) as s:
        assert [u.username for u in users.list_users(session=s)] == ["nina"]


def test_a_stored_key_is_shown_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_SECRET_KEY", keys.new_secret_key())
    get_settings.cache_clear()
    at = AppTest.from_file(HOME, default_timeout=60)
    at.run()
    at.switch_page("pages/settings.py").run()
    next(t for t in at.text_input if t.label == "API key").input("sk-CANARY-abcdefghijklmnop")
    _button(at, "Store key (encrypted)").click().run()
    assert not at.exception
    page = "\n".join(m.value for m in at.markdown)
    assert "sk-…mnop" in page and "CANARY" not in page


def test_saving_over_someone_elses_save_is_refused_then_reload_or_overwrite() -> None:
    at = AppTest.from_file(HOME, default_timeout=60)
    at.run()
    at.switch_page("pages/requirements.py").run()
    assistant_id = int(at.session_state["selected_assistant_id"])
    key = f"business:{assistant_id}:w:company_name"
    at.text_input(key=key).input("Mine Inc").run()
    # Meanwhile bob saves the same draft from another browser.
    with acting_as(Actor(name="bob", role=UserRole.EDITOR)), session_scope(_engine()) as s:
        business = assistants.get_assistant(session=s, assistant_id=assistant_id).draft.business
        drafts.update_draft_section(
            session=s,
            assistant_id=assistant_id,
            section="business",
            data=business.model_dump() | {"company_name": "Bob Corp"},
        )
    _button(at, "Save business requirements").click().run()
    assert not at.exception
    assert any("changed by bob at" in e.value for e in at.error)
    differences = next(d.value for d in at.dataframe if "field" in d.value.columns)
    assert "business.company_name" in differences["field"].tolist()
    with session_scope(_engine()) as s:
        stored = assistants.get_assistant(session=s, assistant_id=assistant_id).draft
    assert stored.business.company_name == "Bob Corp"  # nothing was overwritten silently
    _button(at, "Overwrite with mine").click().run()
    assert not at.exception
    with session_scope(_engine()) as s:
        stored = assistants.get_assistant(session=s, assistant_id=assistant_id).draft
    assert stored.business.company_name == "Mine Inc"
    assert not any("changed by bob" in e.value for e in at.error)


def test_reloading_after_a_conflict_shows_their_version() -> None:
    at = AppTest.from_file(HOME, default_timeout=60)
    at.run()
    at.switch_page("pages/requirements.py").run()
    assistant_id = int(at.session_state["selected_assistant_id"])
    key = f"business:{assistant_id}:w:company_name"
    at.text_input(key=key).input("Mine Inc").run()
    with acting_as(Actor(name="bob", role=UserRole.EDITOR)), session_scope(_engine()) as s:
        business = assistants.get_assistant(session=s, assistant_id=assistant_id).draft.business
        drafts.update_draft_section(
            session=s,
            assistant_id=assistant_id,
            section="business",
            data=business.model_dump() | {"company_name": "Bob Corp"},
        )
    _button(at, "Save business requirements").click().run()
    _button(at, "Reload their version").click().run()
    assert not at.exception
    assert at.text_input(key=key).value == "Bob Corp"
    assert not any("changed by bob" in e.value for e in at.error)


def test_in_oidc_mode_nobody_signed_in_is_offered_the_company_sign_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STUDIO_AUTH_MODE", "oidc")
    get_settings.cache_clear()
    at = AppTest.from_file(HOME, default_timeout=60)
    at.run()
    assert not at.exception
    assert at.title[0].value == "Sign in"
    assert _button(at, "Sign in with your company account")
    assert not at.sidebar.selectbox  # no assistant names before sign-in
    _button(at, "Sign in with your company account").click().run()
    assert not at.exception
    assert "not set up" in at.error[0].value  # no [auth] section in this test's secrets
