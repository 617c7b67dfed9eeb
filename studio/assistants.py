"""Assistants: CRUD, drafts, immutable versions, templates, import/export.

INTERFACE STUB — owned by the "assistants" helper, who replaces the bodies. Signatures and the
public shapes below are the contract other modules and pages code against; extend, don't break.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from studio.models import AssistantStatus
from studio.schemas import AssistantConfig


class AssistantSummary(BaseModel):
    id: int
    name: str
    description: str
    status: AssistantStatus
    is_demo: bool
    template: str | None
    company_name: str
    published_version: int | None
    latest_version: int | None
    version_count: int
    has_unsaved_changes: bool
    draft_updated_at: datetime


class AssistantDetail(AssistantSummary):
    draft: AssistantConfig

    @property
    def config_hash(self) -> str:
        """Hash of the draft configuration (identifies a draft in logs)."""
        raise NotImplementedError


class VersionSummary(BaseModel):
    number: int
    note: str
    created_at: datetime
    config_hash: str
    is_published: bool


class VersionDetail(VersionSummary):
    config: AssistantConfig


def seed_demo_assistants(*, session: Session) -> int:
    """Create the demo assistants from the templates once; return how many were created."""
    return 0  # stub: the assistants helper implements it


def list_assistants(*, session: Session, include_archived: bool = False) -> list[AssistantSummary]:
    """All assistants, newest draft edit first."""
    raise NotImplementedError


def get_assistant(*, session: Session, assistant_id: int) -> AssistantDetail:
    """One assistant with its draft. Raises NotFound if it does not exist."""
    raise NotImplementedError


def update_draft_section(
    *, session: Session, assistant_id: int, section: str, data: dict[str, Any]
) -> AssistantDetail:
    """Replace one section ("business", "persona", "brand_voice", "tools", "model", "retrieval")
    of the draft. Raises InvalidInput with field problems (paths start with the section)."""
    raise NotImplementedError
