"""Import/export: YAML/JSON round trips, the Python snippet, and every kind of bad import file."""

from __future__ import annotations

import ast
import json
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from studio.core.errors import ImportFailed, NotFound
from studio.core.names import normalize_name
from studio.design import assistants, exports, seeding
from studio.design.exports import ExportFormat, parse_import, python_snippet
from studio.design.prompting import compile_prompt
from studio.design.schemas import AssistantConfig, AssistantType, GroundingMode
from studio.design.templates import get_template, list_templates

# --------------------------------------------------------------------------- strategies

# Any text a person might type, including YAML/JSON-significant characters and newlines.
_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)),
    max_size=40,
)
_short = _text.map(str.strip)
_required = _short.filter(lambda text: bool(normalize_name(text)))  # names drop invisibles
_list = st.lists(_required, max_size=4)
_plain = st.text(alphabet="abcdefghij klmnop-_.,:;!?'\"#&*", min_size=1, max_size=20)
_ident = st.from_regex(r"[a-z_][a-z0-9_]{0,15}", fullmatch=True)


@st.composite
def tool_dicts(draw: st.DrawFn, name: str) -> dict[str, Any]:
    params = draw(st.lists(_ident, max_size=3, unique=True))
    properties = {p: {"type": "string", "description": draw(_plain)} for p in params}
    mock = {"result": draw(_plain), **{p: "{{" + p + "}}" for p in params}}
    return {
        "name": name,
        "description": draw(_short),
        "parameters": {"type": "object", "properties": properties, "required": params[:1]},
        "enabled": draw(st.booleans()),
        "mock_response": json.dumps(mock, ensure_ascii=False),
    }


@st.composite
def configs(draw: st.DrawFn) -> AssistantConfig:
    tool_names = draw(st.lists(_ident, max_size=3, unique_by=str.lower))
    data = {
        "business": {
            "company_name": draw(_required),
            "industry": draw(_short),
            "assistant_type": draw(st.sampled_from(list(AssistantType))).value,
            "target_audience": draw(_short),
            "primary_objectives": draw(_list),
            "compliance_requirements": draw(_list),
            "user_journeys": [
                {"name": draw(_required), "stages": draw(_list)}
                for _ in range(draw(st.integers(0, 2)))
            ],
        },
        "persona": {
            "name": draw(_required),
            "empathy": draw(st.integers(0, 100)),
            "humor": draw(st.integers(0, 100)),
            "greetings": draw(_list),
            "forbidden_topics": draw(_list),
        },
        "brand_voice": {
            "brand_name": draw(_short),
            "tone_guidelines": draw(st.dictionaries(_required, _required, max_size=3)),
            "vocabulary": [{"prefer": draw(_required), "avoid": draw(_short)}],
            "forbidden_phrases": draw(_list),
        },
        "tools": [draw(tool_dicts(name)) for name in tool_names],
        "model": {
            "temperature": draw(st.floats(0, 2, allow_nan=False)),
            "max_output_tokens": draw(st.integers(1, 32_000)),
        },
        "retrieval": {
            "top_k": draw(st.integers(1, 20)),
            "score_threshold": draw(st.floats(0, 1)),
            "grounding_mode": draw(st.sampled_from(list(GroundingMode))).value,
        },
    }
    return AssistantConfig.model_validate(data)


def _roundtrip(config: AssistantConfig, fmt: str) -> AssistantConfig:
    document = exports.export_document(name="Round trip", description="", config=config, version=3)
    text = exports.to_yaml(document) if fmt == "yaml" else exports.to_json(document)
    return parse_import(text, filename=f"x.{fmt}", max_kb=10_000).config


# --------------------------------------------------------------------------- round trips


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=configs(), fmt=st.sampled_from(["yaml", "json"]))
def test_export_then_import_gives_back_the_same_configuration(
    config: AssistantConfig, fmt: str
) -> None:
    assert _roundtrip(config, fmt) == config


@pytest.mark.parametrize("key", [t.key for t in list_templates()])
@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_every_template_round_trips(key: str, fmt: str) -> None:
    config = get_template(key).config
    assert _roundtrip(config, fmt).canonical_json() == config.canonical_json()


def test_export_has_schema_version_and_metadata(session: Session) -> None:
    seeding.seed_demo_assistants(session=session)
    demo = assistants.list_assistants(session=session)[0]
    file = exports.export_assistant(session=session, assistant_id=demo.id, version=1, fmt="yaml")
    document = yaml.safe_load(file.content)
    assert file.filename.endswith("-v1.yaml") and file.mime == "application/yaml"
    assert document["schema_version"] == 1 and document["format"] == exports.FORMAT_NAME
    assert document["name"] == demo.name and document["version"] == 1
    assert {"studio_version", "exported_at", "description", "config"} <= set(document)


def test_import_creates_a_new_assistant_with_a_free_name(session: Session) -> None:
    seeding.seed_demo_assistants(session=session)
    demo = assistants.list_assistants(session=session)[0]
    file = exports.export_assistant(session=session, assistant_id=demo.id, version=None, fmt="json")
    imported = exports.import_assistant(session=session, content=file.content, filename="a.json")
    assert imported.id != demo.id and imported.name == f"{demo.name} (2)"
    assert imported.draft == assistants.get_assistant(session=session, assistant_id=demo.id).draft
    assert not imported.is_demo and imported.version_count == 0


