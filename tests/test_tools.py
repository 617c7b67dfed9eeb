"""Tool validation, argument checking, mock rendering and the simple parameter form."""

from __future__ import annotations

import json
from typing import Any

import pytest

from studio.core.errors import InvalidInput
from studio.design.schemas import ToolSpec
from studio.design.tool_parameters import parameters_from_rows, rows_from_parameters
from studio.design.tools import (
    check_arguments,
    render_mock_response,
    validate_tool,
    validate_tools,
)

ORDER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "order_id": {"type": "string", "description": "Order number"},
        "express": {"type": "boolean", "description": "Express shipping"},
        "qty": {"type": "integer", "description": "How many"},
    },
    "required": ["order_id"],
}


def _tool(**overrides: Any) -> dict[str, Any]:
    tool: dict[str, Any] = {
        "name": "get_order_status",
        "description": "Look up an order",
        "parameters": ORDER_SCHEMA,
        "mock_response": '{"order_id": "{{order_id}}", "status": "shipped"}',
    }
    tool.update(overrides)
    return tool


def test_a_good_tool_has_no_problems() -> None:
    assert validate_tool(_tool()) == []
    assert validate_tool(ToolSpec.model_validate(_tool())) == []


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"name": "get order"}, "name", "letters, digits and underscores"),
        ({"name": "1st_tool"}, "name", "letters, digits and underscores"),
        ({"name": "get-order"}, "name", "letters, digits and underscores"),
        ({"name": ""}, "name", "letters, digits and underscores"),
        (
            {"parameters": {"type": "object", "properties": {"a": {"type": "strng"}}}},
            "parameters",
            "not a valid JSON schema",
        ),
        (
            {"parameters": {"type": "object", "properties": [], "required": []}},
            "parameters",
            "not a valid JSON schema",
        ),
        (
            {"parameters": {"type": "object", "properties": {}, "required": "order_id"}},
            "parameters",
            "not a valid JSON schema",
        ),
        (
            {"parameters": {"type": "object", "properties": {}, "required": ["order_id"]}},
            "parameters",
            "order_id are not defined under properties",
        ),
        ({"parameters": {"type": "array"}}, "parameters", '"type": "object"'),
        ({"mock_response": "{not json"}, "mock_response", "not valid JSON"),
        ({"mock_response": "status: shipped"}, "mock_response", "not valid JSON"),
        ({"mock_response": '{"a": {{order_id}}'}, "mock_response", "not valid JSON"),
        ({"mock_response": '{"who": "{{customer}}"}'}, "mock_response", "{{customer}}"),
    ],
)
def test_bad_tools_get_a_field_level_message(
    overrides: dict[str, Any], field: str, fragment: str
) -> None:
    problems = validate_tool(_tool(**overrides), prefix="tools[1]")
    assert any(p.field == f"tools[1].{field}" and fragment in p.message for p in problems), problems


def test_duplicate_tool_names_are_reported_case_insensitively() -> None:
    problems = validate_tools([_tool(), _tool(name="Get_Order_Status")])
    assert [p.field for p in problems] == ["tools[2].name"]
    assert "unique" in problems[0].message


def test_schema_with_explicit_draft_is_checked_against_that_draft() -> None:
    schema = {"$schema": "http://json-schema.org/draft-07/schema#", **ORDER_SCHEMA}
    assert validate_tool(_tool(parameters=schema)) == []


@pytest.mark.parametrize(
    "value",
    ['He said "hi"', "line one\nline two", "back\\slash", "tab\there", "ünïcødé ✓", "{{order_id}}"],
)
def test_placeholders_inside_strings_stay_valid_json(value: str) -> None:
    tool = ToolSpec.model_validate(_tool())
    rendered = render_mock_response(tool, {"order_id": value})
    assert json.loads(rendered) == {"order_id": value, "status": "shipped"}


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"qty": 3, "express": True}, {"qty": 3, "express": True, "label": "3 items"}),
        ({"qty": None}, {"qty": None, "express": None, "label": " items"}),
        ({}, {"qty": None, "express": None, "label": " items"}),
        ({"qty": '7"}'}, {"qty": '7"}', "express": None, "label": '7"} items'}),
    ],
)
def test_placeholders_outside_strings_become_json_values(
    arguments: dict[str, Any], expected: dict[str, Any]
) -> None:
    tool = ToolSpec.model_validate(
        _tool(mock_response='{"qty": {{qty}}, "express": {{ express }}, "label": "{{qty}} items"}')
    )
    assert json.loads(render_mock_response(tool, arguments)) == expected


