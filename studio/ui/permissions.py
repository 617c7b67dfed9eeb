"""Buttons a role may not use are drawn disabled, with the reason as their help text (the
studio functions refuse them anyway: this only saves the click)."""

from __future__ import annotations

from typing import Any

from studio.access.roles import Permission, why_not

EDIT = Permission.EDIT_ASSISTANT
KNOWLEDGE = Permission.EDIT_KNOWLEDGE
DELETE = Permission.DELETE_ASSISTANT


def lock(permission: Permission, *, busy: bool = False) -> dict[str, Any]:
    """`disabled` and `help` keyword arguments for a button that needs `permission`."""
    reason = why_not(permission)
    return {"disabled": busy or bool(reason), "help": reason or None}
