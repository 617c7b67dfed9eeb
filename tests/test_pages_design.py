"""AppTest of the design pages: business requirements, persona, brand voice and tools."""

from __future__ import annotations

import json
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from studio.core.config import get_settings
from studio.core.db import make_engine, session_scope
from studio.design import assistants, drafts
from studio.design.prompting import band_for
from studio.design.schemas import AssistantConfig
from studio.design.tool_parameters import kept_keywords
from tests.conftest import HOME

PAGES = ("requirements", "persona", "brand_voice", "tools")


def _open(page: str) -> tuple[AppTest, int]:
    at = AppTest.from_file(HOME, default_timeout=60)
    at.run()
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception
    return at, int(at.session_state["selected_assistant_id"])


def _stored(assistant_id: int) -> AssistantConfig:
    engine = make_engine(get_settings().resolved_database_url)
    with session_scope(engine) as session:
        return assistants.get_assistant(session=session, assistant_id=assistant_id).draft


def _key(page: str, assistant_id: int, field: str) -> str:
    return f"{page}:{assistant_id}:w:{field}"


def _badges(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if "-badge[" in m.value]


def _prompt(at: AppTest) -> str:
    """Every prompt section shown: this page's (code blocks) and the rest (plain text)."""
    return "\n".join([*(c.value for c in at.code), *(t.value for t in at.text)])


def _save(at: AppTest, label: str) -> None:
    button = next(b for b in at.button if b.label == label)
    assert not button.disabled
    button.click()
    at.run()
    assert not at.exception


@pytest.mark.parametrize("page", PAGES)
def test_page_shows_the_draft_and_its_compiled_prompt(page: str) -> None:
    at, _ = _open(page)
    assert any("All changes saved" in b for b in _badges(at))
    assert [s.value for s in at.subheader if s.value == "Compiled prompt"]
    assert "You are" in _prompt(at)
    assert not at.error


@pytest.mark.parametrize("page", PAGES)
def test_without_assistants_the_page_points_to_the_assistants_page(
    page: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_SEED_DEMO", "false")
    get_settings.cache_clear()
    at, _ = (AppTest.from_file(HOME, default_timeout=60), None)
    at.run()
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception
    assert "No assistant is selected" in at.info[0].value


def test_persona_edit_save_and_reload() -> None:
    at, aid = _open("persona")
    at.text_input(key=_key("persona", aid, "name")).set_value("Quinn")
    at.text_area(key=_key("persona", aid, "greetings")).set_value("Hey there!\n\nWelcome back!")
    at.run()
    assert any("Unsaved changes" in b for b in _badges(at))
    assert "You are Quinn" in _prompt(at)
    assert _stored(aid).persona.name != "Quinn"  # live preview only: nothing saved yet

    _save(at, "Save persona")
    assert _stored(aid).persona.name == "Quinn"
    assert _stored(aid).persona.greetings == ["Hey there!", "Welcome back!"]
    assert any("saved" in t.value for t in at.toast)
    assert any("All changes saved" in b for b in _badges(at))

    again, same = _open("persona")
    assert same == aid
    assert again.text_input(key=_key("persona", aid, "name")).value == "Quinn"


@pytest.mark.parametrize("slider", ["empathy", "formality", "proactivity", "verbosity", "humor"])
def test_moving_a_slider_changes_the_shown_prompt_and_explanation(slider: str) -> None:
    at, aid = _open("persona")
    widget = at.slider(key=_key("persona", aid, slider))
    target = 5 if int(widget.value) >= 40 else 95
    before = _prompt(at)
    widget.set_value(target)
    at.run()
    instruction = band_for(slider, target).instruction
    assert instruction not in before
    assert instruction in _prompt(at)
    assert any(instruction in c.value for c in at.caption)


@pytest.mark.parametrize("slider", ["empathy", "formality", "proactivity", "verbosity", "humor"])
def test_each_slider_help_says_what_low_and_high_mean(slider: str) -> None:
    # Before: the help said what the slider is about, not which end is which.
    at, aid = _open("persona")
    help_text = at.slider(key=_key("persona", aid, slider)).help
    low, high = band_for(slider, 0), band_for(slider, 100)
    assert f"0–19: {low.label}" in help_text and f"80–100: {high.label}" in help_text
    assert low.instruction in help_text and high.instruction in help_text


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("name", "", "at least 1 character"),
        ("role", "x" * 130, "at most 120 characters"),
        ("forbidden_topics", "politics\n" + "y" * 200, "Item 2"),
    ],
)
def test_persona_invalid_input_shows_field_error_and_saves_nothing(
    field: str, value: str, fragment: str
) -> None:
    at, aid = _open("persona")
    before = _stored(aid).persona
    widget = at.text_input if field in ("name", "role") else at.text_area
    widget(key=_key("persona", aid, field)).set_value(value)
    at.run()
    assert not at.exception
    assert any(fragment in e.value for e in at.error), [e.value for e in at.error]
    save = next(b for b in at.button if b.label == "Save persona")
    assert save.disabled
    assert _stored(aid).persona == before


