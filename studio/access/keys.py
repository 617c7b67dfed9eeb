"""Provider keys an admin stores in the studio (Settings): encrypted at rest with Fernet and a
key from the environment (STUDIO_SECRET_KEY), shown only masked, never audited in clear.

By default keys stay out of the database (environment or `.streamlit/secrets.toml`); storing
one is refused while no STUDIO_SECRET_KEY is set.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken
from pydantic import BaseModel
from sqlmodel import Session

from studio.access import audit
from studio.access.roles import Permission, current_actor, require
from studio.core.config import get_settings
from studio.core.errors import FieldProblem, InvalidInput, NotFound, StudioError
from studio.core.models import StoredSecret, utcnow

LLM_API_KEY = "llm_api_key"


class StoredKeyInfo(BaseModel):
    name: str
    masked: str
    updated_by: str


def new_secret_key() -> str:
    """A fresh value for STUDIO_SECRET_KEY."""
    return Fernet.generate_key().decode("ascii")


def _fernet() -> Fernet:
    secret = get_settings().secret_key
    if secret is None or not secret.get_secret_value().strip():
        raise StudioError(
            "To store a key in the studio, set STUDIO_SECRET_KEY first (create one with "
            "`python -m studio users secret-key`). Or keep the key in the environment."
        )
    try:
        return Fernet(secret.get_secret_value().strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise StudioError(
            "STUDIO_SECRET_KEY is not a valid key (32 url-safe base64-encoded bytes). Create "
            "one with `python -m studio users secret-key`."
        ) from exc


def mask(value: str) -> str:
    """A key as it may be shown: its first 3 and last 4 characters at most."""
    value = value.strip()
    if len(value) <= 12:
        return "•" * 8
    return f"{value[:3]}…{value[-4:]}"


def store_key(*, session: Session, value: str, name: str = LLM_API_KEY) -> StoredKeyInfo:
    """Encrypt and store a provider key. Raises PermissionDenied unless an admin acts,
    InvalidInput for an empty value, StudioError while no STUDIO_SECRET_KEY is set."""
    require(Permission.MANAGE_SETTINGS)
    value = (value or "").strip()
    if not value or len(value) > 500 or any(c.isspace() for c in value):
        raise InvalidInput("Paste the key itself.", problems=[FieldProblem("key", "no spaces")])
    token = _fernet().encrypt(value.encode("utf-8")).decode("ascii")
    row = session.get(StoredSecret, name) or StoredSecret(name=name, ciphertext="")
    existed = bool(row.ciphertext)
    row.ciphertext, row.hint = token, mask(value)
    row.updated_at, row.updated_by = utcnow(), current_actor().name
    session.add(row)
    audit.record(
        session=session,
        action="settings.key",
        target_type="secret",
        target_id=name,
        target_label=name,
        changes=audit.changed(api_key=(existed, True)),
    )
    return StoredKeyInfo(name=name, masked=row.hint, updated_by=row.updated_by)


def remove_key(*, session: Session, name: str = LLM_API_KEY) -> None:
    """Forget a stored key. Raises PermissionDenied unless an admin acts, NotFound if none."""
    require(Permission.MANAGE_SETTINGS)
    row = session.get(StoredSecret, name)
    if row is None:
        raise NotFound("No key is stored in the studio.")
    session.delete(row)
    audit.record(
        session=session,
        action="settings.key_removed",
        target_type="secret",
        target_id=name,
        target_label=name,
        changes=audit.changed(api_key=(True, False)),
    )


def stored_key_info(*, session: Session, name: str = LLM_API_KEY) -> StoredKeyInfo | None:
    """The stored key, masked (None when none is stored)."""
    row = session.get(StoredSecret, name)
    return StoredKeyInfo(name=name, masked=row.hint, updated_by=row.updated_by) if row else None


def read_key(*, session: Session, name: str = LLM_API_KEY) -> str | None:
    """The decrypted key, for the backend only (None when none is stored).

    Raises StudioError if STUDIO_SECRET_KEY is missing or is not the key it was stored with.
    """
    row = session.get(StoredSecret, name)
    if row is None:
        return None
    try:
        return _fernet().decrypt(row.ciphertext.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise StudioError(
            "The stored provider key cannot be decrypted with this STUDIO_SECRET_KEY (it was "
            "changed?). Store the key again in Settings."
        ) from exc
