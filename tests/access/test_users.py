"""Password storage, lock-out, disabling, the last admin, and the identity-provider mapping."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from studio.access import audit, users
from studio.core.config import get_settings
from studio.core.db import session_scope
from studio.core.errors import Conflict, InvalidInput, NotSignedIn
from studio.core.models import AuditEntry, StudioUser, UserRole

PASSWORD = "correct horse battery"


def _add(engine: Engine, name: str = "alice", role: UserRole = UserRole.ADMIN) -> None:
    with session_scope(engine) as s:
        users.add_user(session=s, username=name, role=role, password=PASSWORD)


def _sign_in(engine: Engine, name: str, password: str) -> str:
    with session_scope(engine) as s:
        return users.authenticate(session=s, username=name, password=password).name


def test_a_password_is_stored_only_as_an_argon2id_hash_and_never_logged(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _add(engine, "Alice")
    with session_scope(engine) as s:
        row = s.execute(select(StudioUser)).scalar_one()
        entries = s.execute(select(AuditEntry)).scalars().all()
    assert row.username == "alice"
    assert row.password_hash is not None and row.password_hash.startswith("$argon2id$")
    assert PASSWORD not in row.password_hash
    assert all(PASSWORD not in str(e.changes) for e in entries)
    assert PASSWORD not in caplog.text
    assert _sign_in(engine, "ALICE ", PASSWORD) == "alice"


def test_a_short_password_is_refused(session: Session) -> None:
    with pytest.raises(InvalidInput) as info:
        users.add_user(session=session, username="bob", password="short")
    assert info.value.problems[0].field == "password"


def test_a_wrong_name_and_a_wrong_password_read_the_same(engine: Engine) -> None:
    _add(engine)
    with pytest.raises(NotSignedIn) as unknown:
        _sign_in(engine, "nobody", PASSWORD)
    with pytest.raises(NotSignedIn) as wrong:
        _sign_in(engine, "alice", "not the password")
    assert str(unknown.value) == str(wrong.value) == users.WRONG


def test_too_many_wrong_passwords_lock_the_account_for_a_while(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_MAX_SIGN_IN_ATTEMPTS", "3")
    get_settings.cache_clear()
    _add(engine)
    for _ in range(3):
        with pytest.raises(NotSignedIn, match="Wrong"):
            _sign_in(engine, "alice", "guess")
    # Locked now: even the right password waits, and says so.
    with pytest.raises(NotSignedIn, match="Too many wrong passwords"):
        _sign_in(engine, "alice", PASSWORD)
    with session_scope(engine) as s:
        users.set_active(session=s, username="alice", active=True)  # an admin lifts the lock
    assert _sign_in(engine, "alice", PASSWORD) == "alice"


def test_a_disabled_user_cannot_sign_in_and_the_last_admin_stays(engine: Engine) -> None:
    _add(engine)
    _add(engine, "bob", UserRole.EDITOR)
    with session_scope(engine) as s:
        users.set_active(session=s, username="bob", active=False)
        with pytest.raises(Conflict, match="last active admin"):
            users.set_role(session=s, username="alice", role=UserRole.VIEWER)
        with pytest.raises(Conflict, match="last active admin"):
            users.set_active(session=s, username="alice", active=False)
    with pytest.raises(NotSignedIn, match="disabled"):
        _sign_in(engine, "bob", PASSWORD)
    with session_scope(engine) as s:
        actions = [e.action for e in audit.list_entries(session=s)]
    assert actions == ["user.disable", "user.add", "user.add"]


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"email": "Dana@Example.com", "email_verified": True, "name": "Dana"}, "dana@example.com"),
        ({"email": "dana@example.com"}, "dana@example.com"),  # no email_verified claim at all
        ({"email": "dana@example.com", "email_verified": False}, "verified e-mail"),
        ({"sub": "123"}, "verified e-mail"),
        ({"email": "eve@example.com", "email_verified": True}, "not a studio user"),
    ],
)
def test_the_identity_providers_claims_map_to_a_studio_user(
    engine: Engine, claims: dict[str, object], expected: str
) -> None:
    with session_scope(engine) as s:
        users.add_user(session=s, username="dana@example.com", role=UserRole.EDITOR)
    with session_scope(engine) as s:
        if "@" in expected:
            actor = users.actor_for_identity(session=s, claims=claims)
            assert (actor.name, actor.role) == (expected, UserRole.EDITOR)
        else:
            with pytest.raises(NotSignedIn, match=expected):
                users.actor_for_identity(session=s, claims=claims)
