"""The deadline of the work in progress (a chat turn), for code far below the turn that waits on
the network (the endpoint embedding), without passing it through every layer."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_deadline: ContextVar[float | None] = ContextVar("studio_deadline", default=None)


@contextmanager
def deadline_scope(deadline: float) -> Iterator[None]:
    """Work inside this block must end by `deadline` (a `time.monotonic()` value)."""
    token = _deadline.set(deadline)
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining(default: float) -> float:
    """Seconds left before the current deadline, at most `default` (`default` when none)."""
    deadline = _deadline.get()
    if deadline is None:
        return default
    return min(default, deadline - time.monotonic())


def bounded() -> bool:
    """Whether a deadline is in force."""
    return _deadline.get() is not None
