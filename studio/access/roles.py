"""Roles and permissions, and the person acting right now (a context variable the edges set).

Sign-in off (the default): everyone is the one local user, an admin. Sign-in on: nobody may
change anything until the UI or CLI says who is acting with `acting_as`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum

from pydantic import BaseModel

from studio.core.config import get_settings
from studio.core.errors import NotSignedIn, PermissionDenied
from studio.core.models import UserRole


class Permission(StrEnum):
    """One kind of action; the value completes "… may not <value>"."""

    CHAT = "chat with assistants"
    FEEDBACK = "rate or correct replies and vote"
    EDIT_ASSISTANT = "change assistants (drafts, versions, publishing, import)"
    EDIT_KNOWLEDGE = "change knowledge (upload, re-index, delete documents)"
    RUN_SUITES = "run test suites"
    DELETE_ASSISTANT = "delete assistants"
    MANAGE_SETTINGS = "change settings (prices, provider keys)"
    MANAGE_USERS = "manage users"
    VIEW_AUDIT = "read the audit log"


_VIEWER = frozenset({Permission.CHAT, Permission.FEEDBACK})
_EDITOR = _VIEWER | {Permission.EDIT_ASSISTANT, Permission.EDIT_KNOWLEDGE, Permission.RUN_SUITES}
ROLE_PERMISSIONS: dict[UserRole, frozenset[Permission]] = {
    UserRole.VIEWER: _VIEWER,
    UserRole.EDITOR: frozenset(_EDITOR),
    UserRole.ADMIN: frozenset(Permission),
}
ROLE_SUMMARY: dict[UserRole, str] = {
    UserRole.VIEWER: "reads, chats and votes",
    UserRole.EDITOR: "also designs assistants, knowledge and suites",
    UserRole.ADMIN: "also manages settings, users, deletion and the audit log",
}


class Actor(BaseModel):
    """Who is acting: a studio user, the local single user, or the studio itself (start-up)."""

    name: str
    role: UserRole | None  # None: nobody is signed in
    user_id: int | None = None

    @property
    def signed_in(self) -> bool:
        """Whether this is a person (or the studio) allowed to act at all."""
        return self.role is not None


LOCAL = Actor(name="local", role=UserRole.ADMIN)
SYSTEM = Actor(name="studio", role=UserRole.ADMIN)
ANONYMOUS = Actor(name="anonymous", role=None)

_acting: ContextVar[Actor | None] = ContextVar("studio_actor", default=None)


def sign_in_enabled() -> bool:
    """Whether the studio asks people to sign in (STUDIO_AUTH_MODE is not "off")."""
    return get_settings().auth_mode != "off"


def current_actor() -> Actor:
    """The person acting in this thread or task (the local admin while sign-in is off)."""
    actor = _acting.get()
    if actor is not None:
        return actor
    return ANONYMOUS if sign_in_enabled() else LOCAL


def set_actor(actor: Actor | None) -> None:
    """Say who acts for the rest of this script run (the UI edge, once per run)."""
    _acting.set(actor)


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    """Act as `actor` inside the block (CLI commands, start-up work, tests)."""
    token = _acting.set(actor)
    try:
        yield actor
    finally:
        _acting.reset(token)


def allows(permission: Permission, actor: Actor | None = None) -> bool:
    """Whether `actor` (default: the current one) may do `permission` (pages hide buttons)."""
    actor = actor or current_actor()
    return actor.role is not None and permission in ROLE_PERMISSIONS[actor.role]


def least_role(permission: Permission) -> UserRole:
    """The lowest role that has `permission`."""
    return next(
        r
        for r in (UserRole.VIEWER, UserRole.EDITOR, UserRole.ADMIN)
        if permission in ROLE_PERMISSIONS[r]
    )


def why_not(permission: Permission, actor: Actor | None = None) -> str:
    """Why the current actor may not do `permission`, for a page's help text ("" if they may)."""
    actor = actor or current_actor()
    if allows(permission, actor):
        return ""
    if actor.role is None:
        return f"Sign in to {permission.value}."
    needed = least_role(permission)
    return (
        f"{actor.name} is a {actor.role.value} and may not {permission.value}; "
        f"that needs the {needed.value} role — ask an admin."
    )


def require(permission: Permission) -> Actor:
    """The current actor, if they may do `permission`.

    Raises NotSignedIn if nobody is signed in, PermissionDenied if their role lacks it.
    """
    actor = current_actor()
    if actor.role is None:
        raise NotSignedIn(why_not(permission, actor))
    if permission not in ROLE_PERMISSIONS[actor.role]:
        raise PermissionDenied(why_not(permission, actor))
    return actor