def test_escaped_quotes_in_the_template_do_not_confuse_string_tracking() -> None:
    tool = ToolSpec.model_validate(_tool(mock_response='{"a": "x \\" {{order_id}}", "b": {{qty}}}'))
    assert json.loads(render_mock_response(tool, {"order_id": "N1", "qty": 2})) == {
        "a": 'x " N1',
        "b": 2,
    }


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        ({}, "'order_id' is a required property"),
        ({"order_id": 42}, "order_id: 42 is not of type 'string'"),
        ({"order_id": "A1", "qty": "two"}, "qty: 'two' is not of type 'integer'"),
    ],
)
def test_check_arguments_explains_what_is_wrong(arguments: dict[str, Any], fragment: str) -> None:
    tool = ToolSpec.model_validate(_tool())
    assert fragment in check_arguments(tool, arguments)


def test_check_arguments_accepts_good_arguments() -> None:
    tool = ToolSpec.model_validate(_tool())
    assert check_arguments(tool, {"order_id": "A1", "qty": 2, "express": False}) == []


def test_form_rows_round_trip_a_simple_schema() -> None:
    schema = {
        "type": "object",
        "properties": {
            "plan": {"type": "string", "description": "Plan", "enum": ["basic", "pro"]},
            "seats": {"type": "integer", "description": "Seats", "enum": [5, 10]},
            "annual": {"type": "boolean"},
        },
        "required": ["plan", "seats"],
    }
    rows = rows_from_parameters(schema)
    assert rows is not None
    assert rows[0] == {
        "name": "plan",
        "type": "string",
        "description": "Plan",
        "required": True,
        "enum": "basic, pro",
    }
    assert parameters_from_rows(rows) == {
        **schema,
        "properties": {**schema["properties"], "annual": {"type": "boolean"}},
    }


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string"}}}},
        {"type": "object", "properties": {"n": {"type": ["integer", "null"]}}},
        {"type": "object", "properties": {}, "additionalProperties": {"type": "string"}},
        {"type": "object", "properties": {"n": {"type": "string"}}, "oneOf": []},
        {"type": "object", "properties": {"a": {"type": "string", "enum": ["x, y"]}}},
    ],
)
def test_advanced_schemas_need_the_raw_editor(schema: dict[str, Any]) -> None:
    assert rows_from_parameters(schema) is None


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"name": "bad name", "type": "string"}, "parameters[1].name"),
        ({"name": "n", "type": "date"}, "parameters[1].type"),
        ({"name": "n", "type": "integer", "enum": "1, two"}, "parameters[1].enum"),
        ({"name": "n", "type": "boolean", "enum": "true"}, "parameters[1].enum"),
    ],
)
def test_bad_form_rows_raise_field_problems(row: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parameters_from_rows([row])
    assert [p.field for p in caught.value.problems] == [field]


def test_duplicate_rows_and_blank_rows() -> None:
    rows = [{"name": "a"}, {"name": ""}, {"name": None}, {"name": "a"}]
    with pytest.raises(InvalidInput) as caught:
        parameters_from_rows(rows)
    assert [p.field for p in caught.value.problems] == ["parameters[4].name"]
    assert parameters_from_rows([{"name": "a"}, {"name": " "}]) == {
        "type": "object",
        "properties": {"a": {"type": "string"}},
        "required": [],
    }


def test_simple_form_keeps_keywords_it_does_not_show() -> None:
    schema = {
        "type": "object",
        "properties": {
            "order_id": {"type": "string", "description": "Order", "pattern": "^NW-[0-9]{6}$"},
            "seats": {"type": "integer", "minimum": 1},
        },
        "required": ["order_id"],
        "additionalProperties": False,
    }
    rows = rows_from_parameters(schema)
    assert rows is not None
    assert parameters_from_rows(rows, base=schema) == schema
    rows[1]["type"] = "string"  # a changed type drops keywords that belonged to the old one
    rebuilt = parameters_from_rows(rows, base=schema)
    assert rebuilt["properties"]["seats"] == {"type": "string"}
    assert rebuilt["properties"]["order_id"]["pattern"] == "^NW-[0-9]{6}$"
