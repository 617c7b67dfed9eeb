"""Studio users: adding them, roles, disabling, and signing in (a password, or the identity
provider's claims through Streamlit's `st.login`).

Passwords are hashed with argon2id (argon2-cffi) and never stored, logged or audited in clear.
Wrong passwords are counted on the user row, so the lock-out holds across studio processes.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlmodel import Session, col

from studio.access import audit
from studio.access.roles import Actor, Permission, require
from studio.core.config import get_settings
from studio.core.errors import Conflict, FieldProblem, InvalidInput, NotFound, NotSignedIn
from studio.core.models import StudioUser, UserRole, utcnow

MIN_PASSWORD = 10
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password, only for timing")
_NAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]{1,119}$")
WRONG = "Wrong user name or password."


class UserInfo(BaseModel):
    id: int
    username: str
    display_name: str
    role: UserRole
    is_active: bool
    has_password: bool
    locked_until: datetime | None
    last_login_at: datetime | None


def _info(row: StudioUser) -> UserInfo:
    return UserInfo(
        id=row.id or 0,
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        is_active=row.is_active,
        has_password=row.password_hash is not None,
        locked_until=row.locked_until,
        last_login_at=row.last_login_at,
    )


def _actor(row: StudioUser) -> Actor:
    return Actor(name=row.username, role=row.role, user_id=row.id)


def clean_username(raw: str) -> str:
    """A user name as stored: trimmed, lower-case. Raises InvalidInput if it is not usable."""
    name = (raw or "").strip().lower()
    if not _NAME.match(name):
        raise InvalidInput(
            "Choose another user name.",
            problems=[
                FieldProblem(
                    "username", "2–120 letters, digits or . _ @ + - (an e-mail address works)"
                )
            ],
        )
    return name


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput(
            "The password is too short.",
            problems=[FieldProblem("password", f"use at least {MIN_PASSWORD} characters")],
        )


def _load(session: Session, username: str) -> StudioUser:
    row = session.execute(
        select(StudioUser).where(col(StudioUser.username) == username.strip().lower())
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f'No studio user is called "{username}". See `python -m studio users list`.')
    return row


def _active_admins(session: Session) -> int:
    return session.execute(
        select(func.count()).where(
            col(StudioUser.role) == UserRole.ADMIN, col(StudioUser.is_active).is_(True)
        )
    ).scalar_one()


def add_user(
    *,
    session: Session,
    username: str,
    role: UserRole = UserRole.VIEWER,
    password: str | None = None,
    display_name: str = "",
) -> UserInfo:
    """Add a user (no password: signs in through the identity provider only).

    Raises PermissionDenied unless an admin acts, InvalidInput for a bad name or short
    password, Conflict if the name is taken.
    """
    require(Permission.MANAGE_USERS)
    name = clean_username(username)
    if password is not None:
        _check_password(password)
    if session.execute(select(col(StudioUser.id)).where(col(StudioUser.username) == name)).first():
        raise Conflict(f'A user called "{name}" already exists.')
    row = StudioUser(
        username=name,
        display_name=" ".join(display_name.split())[:120],
        role=role,
        password_hash=_hasher.hash(password) if password is not None else None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session=session,
        action="user.add",
        target_type="user",
        target_id=row.id,
        target_label=name,
        changes=audit.changes_between(
            {}, {"role": role.value, "password": "set" if password else None}
        ),
    )
    return _info(row)


def list_users(*, session: Session) -> list[UserInfo]:
    """Every user by name. Raises PermissionDenied unless an admin acts."""
    require(Permission.MANAGE_USERS)
    rows = session.execute(select(StudioUser).order_by(col(StudioUser.username))).scalars()
    return [_info(r) for r in rows]


def count_users(*, session: Session) -> int:
    """How many users exist (the sign-in page explains how to add the first one)."""
    return session.execute(select(func.count()).select_from(StudioUser)).scalar_one()


def set_role(*, session: Session, username: str, role: UserRole) -> UserInfo:
    """Give a user another role. Raises NotFound, or Conflict when it would leave no admin."""
    require(Permission.MANAGE_USERS)
    row = _load(session, username)
    if row.role == UserRole.ADMIN and role != UserRole.ADMIN and _active_admins(session) <= 1:
        raise Conflict("This is the last active admin; make someone else admin first.")
    old = row.role
    row.role = role
    session.add(row)
    audit.record(
        session=session,
        action="user.role",
        target_type="user",
        target_id=row.id,
        target_label=row.username,
        changes=audit.changes_between({"role": old.value}, {"role": role.value}),
    )
    return _info(row)


def set_active(*, session: Session, username: str, active: bool) -> UserInfo:
    """Disable (or enable again) a user. Raises Conflict for the last active admin."""
    require(Permission.MANAGE_USERS)
    row = _load(session, username)
    if not active and row.is_active and row.role == UserRole.ADMIN and _active_admins(session) <= 1:
        raise Conflict("This is the last active admin; make someone else admin first.")
    old = row.is_active
    row.is_active = active
    if active:
        row.failed_attempts, row.locked_until = 0, None
    session.add(row)
    audit.record(
        session=session,
        action="user.enable" if active else "user.disable",
        target_type="user",
        target_id=row.id,
        target_label=row.username,
        changes=audit.changes_between({"active": old}, {"active": active}),
    )
    return _info(row)


def set_password(*, session: Session, username: str, password: str) -> UserInfo:
    """Set a user's password (hashed). Raises InvalidInput if it is too short."""
    require(Permission.MANAGE_USERS)
    row = _load(session, username)
    _check_password(password)
    row.password_hash = _hasher.hash(password)
    row.failed_attempts, row.locked_until = 0, None
    session.add(row)
    audit.record(
        session=session,
        action="user.password",
        target_type="user",
        target_id=row.id,
        target_label=row.username,
        changes=[audit.FieldChangeRecord(path="password", old=audit.REDACTED, new=audit.REDACTED)],
    )
    return _info(row)


