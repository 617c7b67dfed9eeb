"""Removing secrets from text before it is stored, logged or shown.

Provider error bodies, exception texts and URLs can carry the API key: a proxy that echoes the
Authorization header, a key embedded in the base URL (``https://user:key@…``, ``?api-key=…``).
`redact` removes the configured key, every key a backend was built with, URL credentials and
anything shaped like a bearer token or an ``sk-…`` key. `install_log_redaction` applies the same
to every log record of the process.
"""

from __future__ import annotations

import logging
import re
import threading
import traceback
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

from studio.core.config import get_settings
from studio.core.credentials import resolve_api_key

MASK = "[redacted]"
MIN_SECRET = 4  # shorter "secrets" would mask ordinary words

_SECRET_PARAMS = r"(?:api[-_]?key|key|token|access[-_]?token|auth|password|secret|sig|signature)"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # scheme://user:password@host → scheme://[redacted]@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@?#]+@"), rf"\1{MASK}@"),
    (re.compile(rf"(?i)([?&;]{_SECRET_PARAMS}=)[^&#\s\"'<>]+"), rf"\1{MASK}"),
    (re.compile(r"(?i)\b(bearer)(\s+)[A-Za-z0-9._~+/=-]{4,}"), rf"\1\2{MASK}"),
    (re.compile(r"\b(Basic)(\s+)[A-Za-z0-9+/]{12,}={0,2}"), rf"\1\2{MASK}"),
    (
        re.compile(r"(?i)\b((?:x-)?api[-_]?key|authorization)([\"']?\s*[:=]\s*[\"']?)[^\s\"',;}]+"),
        rf"\1\2{MASK}",
    ),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{8,}"), MASK),
)

_registered: set[str] = set()
_lock = threading.Lock()


def _url_secrets(url: str) -> list[str]:
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found = [parts.password or "", parts.username or ""]
    found += [value for _, value in parse_qsl(parts.query, keep_blank_values=False)]
    return [unquote(s) for s in found if s]


def register_secret(*values: str | None) -> None:
    """Remember secrets in use (a key, a URL with credentials) so every later text is cleaned."""
    with _lock:
        for value in values:
            if not value:
                continue
            if "://" in value:
                _registered.update(s for s in _url_secrets(value) if len(s) >= MIN_SECRET)
            elif len(value.strip()) >= MIN_SECRET:
                _registered.add(value.strip())


def _configured() -> list[str]:
    secrets = [resolve_api_key() or ""]
    url = get_settings().llm_base_url
    if url:
        secrets += _url_secrets(url)
    return [s for s in secrets if len(s) >= MIN_SECRET]


def redact(text: str, *, secrets: Iterable[str | None] = ()) -> str:
    """`text` without the configured key, registered secrets, `secrets`, URL credentials and
    bearer/``sk-`` shaped tokens."""
    with _lock:
        known = set(_registered)
    known.update(s for s in secrets if s and len(s) >= MIN_SECRET)
    known.update(_configured())
    return _clean(text, known)


def _clean(text: str, known: Iterable[str]) -> str:
    # Longest first, so a key that contains another registered secret is masked whole.
    for secret in sorted(known, key=len, reverse=True):
        text = text.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def display_url(url: str) -> str:
    """A URL as it may be shown: no user, password or query string."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path, "", ""))
    except ValueError:
        return redact(url)


_installed = False


def install_log_redaction() -> None:
    """Clean every log record of this process (message, arguments, traceback); idempotent."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        with _lock:
            known = set(_registered)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logger's problem, not ours
            return record
        clean = _clean(message, known)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[0] is not None:
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = _clean(text, known)
        return record

    logging.setLogRecordFactory(factory)
