"""Errors a user can act on. Pages catch `StudioError` and show its message with `st.error`."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError


@dataclass(frozen=True)
class FieldProblem:
    """One problem with one field: where it is (a dotted path) and what to do about it."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class StudioError(Exception):
    """Base of every error whose message is meant for the person using the studio."""

    def __init__(self, message: str, *, problems: list[FieldProblem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems: list[FieldProblem] = list(problems or [])

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        details = "; ".join(str(p) for p in self.problems)
        return f"{self.message} — {details}"


class InvalidInput(StudioError):
    """The user's input does not pass validation; `problems` says which fields and why."""


class NotFound(StudioError):
    """The thing asked for does not exist (any more)."""


class Conflict(StudioError):
    """The change clashes with what is already stored (a duplicate name, a stale draft…)."""


class PermissionDenied(StudioError):
    """The person signed in may not do this (their role lacks the permission)."""


class NotSignedIn(PermissionDenied):
    """Sign-in is on and nobody is signed in (or the account is disabled or locked)."""


class EditConflict(Conflict):
    """Someone else saved the draft since it was loaded; `problems` lists what they changed."""


class LimitReached(StudioError):
    """A usage limit (turns per minute, daily spend) was reached; the message says until when."""


class ImportFailed(StudioError):
    """An imported file could not be read or does not describe a valid assistant."""


class KnowledgeError(StudioError):
    """A document could not be parsed, indexed or retrieved."""


class IndexingStopped(KnowledgeError):
    """Indexing was stopped on request (by the user, or because the studio is shutting down)."""


class ProviderError(StudioError):
    """The language-model provider failed; the message says what the user can do."""


def _loc_to_path(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item + 1}]")  # 1-based: this is shown to people
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def problems_from_validation(error: ValidationError, *, prefix: str = "") -> list[FieldProblem]:
    """Turn a pydantic `ValidationError` into field-level problems with readable paths."""
    problems: list[FieldProblem] = []
    for item in error.errors(include_url=False):
        loc = tuple(
            x for x in item["loc"] if not (isinstance(x, str) and x.startswith("function-"))
        )
        path = _loc_to_path(loc)
        if prefix:
            path = f"{prefix}.{path}" if path else prefix
        message = str(item["msg"]).removeprefix("Value error, ")
        problems.append(FieldProblem(field=path, message=message))
    return problems
