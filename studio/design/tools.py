"""Tools an assistant may call: validating a tool, checking a call's arguments, mock execution.

A tool's `parameters` is a JSON Schema of the arguments object (checked by
`studio.design.tool_schemas`; the simple form's rows are `studio.design.tool_parameters`).
A tool's `mock_response` is JSON text in which ``{{argument}}`` placeholders are filled from the
call's arguments: inside a JSON string the value is inserted as escaped text, outside a string
it is inserted as a JSON value — so the result is valid JSON whatever the caller sends.
"""

from __future__ import annotations

import json
import re
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.validators import validator_for
from pydantic import ValidationError

from studio.core.errors import FieldProblem, problems_from_validation
from studio.design.schemas import ToolSpec
from studio.design.tool_schemas import ToolSchemaError, bounded_validator, schema_problems

PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")

_SAMPLE_VALUES: dict[str, Any] = {
    "string": "sample",
    "integer": 1,
    "number": 1.5,
    "boolean": True,
    "array": [],
    "object": {},
    "null": None,
}


def _join(prefix: str, field: str) -> str:
    return f"{prefix}.{field}" if prefix else field


def _friendlier_name_problem(problem: FieldProblem, prefix: str) -> FieldProblem:
    if problem.field == _join(prefix, "name") and "pattern" in problem.message:
        return FieldProblem(problem.field, NAME_RULE)
    return problem


NAME_RULE = (
    "use letters, digits and underscores only, starting with a letter or underscore "
    "(64 characters at most), e.g. get_order_status"
)


def sample_arguments(tool: ToolSpec) -> dict[str, Any]:
    """Plausible arguments for a tool, from its schema (enum → first value, else by type)."""
    return _sample_from_schema(tool.parameters)


def _sample_from_schema(parameters: dict[str, Any]) -> dict[str, Any]:
    args: dict[str, Any] = {}
    properties = parameters.get("properties", {})
    if not isinstance(properties, dict):
        return args
    for name, spec in properties.items():
        if not isinstance(spec, dict):
            continue
        if isinstance(spec.get("enum"), list) and spec["enum"]:
            args[name] = spec["enum"][0]
        elif "default" in spec:
            args[name] = spec["default"]
        else:
            kind = spec.get("type", "string")
            kind = kind[0] if isinstance(kind, list) and kind else kind
            args[name] = _SAMPLE_VALUES.get(str(kind), "sample")
    return args


def mock_placeholders(mock_response: str) -> list[str]:
    """Names used as ``{{name}}`` placeholders in a mock response, in order, without repeats."""
    return list(dict.fromkeys(PLACEHOLDER_RE.findall(mock_response)))


def validate_tool(tool: ToolSpec | dict[str, Any], *, prefix: str = "") -> list[FieldProblem]:
    """Every problem with one tool (field paths relative to the tool, or under `prefix`)."""
    raw: dict[str, Any] = tool.model_dump() if isinstance(tool, ToolSpec) else dict(tool)
    problems: list[FieldProblem] = []
    if not isinstance(tool, ToolSpec):
        try:
            ToolSpec.model_validate(raw)
        except ValidationError as error:
            problems += [
                _friendlier_name_problem(p, prefix)
                for p in problems_from_validation(error, prefix=prefix)
            ]
    # The deep checks run even when a basic field failed, so the user sees everything at once.
    parameters = raw.get("parameters", {"type": "object", "properties": {}})
    if isinstance(parameters, dict):
        problems += [
            p
            for p in schema_problems(parameters, field=_join(prefix, "parameters"))
            if p not in problems
        ]
    else:
        parameters = {}
    mock = raw.get("mock_response", "{}")
    if isinstance(mock, str):
        problems += _mock_problems(mock, parameters, field=_join(prefix, "mock_response"))
    return problems


def _mock_problems(mock: str, parameters: dict[str, Any], *, field: str) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    properties = parameters.get("properties", {})
    if not isinstance(properties, dict):
        properties = {}
    unknown = [name for name in mock_placeholders(mock) if name not in properties]
    if unknown:
        names = ", ".join("{{" + name + "}}" for name in unknown)
        problems.append(
            FieldProblem(field, f"placeholder(s) {names} do not match any parameter of the tool")
        )
    try:
        json.loads(fill_placeholders(mock, _sample_from_schema(parameters)))
    except json.JSONDecodeError as error:
        problems.append(
            FieldProblem(
                field, f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
            )
        )
    return problems


def validate_tools(tools: list[ToolSpec | dict[str, Any]]) -> list[FieldProblem]:
    """Problems with a tool list: each tool's, plus duplicate names (paths "tools[n]…")."""
    problems: list[FieldProblem] = []
    seen: dict[str, int] = {}
    for index, tool in enumerate(tools, start=1):
        prefix = f"tools[{index}]"
        problems += validate_tool(tool, prefix=prefix)
        name = tool.name if isinstance(tool, ToolSpec) else str(tool.get("name", ""))
        key = name.strip().lower()
        if not key:
            continue
        if key in seen:
            problems.append(
                FieldProblem(
                    f"{prefix}.name",
                    f'tool {seen[key]} is already called "{name.strip()}": names must be unique',
                )
            )
        else:
            seen[key] = index
    return problems


def check_arguments(tool: ToolSpec, arguments: dict[str, Any]) -> list[str]:
    """Why `arguments` do not fit the tool's parameters schema (empty when they do).
    Raises ToolSchemaError if the schema itself cannot be used to check them."""
    problems = schema_problems(tool.parameters)
    if problems:
        raise ToolSchemaError(
            f'The tool "{tool.name}" cannot check its arguments: fix its parameters schema on '
            "the Tools page.",
            problems=problems,
        )
    cls = bounded_validator(validator_for(tool.parameters, default=Draft202012Validator))
    validator = cls(tool.parameters)
    messages = []
    for error in sorted(validator.iter_errors(arguments), key=lambda e: list(map(str, e.path))):
        where = ".".join(str(p) for p in error.path)
        messages.append(f"{where}: {error.message}" if where else error.message)
    return messages


def render_mock_response(tool: ToolSpec, arguments: dict[str, Any]) -> str:
    """The tool's mock response with ``{{arg}}`` placeholders filled from `arguments`."""
    return fill_placeholders(tool.mock_response, arguments)


def fill_placeholders(template: str, arguments: dict[str, Any]) -> str:
    """Fill ``{{arg}}`` placeholders of JSON text so the result stays valid JSON.

    Inside a JSON string a value is inserted as escaped text; outside, as a JSON value.
    A placeholder with no matching argument becomes "" inside a string and null outside.
    """
    out: list[str] = []
    in_string = False
    escaped = False
    position = 0
    for match in PLACEHOLDER_RE.finditer(template):
        # Track whether the placeholder sits inside a JSON string literal.
        for char in template[position : match.start()]:
            if escaped:
                escaped = False
            elif char == "\\" and in_string:
                escaped = True
            elif char == '"':
                in_string = not in_string
        out.append(template[position : match.start()])
        value = arguments.get(match.group(1))
        if in_string:
            text = value if isinstance(value, str) else ("" if value is None else json.dumps(value))
            out.append(json.dumps(text, ensure_ascii=False)[1:-1])
        else:
            out.append(json.dumps(value, ensure_ascii=False))
        position = match.end()
    out.append(template[position:])
    return "".join(out)