def test_requirements_industry_other_and_journeys_are_saved() -> None:
    at, aid = _open("requirements")
    at.text_input(key=_key("business", aid, "company_name")).set_value("Globex")
    at.selectbox(key=_key("business", aid, "industry:choice")).set_value("Other…")
    at.run()
    at.text_input(key=_key("business", aid, "industry:other")).set_value("Space tourism")
    at.session_state[_key("business", aid, "user_journeys")] = {
        "edited_rows": {},
        "added_rows": [{"name": "Book a flight", "stages": "Pick date; Pay", "segment": ""}],
        "deleted_rows": [],
    }
    at.run()
    assert "Space tourism" in _prompt(at) + "".join(c.value for c in at.code)
    _save(at, "Save business requirements")
    business = _stored(aid).business
    assert (business.company_name, business.industry) == ("Globex", "Space tourism")
    assert business.user_journeys[-1].name == "Book a flight"
    assert business.user_journeys[-1].stages == ["Pick date", "Pay"]

    again, _ = _open("requirements")
    assert again.selectbox(key=_key("business", aid, "industry:choice")).value == "Other…"
    assert again.text_input(key=_key("business", aid, "industry:other")).value == "Space tourism"


def test_requirements_empty_company_name_is_refused() -> None:
    at, aid = _open("requirements")
    at.text_input(key=_key("business", aid, "company_name")).set_value("  ")
    at.run()
    assert any("at least 1 character" in e.value for e in at.error)
    assert next(b for b in at.button if b.label == "Save business requirements").disabled
    assert _stored(aid).business.company_name


def test_brand_voice_vocabulary_and_forbidden_phrases_are_saved() -> None:
    at, aid = _open("brand_voice")
    at.text_area(key=_key("brand_voice", aid, "forbidden_phrases")).set_value("no worries")
    at.session_state[_key("brand_voice", aid, "vocabulary")] = {
        "edited_rows": {},
        "added_rows": [{"prefer": "hello", "avoid": "yo"}],
        "deleted_rows": [],
    }
    at.run()
    assert 'Say "hello" instead of "yo"' in _prompt(at)
    _save(at, "Save brand voice")
    voice = _stored(aid).brand_voice
    assert voice.forbidden_phrases == ["no worries"]
    assert (voice.vocabulary[-1].prefer, voice.vocabulary[-1].avoid) == ("hello", "yo")


def _new_tool(at: AppTest, aid: int) -> None:
    at.selectbox(key=f"tools:{aid}:pick").set_value(-1)
    at.run()
    assert not at.exception


def _tool_key(aid: int, field: str) -> str:
    return f"tools:{aid}:new:w:{field}"


SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"email": {"type": "string", "description": "Customer email"}},
    "required": ["email"],
}


