"""Assistants: create, drafts, immutable versions, diff, restore, publish, lifecycle, templates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from studio.core.errors import Conflict, InvalidInput, NotFound, StudioError
from studio.core.models import Assistant, AssistantStatus, AssistantVersion
from studio.design import assistants, drafts, lifecycle, seeding, versions
from studio.design.diffs import ChangeKind, diff_configs
from studio.design.schemas import AssistantConfig, blank_config
from studio.design.templates import TEMPLATES_DIR, get_template, list_templates, load_template
from studio.design.tools import validate_tools

CONTRACT_TEMPLATES = {
    "ecommerce_support": ("Northwind Outfitters", "Nora"),
    "saas_tech_support": ("Cloudline", "Max"),
    "b2b_sales": ("Ledgerly", "Sam"),
    "clinic_patient_support": ("Maple Grove Clinic", "Ava"),
    "onboarding_guide": ("Brightbank", "Leo"),
}


def make(session: Session, name: str = "Acme — Support", **kwargs: Any) -> int:
    kwargs.setdefault("company_name", "Acme")
    return assistants.create_assistant(session=session, name=name, **kwargs).id


def set_empathy(session: Session, assistant_id: int, value: int) -> None:
    persona = assistants.get_assistant(session=session, assistant_id=assistant_id).draft.persona
    drafts.update_draft_section(
        session=session,
        assistant_id=assistant_id,
        section="persona",
        data={**persona.model_dump(mode="json"), "empathy": value},
    )


# --------------------------------------------------------------------------- templates


def test_every_template_file_is_a_valid_assistant() -> None:
    files = sorted(TEMPLATES_DIR.glob("*.yaml"))
    assert len(files) >= 5
    for path in files:
        template = load_template(path)
        assert validate_tools(list(template.config.tools)) == [], path.name
        assert template.description and template.config.persona.greetings


@pytest.mark.parametrize(("key", "expected"), CONTRACT_TEMPLATES.items())
def test_templates_match_the_shared_contract(key: str, expected: tuple[str, str]) -> None:
    template = get_template(key)
    assert (template.company_name, template.config.persona.name) == expected
    assert template.config.tools and all(t.description for t in template.config.tools)


def test_a_broken_template_names_the_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text("key: broken\ntitle: X\ndescription: Y\nconfig:\n  business: {}\n")
    with pytest.raises(StudioError, match=r"broken\.yaml") as caught:
        load_template(bad)
    assert any(p.field == "config.business.company_name" for p in caught.value.problems)


def test_unknown_template_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound):
        assistants.create_assistant(session=session, name="X", template="nope")


# --------------------------------------------------------------------------- demo seed


def test_seeding_creates_one_published_demo_per_template_once(session: Session) -> None:
    assert seeding.seed_demo_assistants(session=session) == len(list_templates())
    assert seeding.seed_demo_assistants(session=session) == 0
    summaries = assistants.list_assistants(session=session)
    assert len(summaries) == len(list_templates())
    northwind = next(s for s in summaries if s.template == "ecommerce_support")
    assert northwind.name == "Northwind Outfitters — Support (demo)"
    assert northwind.is_demo and northwind.company_name == "Northwind Outfitters"
    assert (northwind.status, northwind.published_version, northwind.version_count) == (
        AssistantStatus.PUBLISHED,
        1,
        1,
    )
    assert not northwind.has_unsaved_changes


def test_a_deleted_demo_is_not_seeded_again(session: Session) -> None:
    seeding.seed_demo_assistants(session=session)
    demo = assistants.list_assistants(session=session)[0]
    lifecycle.delete_assistant(session=session, assistant_id=demo.id, confirm_name=demo.name)
    assert seeding.seed_demo_assistants(session=session) == 0


# --------------------------------------------------------------------------- create & names


def test_blank_assistant_needs_a_company_name(session: Session) -> None:
    with pytest.raises(InvalidInput) as caught:
        assistants.create_assistant(session=session, name="Blank", company_name="  ")
    assert [p.field for p in caught.value.problems] == ["business.company_name"]


@pytest.mark.parametrize(("name", "field"), [("", "name"), ("   ", "name"), ("x" * 121, "name")])
def test_bad_names_are_rejected_with_the_field(session: Session, name: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        make(session, name)
    assert caught.value.problems[0].field == field


@pytest.mark.parametrize("clash", ["Acme — Support", "acme — SUPPORT", "  Acme   — Support "])
def test_duplicate_names_are_rejected_case_insensitively(session: Session, clash: str) -> None:
    make(session)
    with pytest.raises(Conflict, match="already exists"):
        make(session, clash)


def test_create_from_template_copies_its_configuration(session: Session) -> None:
    detail = assistants.create_assistant(
        session=session, name="Shop bot", template="ecommerce_support"
    )
    assert detail.draft == get_template("ecommerce_support").config
    assert detail.template == "ecommerce_support" and not detail.is_demo
    assert detail.has_unsaved_changes and detail.version_count == 0


# --------------------------------------------------------------------------- draft


def test_update_section_saves_and_marks_unsaved(session: Session) -> None:
    aid = make(session)
    versions.save_version(session=session, assistant_id=aid, note="first")
    set_empathy(session, aid, 5)
    detail = assistants.get_assistant(session=session, assistant_id=aid)
    assert detail.draft.persona.empathy == 5
    assert detail.has_unsaved_changes


@pytest.mark.parametrize(
    ("section", "data", "fields"),
    [
        ("persona", {"empathy": 101}, {"persona.empathy"}),
        ("persona", {"name": ""}, {"persona.name"}),
        (
            "business",
            {"company_name": "Acme", "assistant_type": "wizard"},
            {"business.assistant_type"},
        ),
        ("model", {"temperature": 3}, {"model.temperature"}),
        ("tools", [{"name": "not an identifier"}], {"tools[1].name"}),
        ("tools", [{"name": "a", "mock_response": "{oops"}], {"tools[1].mock_response"}),
        ("tools", [{"name": "a", "parameters": {"type": "object", "properties": 3}}], None),
        ("tools", [{"name": "same"}, {"name": "SAME"}], None),
        ("nonsense", {}, {"nonsense"}),
    ],
)
def test_bad_section_is_refused_with_field_problems_and_nothing_saved(
    session: Session, section: str, data: Any, fields: set[str] | None
) -> None:
    aid = make(session)
    before = assistants.get_assistant(session=session, assistant_id=aid).draft
    with pytest.raises(InvalidInput) as caught:
        drafts.update_draft_section(session=session, assistant_id=aid, section=section, data=data)
    problems = caught.value.problems
    assert problems and all(p.field.startswith(section) for p in problems)
    if fields is not None:
        assert {p.field for p in problems} == fields
    assert assistants.get_assistant(session=session, assistant_id=aid).draft == before


def test_tools_section_accepts_a_list_or_a_wrapped_list(session: Session) -> None:
    aid = make(session)
    tool = {"name": "lookup", "description": "Look up"}
    detail = drafts.update_draft_section(
        session=session, assistant_id=aid, section="tools", data=[tool]
    )
    assert [t.name for t in detail.draft.tools] == ["lookup"]
    detail = drafts.update_draft_section(
        session=session, assistant_id=aid, section="tools", data={"tools": []}
    )
    assert detail.draft.tools == []


def test_missing_assistant_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound):
        assistants.get_assistant(session=session, assistant_id=999)


# --------------------------------------------------------------------------- versions


def test_versions_are_numbered_and_immutable(session: Session) -> None:
    aid = make(session)
    v1 = versions.save_version(session=session, assistant_id=aid, note="first")
    set_empathy(session, aid, 10)
    v2 = versions.save_version(session=session, assistant_id=aid, note="cooler")
    set_empathy(session, aid, 90)  # editing the draft again must not touch any version
    assert (v1.number, v2.number) == (1, 2)
    assert (
        versions.get_version(session=session, assistant_id=aid, number=1).config.persona.empathy
        == 60
    )
    assert (
        versions.get_version(session=session, assistant_id=aid, number=2).config.persona.empathy
        == 10
    )
    assert [v.number for v in versions.list_versions(session=session, assistant_id=aid)] == [2, 1]
    assert v1.config_hash != v2.config_hash


def test_saving_an_unchanged_draft_is_refused(session: Session) -> None:
    aid = make(session)
    versions.save_version(session=session, assistant_id=aid)
    with pytest.raises(Conflict, match="identical to version 1"):
        versions.save_version(session=session, assistant_id=aid)


def test_note_too_long_is_refused(session: Session) -> None:
    aid = make(session)
    with pytest.raises(InvalidInput) as caught:
        versions.save_version(session=session, assistant_id=aid, note="n" * 501)
    assert caught.value.problems[0].field == "note"
    assert versions.list_versions(session=session, assistant_id=aid) == []


def test_unknown_version_is_not_found(session: Session) -> None:
    aid = make(session)
    with pytest.raises(NotFound):
        versions.get_version(session=session, assistant_id=aid, number=7)


def test_restore_copies_into_the_draft_and_leaves_the_version(session: Session) -> None:
    aid = make(session)
    versions.save_version(session=session, assistant_id=aid)
    set_empathy(session, aid, 3)
    versions.save_version(session=session, assistant_id=aid)
    stored_before = session.exec(select(AssistantVersion.config_hash)).all()

    restored = versions.restore_version(session=session, assistant_id=aid, number=1)

    assert restored.draft.persona.empathy == 60
    assert restored.draft_base_version == 1
    assert restored.has_unsaved_changes  # the draft differs from the latest version (2)
    assert session.exec(select(AssistantVersion.config_hash)).all() == stored_before
    # Saving the restored draft is allowed: it is a roll-back, recorded as version 3.
    assert versions.save_version(session=session, assistant_id=aid).number == 3


def test_publish_marks_exactly_one_version(session: Session) -> None:
    aid = make(session)
    versions.save_version(session=session, assistant_id=aid)
    set_empathy(session, aid, 1)
    versions.save_version(session=session, assistant_id=aid)
    versions.publish_version(session=session, assistant_id=aid, number=1)
    detail = versions.publish_version(session=session, assistant_id=aid, number=2)
    assert (detail.status, detail.published_version) == (AssistantStatus.PUBLISHED, 2)
    flags = {
        v.number: v.is_published for v in versions.list_versions(session=session, assistant_id=aid)
    }
    assert flags == {2: True, 1: False}
    detail = versions.unpublish(session=session, assistant_id=aid)
    assert (detail.status, detail.published_version) == (AssistantStatus.DRAFT, None)
    with pytest.raises(NotFound):
        versions.publish_version(session=session, assistant_id=aid, number=9)


# --------------------------------------------------------------------------- diff


def test_diff_reports_dotted_paths_with_before_and_after() -> None:
    old = get_template("ecommerce_support").config
    new = old.model_copy(deep=True)
    new.persona.empathy = 10
    new.brand_voice.forbidden_phrases = [*new.brand_voice.forbidden_phrases, "No way"]
    new.tools = new.tools[1:]  # remove get_order_status
    new.tools[0].description = "Start a return."
    changes = {c.path: c for c in diff_configs(old, new)}
    assert changes["persona.empathy"].before == 75 and changes["persona.empathy"].after == 10
    assert changes["brand_voice.forbidden_phrases"].after[-1] == "No way"
    assert changes["tools[get_order_status]"].kind is ChangeKind.REMOVED
    assert changes["tools[start_return].description"].after == "Start a return."
    assert len(changes) == 4


def test_diff_of_equal_configs_is_empty() -> None:
    config = blank_config(company_name="Acme")
    assert diff_configs(config, AssistantConfig.model_validate(config.model_dump())) == []


def test_compare_gives_fields_and_prompt_diff(session: Session) -> None:
    aid = make(session)
    versions.save_version(session=session, assistant_id=aid)
    set_empathy(session, aid, 5)
    diff = versions.compare(session=session, assistant_id=aid, old=1, new=None)
    assert [c.path for c in diff.changes] == ["persona.empathy"]
    assert diff.prompt_diff.startswith("--- version 1\n+++ draft\n")
    assert any(line.startswith("+") and "mpathy" in line for line in diff.prompt_diff.splitlines())
    assert versions.compare(session=session, assistant_id=aid, old=1, new=1).is_empty


# --------------------------------------------------------------------------- lifecycle


def test_duplicate_copies_the_draft_not_the_history(session: Session) -> None:
    aid = make(session)
    versions.save_version(session=session, assistant_id=aid)
    set_empathy(session, aid, 42)
    copy = lifecycle.duplicate_assistant(session=session, assistant_id=aid, name="Acme copy")
    assert copy.id != aid and copy.draft.persona.empathy == 42
    assert copy.version_count == 0
    with pytest.raises(Conflict):
        lifecycle.duplicate_assistant(session=session, assistant_id=aid, name="ACME COPY")


def test_archive_hides_and_unarchive_restores_status(session: Session) -> None:
    aid = make(session)
    versions.save_version(session=session, assistant_id=aid)
    versions.publish_version(session=session, assistant_id=aid, number=1)
    lifecycle.archive_assistant(session=session, assistant_id=aid)
    assert assistants.list_assistants(session=session) == []
    assert [a.id for a in assistants.list_assistants(session=session, include_archived=True)] == [
        aid
    ]
    with pytest.raises(Conflict, match="archived"):
        versions.publish_version(session=session, assistant_id=aid, number=1)
    detail = lifecycle.unarchive_assistant(session=session, assistant_id=aid)
    assert detail.status is AssistantStatus.PUBLISHED


@pytest.mark.parametrize("typed", ["", "acme — support", "Acme"])
def test_delete_needs_the_exact_name(session: Session, typed: str) -> None:
    aid = make(session)
    with pytest.raises(InvalidInput, match="type the assistant's name"):
        lifecycle.delete_assistant(session=session, assistant_id=aid, confirm_name=typed)
    assert assistants.get_assistant(session=session, assistant_id=aid)


def test_delete_removes_the_assistant_and_its_versions(session: Session) -> None:
    aid = make(session)
    versions.save_version(session=session, assistant_id=aid)
    lifecycle.delete_assistant(session=session, assistant_id=aid, confirm_name="Acme — Support")
    assert session.get(Assistant, aid) is None
    assert session.exec(select(AssistantVersion)).all() == []


def test_rename_checks_for_clashes(session: Session) -> None:
    first = make(session, "One")
    make(session, "Two")
    with pytest.raises(Conflict):
        lifecycle.rename_assistant(session=session, assistant_id=first, name="two")
    renamed = lifecycle.rename_assistant(session=session, assistant_id=first, name="one")
    assert renamed.name == "one"  # changing only the case of its own name is fine


def test_list_is_newest_edit_first_and_counts_versions(session: Session) -> None:
    first, second = make(session, "First"), make(session, "Second")
    versions.save_version(session=session, assistant_id=second)
    set_empathy(session, first, 1)
    listed = assistants.list_assistants(session=session)
    assert [a.id for a in listed] == [first, second]
    assert {a.id: a.version_count for a in listed} == {first: 0, second: 1}
    assert {a.id: a.latest_version for a in listed} == {first: None, second: 1}