def authenticate(*, session: Session, username: str, password: str) -> Actor:
    """The actor for a correct user name and password.

    Raises NotSignedIn for a wrong name or password (the same message, the same time), for a
    disabled account, or while the account waits after too many wrong passwords.
    """
    settings = get_settings()
    name = (username or "").strip().lower()
    row = session.execute(
        select(StudioUser).where(col(StudioUser.username) == name).with_for_update()
    ).scalar_one_or_none()
    now = utcnow()
    if row is None or row.password_hash is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password or "-")
        raise NotSignedIn(WRONG)
    if row.locked_until is not None and row.locked_until > now:
        minutes = max(1, round((row.locked_until - now).total_seconds() / 60))
        raise NotSignedIn(
            f"Too many wrong passwords. Try again in {minutes} minute(s), or ask "
            "an admin to enable the account again."
        )
    try:
        _hasher.verify(row.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        row.failed_attempts += 1
        if row.failed_attempts >= settings.max_sign_in_attempts:
            row.locked_until = now + timedelta(seconds=settings.sign_in_lockout_s)
            row.failed_attempts = 0
        session.add(row)
        session.commit()  # the count must survive the error the caller turns into a message
        raise NotSignedIn(WRONG) from None
    if not row.is_active:
        raise NotSignedIn("This account is disabled. Ask an admin to enable it.")
    if _hasher.check_needs_rehash(row.password_hash):
        row.password_hash = _hasher.hash(password)
    row.failed_attempts, row.locked_until, row.last_login_at = 0, None, now
    session.add(row)
    return _actor(row)


def actor_for_identity(*, session: Session, claims: Mapping[str, object]) -> Actor:
    """The actor for the identity provider's claims (`st.user`): the studio user whose name is
    the verified e-mail address. Raises NotSignedIn if there is none or it is disabled."""
    email = str(claims.get("email") or "").strip().lower()
    if not email or claims.get("email_verified") is False:
        raise NotSignedIn(
            "Your identity provider did not share a verified e-mail address, "
            "which the studio needs to know who you are."
        )
    row = session.execute(
        select(StudioUser).where(col(StudioUser.username) == email)
    ).scalar_one_or_none()
    if row is None:
        raise NotSignedIn(
            f"{email} is not a studio user yet. Ask an admin to run "
            f"`python -m studio users add {email} --role viewer`."
        )
    if not row.is_active:
        raise NotSignedIn("This account is disabled. Ask an admin to enable it.")
    row.last_login_at = utcnow()
    if not row.display_name and claims.get("name"):
        row.display_name = str(claims["name"])[:120]
    session.add(row)
    return _actor(row)


def actor_of(*, session: Session, user_id: int) -> Actor:
    """The actor for a signed-in user id, re-read each run so a role change or disabling takes
    effect at once. Raises NotSignedIn if the user is gone or disabled."""
    row = session.get(StudioUser, user_id)
    if row is None or not row.is_active:
        raise NotSignedIn("Your account was disabled or removed. Sign in again or ask an admin.")
    return _actor(row)