def test_new_tool_with_json_schema_is_saved_and_mock_can_be_tried() -> None:
    at, aid = _open("tools")
    count = len(_stored(aid).tools)
    _new_tool(at, aid)
    assert not at.error, [e.value for e in at.error]  # untouched: nothing to complain about
    at.text_input(key=_tool_key(aid, "name")).set_value("lookup_customer")
    at.text_area(key=_tool_key(aid, "description")).set_value("Find a customer by email.")
    next(b for b in at.button if b.label == "Edit as JSON Schema").click()
    at.run()
    at.text_area(key=_tool_key(aid, "parameters")).set_value(json.dumps(SCHEMA))
    at.text_area(key=_tool_key(aid, "mock_response")).set_value('{"found": "{{email}}"}')
    at.run()
    assert not at.error, [e.value for e in at.error]
    assert "lookup_customer: Find a customer by email." in _prompt(at)

    at.text_area(key=f"tools:{aid}:new:try_args").set_value('{"email": "a\\"b@x.io"}')
    next(b for b in at.button if b.label == "Try mock").click()
    at.run()
    assert any('"found": "a\\"b@x.io"' in c.value for c in at.code)

    _save(at, "Save tool")
    tools = _stored(aid).tools
    assert len(tools) == count + 1
    assert tools[-1].name == "lookup_customer" and tools[-1].parameters == SCHEMA
    assert at.selectbox(key=f"tools:{aid}:pick").value == count  # the saved tool stays open


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("name", "lookup customer", "letters, digits and underscores"),
        ("parameters", '{"type": "object", "properties": {"a": {"type": "strng"}}}', "JSON schema"),
        ("parameters", '{"type": "object", "required": ["a"]}', "not defined under properties"),
        ("parameters", "{not json", "Not valid JSON"),
        ("mock_response", "status: ok", "Not valid JSON"),
        ("mock_response", '{"who": "{{nobody}}"}', "{{nobody}}"),
    ],
)
def test_bad_tool_input_gets_a_field_message_and_is_not_saved(
    field: str, value: str, fragment: str
) -> None:
    at, aid = _open("tools")
    before = _stored(aid).tools
    _new_tool(at, aid)
    at.text_input(key=_tool_key(aid, "name")).set_value("lookup_customer")
    next(b for b in at.button if b.label == "Edit as JSON Schema").click()
    at.run()
    if field == "name":
        at.text_input(key=_tool_key(aid, field)).set_value(value)
    else:
        at.text_area(key=_tool_key(aid, field)).set_value(value)
    at.run()
    assert not at.exception
    assert any(fragment in e.value for e in at.error), [e.value for e in at.error]
    assert next(b for b in at.button if b.label == "Save tool").disabled
    assert _stored(aid).tools == before


def test_duplicate_tool_name_is_refused() -> None:
    at, aid = _open("tools")
    existing = _stored(aid).tools[0].name
    _new_tool(at, aid)
    at.text_input(key=_tool_key(aid, "name")).set_value(existing.upper())
    at.run()
    assert any("names must be unique" in e.value for e in at.error)


def test_disable_and_delete_a_tool() -> None:
    at, aid = _open("tools")
    first = _stored(aid).tools[0]
    at.toggle(key=f"tools:{aid}:0:w:enabled").set_value(False)
    at.run()
    assert f"- {first.name}:" not in _prompt(at)
    _save(at, "Save tool")
    assert not _stored(aid).tools[0].enabled

    count = len(_stored(aid).tools)
    next(b for b in at.button if b.label == "Yes, delete it").click()
    at.run()
    assert not at.exception
    assert [t.name for t in _stored(aid).tools].count(first.name) == 0
    assert len(_stored(aid).tools) == count - 1


def test_switching_assistant_reloads_values() -> None:
    at, aid = _open("persona")
    name_a = at.text_input(key=_key("persona", aid, "name")).value
    at.text_input(key=_key("persona", aid, "name")).set_value("Unsaved edit")
    at.run()
    engine = make_engine(get_settings().resolved_database_url)
    with session_scope(engine) as session:
        other = next(a.id for a in assistants.list_assistants(session=session) if a.id != aid)
    # What the sidebar picker does (AppTest runs the page script on its own after switch_page).
    at.session_state["selected_assistant_id"] = other
    at.run()
    assert not at.exception
    name_b = at.text_input(key=_key("persona", other, "name")).value
    assert name_b == _stored(other).persona.name
    assert name_b != "Unsaved edit"
    at.session_state["selected_assistant_id"] = aid
    at.run()
    # Unsaved edits of the first assistant are kept while the user looks elsewhere.
    assert at.text_input(key=_key("persona", aid, "name")).value == "Unsaved edit"
    assert any("Unsaved changes" in b for b in _badges(at))
    assert name_a != "Unsaved edit"


def test_new_tool_built_with_the_simple_parameter_form() -> None:
    at, aid = _open("tools")
    _new_tool(at, aid)
    at.text_input(key=_tool_key(aid, "name")).set_value("lookup_customer")
    at.text_area(key=_tool_key(aid, "description")).set_value("Find a customer by email.")
    at.session_state[_tool_key(aid, "parameters")] = {
        "edited_rows": {},
        "added_rows": [
            {"name": "email", "type": "string", "description": "Email", "required": True},
            {"name": "plan", "type": "string", "description": "Plan", "enum": "basic, pro"},
        ],
        "deleted_rows": [],
    }
    at.run()
    assert not at.error, [e.value for e in at.error]
    assert "(needs: email)" in _prompt(at)
    _save(at, "Save tool")
    saved = _stored(aid).tools[-1]
    assert saved.parameters == {
        "type": "object",
        "properties": {
            "email": {"type": "string", "description": "Email"},
            "plan": {"type": "string", "description": "Plan", "enum": ["basic", "pro"]},
        },
        "required": ["email"],
        "additionalProperties": False,
    }