def test_a_bare_configuration_is_accepted() -> None:
    config = get_template("b2b_sales").config
    text = yaml.safe_dump(config.model_dump(mode="json"), allow_unicode=True)
    assert parse_import(text, filename="bare.yml").config == config


# --------------------------------------------------------------------------- python snippet


def test_python_snippet_is_valid_python_with_the_prompt_and_tools() -> None:
    config = get_template("clinic_patient_support").config
    code = python_snippet(name='Ava "clinic" \\ bot """', config=config, version=2)
    tree = ast.parse(code)
    values = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }
    compiled = compile_prompt(config)
    assert values["SYSTEM_PROMPT"] == compiled.text
    assert values["TOOLS"] == compiled.tools
    assert values["MODEL"] == config.model.model
    assert "from openai import OpenAI" in code and "client.chat.completions.create(" in code


def test_python_snippet_answers_tool_calls_with_valid_json() -> None:
    config = get_template("ecommerce_support").config
    namespace: dict[str, Any] = {"__name__": "snippet"}
    exec(
        compile(python_snippet(name="Shop", config=config, version=None), "s.py", "exec"), namespace
    )
    reply = namespace["call_tool"]("get_order_status", {"order_id": 'NW-"1"'})
    assert json.loads(reply)["order_id"] == 'NW-"1"'


# --------------------------------------------------------------------------- bad imports

_VALID = exports.to_yaml(
    exports.export_document(
        name="Ok", description="", config=get_template("b2b_sales").config, version=None
    )
)


@pytest.mark.parametrize(
    ("content", "filename", "message", "field"),
    [
        ("name: [unclosed\n", "a.yaml", "not valid YAML", ""),
        ("a: b\n  c: d: e\n", "a.yml", "not valid YAML", ""),
        ('{"schema_version": 1, "config": ', "a.json", "not valid JSON", ""),
        (
            "schema_version: 1\nconfig: {business: {company_name: X}}\n",
            "a.json",
            "not valid JSON",
            "",
        ),
        ("- a list\n- of things\n", "a.yaml", "does not describe an assistant", ""),
        ("just a string", "a.yaml", "does not describe an assistant", ""),
        ("", "a.yaml", "empty", ""),
        (
            "name: x\nconfig: {business: {company_name: X}}\n",
            "a.yaml",
            "no schema_version",
            "schema_version",
        ),
        (
            "schema_version: 99\nconfig: {business: {company_name: X}}\n",
            "a.yaml",
            "99",
            "schema_version",
        ),
        ('schema_version: "one"\nconfig: {}\n', "a.yaml", "not one this studio", "schema_version"),
        ("schema_version: 1\nconfig: [1, 2]\n", "a.yaml", "not a mapping", "config"),
        (
            "schema_version: 1\nconfig:\n  business: {company_name: ''}\n",
            "a.yaml",
            "invalid fields",
            "config.business.company_name",
        ),
        (
            "schema_version: 1\nconfig:\n  business: {company_name: X}\n"
            "  persona: {empathy: 400}\n",
            "a.yaml",
            "invalid fields",
            "config.persona.empathy",
        ),
        (
            "schema_version: 1\nconfig:\n  business: {company_name: X}\n  colour: blue\n",
            "a.yaml",
            "invalid fields",
            "config.colour",
        ),
        (
            "schema_version: 1\nconfig:\n  business: {company_name: X}\n"
            "  tools: [{name: 'bad name'}]\n",
            "a.yaml",
            "invalid fields",
            "config.tools[1].name",
        ),
        (
            "schema_version: 1\nconfig:\n  business: {company_name: X}\n"
            "  tools: [{name: ok, mock_response: 'not json'}]\n",
            "a.yaml",
            "invalid fields",
            "config.tools[1].mock_response",
        ),
    ],
)
def test_bad_imports_fail_with_a_clear_field_level_message(
    content: str, filename: str, message: str, field: str
) -> None:
    with pytest.raises(ImportFailed, match=message) as caught:
        parse_import(content, filename=filename)
    assert caught.value.problems, "every failure names at least one problem"
    assert field in {p.field for p in caught.value.problems}


def test_an_oversized_file_is_refused_before_parsing() -> None:
    big = _VALID + "# " + "x" * 2048 + "\n"
    with pytest.raises(ImportFailed, match="largest file you can import is 2 KB"):
        parse_import(big, filename="big.yaml", max_kb=2)
    assert parse_import(_VALID, filename="ok.yaml", max_kb=64).name == "Ok"


def test_non_utf8_bytes_are_refused() -> None:
    with pytest.raises(ImportFailed, match="UTF-8"):
        parse_import("name: café".encode("latin-1"), filename="a.yaml")


def test_a_failed_import_stores_nothing(session: Session) -> None:
    with pytest.raises(ImportFailed):
        exports.import_assistant(session=session, content="schema_version: 2\n", filename="a.yaml")
    assert assistants.list_assistants(session=session, include_archived=True) == []


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_export_of_a_missing_version_is_not_found(session: Session, fmt: ExportFormat) -> None:
    created = assistants.create_assistant(session=session, name="A", company_name="B")
    with pytest.raises(NotFound, match="has no version 4"):
        exports.export_assistant(session=session, assistant_id=created.id, version=4, fmt=fmt)
