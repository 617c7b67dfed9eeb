"""Audit entries name fields old → new with secrets left out; CSV is spreadsheet-safe; a stale
draft save is refused with who and when, and an overwrite goes through."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy.engine import Engine

from studio.access import audit, editing
from studio.access.roles import Actor, acting_as
from studio.core.db import session_scope
from studio.core.errors import EditConflict, NotFound
from studio.core.models import UserRole
from studio.design import assistants, drafts, versions

BOB = Actor(name="bob", role=UserRole.EDITOR)


def test_changes_are_field_paths_with_old_and_new_and_secrets_are_redacted() -> None:
    old = {"persona": {"name": "Ava", "greetings": ["Hi", "Hello"]}, "api_key": "sk-old"}
    new = {"persona": {"name": "Max", "greetings": ["Hi", "Hey"]}, "api_key": "sk-new"}
    changes = {c.path: (c.old, c.new) for c in audit.changes_between(old, new)}
    assert changes == {
        "persona.name": ("Ava", "Max"),
        "persona.greetings[2]": ("Hello", "Hey"),
        "api_key": (audit.REDACTED, audit.REDACTED),
    }


def test_the_csv_neutralises_formulas_in_hostile_names() -> None:
    entry = audit.AuditRecord(
        id=1,
        at="2026-12-02T10:00:00Z",
        actor='=HYPERLINK("http://x")',
        action="a",
        target_type="assistant",
        target_id="1",
        target_label="@SUM(1)",
        changes=[audit.FieldChangeRecord(path="name", old="+1", new="-2")],
    )
    (row,) = list(csv.DictReader(io.StringIO(audit.entries_csv([entry]))))
    assert row["actor"].startswith("'=") and row["target"].startswith("'@")
    assert (row["old"], row["new"]) == ("'+1", "'-2")


def _persona(engine: Engine, assistant_id: int, name: str, revision: int | None) -> None:
    with session_scope(engine) as s:
        persona = assistants.get_assistant(session=s, assistant_id=assistant_id).draft.persona
        drafts.update_draft_section(
            session=s,
            assistant_id=assistant_id,
            section="persona",
            data=persona.model_dump() | {"name": name},
            expected_revision=revision,
        )


def test_a_save_based_on_an_old_revision_says_who_changed_it_and_what(engine: Engine) -> None:
    with session_scope(engine) as s:
        assistant_id = assistants.create_assistant(session=s, name="A", company_name="Acme").id
        loaded = editing.draft_stamp(session=s, assistant_id=assistant_id).revision
    with acting_as(BOB):
        _persona(engine, assistant_id, "Bob's name", loaded)
    with pytest.raises(
        EditConflict, match=r"changed by bob at \d{4}-\d\d-\d\d \d\d:\d\d UTC"
    ) as info:
        _persona(engine, assistant_id, "My name", loaded)
    assert [p.field for p in info.value.problems] == ["persona.name"]
    assert "My name" in info.value.problems[0].message
    assert "Bob's name" in info.value.problems[0].message
    # Overwriting is a deliberate save against the revision that is there now.
    with session_scope(engine) as s:
        now = editing.draft_stamp(session=s, assistant_id=assistant_id)
    assert (now.revision, now.updated_by) == (loaded + 1, "bob")
    _persona(engine, assistant_id, "My name", now.revision)
    with session_scope(engine) as s:
        draft = assistants.get_assistant(session=s, assistant_id=assistant_id).draft
        entries = audit.list_entries(session=s, action="assistant.draft")
    assert draft.persona.name == "My name"
    assert [(e.actor, e.changes[0].new) for e in entries] == [
        ("local", "My name"),
        ("bob", "Bob's name"),
    ]


def _tool(name: str) -> dict[str, object]:
    return {"name": name, "description": f"{name} tool", "parameters": {"type": "object"}}


def test_deleting_a_tool_keeps_what_someone_else_saved_meanwhile(engine: Engine) -> None:
    with session_scope(engine) as s:
        assistant_id = assistants.create_assistant(session=s, name="A", company_name="Acme").id
        drafts.update_draft_section(
            session=s, assistant_id=assistant_id, section="tools", data=[_tool("a"), _tool("b")]
        )
    # Bob adds a tool in front while my page still shows [a, b].
    with acting_as(BOB), session_scope(engine) as s:
        drafts.update_draft_section(
            session=s,
            assistant_id=assistant_id,
            section="tools",
            data=[_tool("c"), _tool("a"), _tool("b")],
        )
    with session_scope(engine) as s:
        drafts.delete_tool(session=s, assistant_id=assistant_id, name="b")
    with session_scope(engine) as s:
        tools = assistants.get_assistant(session=s, assistant_id=assistant_id).draft.tools
    assert [t.name for t in tools] == ["c", "a"]


def test_deleting_a_tool_that_is_gone_says_so(engine: Engine) -> None:
    with session_scope(engine) as s:
        assistant_id = assistants.create_assistant(session=s, name="A", company_name="Acme").id
    with pytest.raises(NotFound, match='no tool named "nope"'), session_scope(engine) as s:
        drafts.delete_tool(session=s, assistant_id=assistant_id, name="nope")


def test_restoring_a_version_over_a_draft_changed_meanwhile_is_refused(engine: Engine) -> None:
    with session_scope(engine) as s:
        assistant_id = assistants.create_assistant(session=s, name="A", company_name="Acme").id
        versions.save_version(session=s, assistant_id=assistant_id, note="first")
        seen = editing.draft_stamp(session=s, assistant_id=assistant_id).revision
    with acting_as(BOB):
        _persona(engine, assistant_id, "Bob's name", None)
    with pytest.raises(EditConflict, match="changed by bob"), session_scope(engine) as s:
        versions.restore_version(
            session=s, assistant_id=assistant_id, number=1, expected_revision=seen
        )
    with session_scope(engine) as s:
        draft = assistants.get_assistant(session=s, assistant_id=assistant_id).draft
        assert draft.persona.name == "Bob's name"
        now = editing.draft_stamp(session=s, assistant_id=assistant_id).revision
        versions.restore_version(
            session=s, assistant_id=assistant_id, number=1, expected_revision=now
        )