def test_bad_parameter_row_is_reported_on_the_parameters_field() -> None:
    at, aid = _open("tools")
    _new_tool(at, aid)
    at.text_input(key=_tool_key(aid, "name")).set_value("lookup_customer")
    at.session_state[_tool_key(aid, "parameters")] = {
        "edited_rows": {},
        "added_rows": [{"name": "e mail", "type": "string"}],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    assert any("Item 1 › name" in e.value for e in at.error), [e.value for e in at.error]
    assert next(b for b in at.button if b.label == "Save tool").disabled


def test_template_tool_opens_in_the_simple_form_and_keeps_hidden_keywords() -> None:
    at, aid = _open("tools")
    tools = _stored(aid).tools
    index = next(i for i, t in enumerate(tools) if kept_keywords(t.parameters))
    at.selectbox(key=f"tools:{aid}:pick").set_value(index)
    at.run()
    assert any(b.label == "Edit as JSON Schema" for b in at.button)
    assert any("All changes saved" in b for b in _badges(at))
    assert any("Also kept from the JSON Schema" in c.value for c in at.caption)


def _change_stored_persona_name(assistant_id: int, name: str) -> None:
    """What another page (e.g. restoring a version) does to the draft meanwhile."""
    engine = make_engine(get_settings().resolved_database_url)
    with session_scope(engine) as session:
        persona = assistants.get_assistant(session=session, assistant_id=assistant_id).draft.persona
        drafts.update_draft_section(
            session=session,
            assistant_id=assistant_id,
            section="persona",
            data=persona.model_copy(update={"name": name}),
        )


def test_draft_changed_elsewhere_reloads_when_nothing_was_edited() -> None:
    at, aid = _open("persona")
    _change_stored_persona_name(aid, "Restored")
    at.run()
    assert at.text_input(key=_key("persona", aid, "name")).value == "Restored"
    assert any("All changes saved" in b for b in _badges(at))


def test_draft_changed_elsewhere_keeps_local_edits_and_warns() -> None:
    at, aid = _open("persona")
    at.text_input(key=_key("persona", aid, "role")).set_value("Night shift")
    at.run()
    _change_stored_persona_name(aid, "Restored")
    at.run()
    assert at.text_input(key=_key("persona", aid, "role")).value == "Night shift"
    assert any("changed elsewhere" in w.value for w in at.warning)
    next(b for b in at.button if b.label == "Discard changes").click()
    at.run()
    assert at.text_input(key=_key("persona", aid, "name")).value == "Restored"
    assert at.text_input(key=_key("persona", aid, "role")).value != "Night shift"


def test_configuration_check_flags_a_forbidden_phrase_in_a_new_greeting() -> None:
    at, aid = _open("persona")
    phrase = _stored(aid).brand_voice.forbidden_phrases[0]
    assert not any("Uses the forbidden phrase" in c.value for c in at.caption)
    at.text_area(key=_key("persona", aid, "greetings")).set_value(f"Hello! {phrase}!")
    at.run()
    flagged = [c.value for c in at.caption if "Uses the forbidden phrase" in c.value]
    assert flagged and "persona.greetings[1]" in flagged[0] and phrase in flagged[0]
    assert any("Tokens counted: exact" in c.value for c in at.caption)


def test_deleting_a_tool_keeps_a_tool_someone_else_added_meanwhile() -> None:
    at, aid = _open("tools")
    shown = _stored(aid).tools
    engine = make_engine(get_settings().resolved_database_url)
    added = shown[0].model_dump(mode="json") | {"name": "added_elsewhere"}
    with session_scope(engine) as session:  # another person saves while this page is open
        drafts.update_draft_section(
            session=session,
            assistant_id=aid,
            section="tools",
            data=[added, *(t.model_dump(mode="json") for t in shown)],
        )
    next(b for b in at.button if b.label == "Yes, delete it").click()
    at.run()
    assert not at.exception
    assert [t.name for t in _stored(aid).tools] == ["added_elsewhere", *(t.name for t in shown[1:])]
