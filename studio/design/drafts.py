"""The draft of an assistant: validate a whole configuration, replace one section or all of it.

A draft is the only mutable configuration; saving it as a version is `studio.design.versions`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlmodel import Session, col

from studio.access import editing
from studio.access.roles import Permission, require
from studio.core.errors import FieldProblem, InvalidInput, NotFound, problems_from_validation
from studio.core.models import Assistant, AssistantVersion, utcnow
from studio.design.assistants import SECTIONS, AssistantDetail, _load, config_hash, get_assistant
from studio.design.schemas import AssistantConfig
from studio.design.tools import validate_tools

# --------------------------------------------------------------------------- the draft


def _matching_version(session: Session, assistant_id: int, digest: str) -> int | None:
    """The newest version whose configuration equals a draft with hash `digest`."""
    return session.execute(
        select(func.max(col(AssistantVersion.number))).where(
            col(AssistantVersion.assistant_id) == assistant_id,
            col(AssistantVersion.config_hash) == digest,
        )
    ).scalar_one_or_none()


def _write_draft(
    session: Session, row: Assistant, config: AssistantConfig, expected_revision: int | None = None
) -> None:
    assert row.id is not None
    editing.write_draft(
        session=session,
        row=row,
        document=config.model_dump(mode="json"),
        expected_revision=expected_revision,
    )
    row.draft_base_version = _matching_version(session, row.id, config_hash(config))
    row.draft_updated_at = row.updated_at = utcnow()
    session.add(row)
    session.flush()


def validate_config(data: dict[str, Any], *, prefix: str = "") -> AssistantConfig:
    """Validate a whole configuration document, tools deeply (JSON Schema, mock JSON).

    Raises InvalidInput with field problems (paths under `prefix` when given).
    """
    try:
        config = AssistantConfig.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(
            "Some fields need attention; nothing was saved.",
            problems=problems_from_validation(exc, prefix=prefix),
        ) from exc
    tool_problems = validate_tools(list(config.tools))
    if tool_problems:
        raise InvalidInput(
            "Some tools need attention; nothing was saved.",
            problems=[
                FieldProblem(f"{prefix}.{p.field}" if prefix else p.field, p.message)
                for p in tool_problems
            ],
        )
    return config


def update_draft_section(
    *,
    session: Session,
    assistant_id: int,
    section: str,
    data: dict[str, Any] | list[Any] | BaseModel,
    expected_revision: int | None = None,
) -> AssistantDetail:
    """Replace one section ("business", "persona", "brand_voice", "tools", "model", "retrieval")
    of the draft. Raises InvalidInput with field problems (paths start with the section).

    `data` is the section as a dict or pydantic model; for "tools" a list of tools (or a dict
    ``{"tools": [...]}``). The whole configuration is validated; nothing is written on error.
    With `expected_revision` (the draft revision the page loaded), raises EditConflict if
    someone saved the draft since. Raises PermissionDenied unless the actor may edit.
    """
    require(Permission.EDIT_ASSISTANT)
    if section not in SECTIONS:
        raise InvalidInput(
            f'"{section}" is not a part of an assistant.',
            problems=[FieldProblem(section, f"choose one of {', '.join(SECTIONS)}")],
        )
    row = _load(session, assistant_id)
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    if section == "tools" and isinstance(data, dict) and set(data) == {"tools"}:
        data = data["tools"]
    document = dict(row.draft_config)
    document[section] = data
    try:
        config = validate_config(document)
    except InvalidInput as exc:
        # Whole-document rules (e.g. unique tool names) have no field path: pin them on the section.
        exc.problems = [
            p if p.field.startswith(section) else FieldProblem(section, p.message)
            for p in exc.problems
        ]
        raise
    _write_draft(session, row, config, expected_revision)
    return get_assistant(session=session, assistant_id=assistant_id)


def replace_draft(
    *,
    session: Session,
    assistant_id: int,
    config: AssistantConfig,
    expected_revision: int | None = None,
) -> AssistantDetail:
    """Replace the whole draft with `config`. Raises NotFound if the assistant is gone.

    With `expected_revision`, raises EditConflict if someone saved the draft since.
    """
    require(Permission.EDIT_ASSISTANT)
    _write_draft(session, _load(session, assistant_id), config, expected_revision)
    return get_assistant(session=session, assistant_id=assistant_id)


def delete_tool(*, session: Session, assistant_id: int, name: str) -> AssistantDetail:
    """Remove the tool called `name` from the draft as it is stored now.

    By name, from the stored list: a tool someone else added or moved meanwhile is kept.
    Raises NotFound if the draft has no tool of that name (deleted or renamed meanwhile).
    """
    require(Permission.EDIT_ASSISTANT)
    row = _load(session, assistant_id)
    tools = list(row.draft_config.get("tools", []))
    remaining = [t for t in tools if t.get("name") != name]
    if len(remaining) == len(tools):
        raise NotFound(
            f'The draft has no tool named "{name}" any more: it was deleted or renamed meanwhile.'
        )
    return update_draft_section(
        session=session, assistant_id=assistant_id, section="tools", data=remaining
    )
