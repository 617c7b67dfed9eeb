"""Tools an assistant may call: schema validation, argument checking, mock execution, and the
helpers behind the simple parameter form.

A tool's `parameters` is a JSON Schema of the arguments object; it is checked against the JSON
Schema meta-schema (Draft 2020-12 unless the schema names another draft with `$schema`).
A tool's `mock_response` is JSON text in which ``{{argument}}`` placeholders are filled from the
call's arguments: inside a JSON string the value is inserted as escaped text, outside a string
it is inserted as a JSON value — so the result is valid JSON whatever the caller sends.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

import re2
from jsonschema import Draft202012Validator
from jsonschema import ValidationError as SchemaViolation
from jsonschema.exceptions import SchemaError
from jsonschema.protocols import Validator
from jsonschema.validators import extend, validator_for
from pydantic import ValidationError

from studio.core.errors import FieldProblem, InvalidInput, problems_from_validation
from studio.design.schemas import TOOL_NAME_RE, ToolSpec

PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")

SIMPLE_TYPES: tuple[str, ...] = ("string", "integer", "number", "boolean")
"""Parameter types the simple form offers; anything else needs the raw JSON-schema editor."""

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


def schema_problems(schema: dict[str, Any], *, field: str = "parameters") -> list[FieldProblem]:
    """Problems with a parameters schema: meta-schema violations, required ⊄ properties, and
    what would make checking arguments unbounded (recursive `$ref`, unsafe `pattern`)."""
    safety = _safety_problems(schema, field=field)
    if safety:  # the meta-schema check itself could recurse or backtrack on such a schema
        return safety
    cls = validator_for(schema, default=Draft202012Validator)
    try:
        cls.check_schema(schema)
    except SchemaError as error:
        where = "/".join(str(p) for p in error.path)
        location = f" (at {where})" if where else ""
        return [FieldProblem(field, f"not a valid JSON schema{location}: {error.message}")]
    problems: list[FieldProblem] = []
    if schema.get("type", "object") != "object":
        problems.append(FieldProblem(field, 'the parameters schema must have "type": "object"'))
    properties = schema.get("properties", {})
    missing = [name for name in schema.get("required", []) if name not in properties]
    if missing:
        names = ", ".join(missing)
        problems.append(
            FieldProblem(field, f"required parameter(s) {names} are not defined under properties")
        )
    return problems


# --- Bounded argument checking ---------------------------------------------------------------
# jsonschema runs `pattern` with Python's backtracking `re`: `^(a+)+$` and a 32-character
# argument take minutes. Patterns run on RE2 instead (linear time, no look-arounds or
# back-references), and a schema whose `$ref`s loop is refused, since checking it never ends.

MAX_PATTERN_LENGTH = 1000
MAX_SCHEMA_DEPTH = 40
MAX_SCHEMA_NODES = 5_000
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a refused pattern is reported to the user, not to stderr


class ToolSchemaError(InvalidInput):
    """A tool's parameters schema cannot be used to check arguments; `problems` say why."""


@lru_cache(maxsize=256)
def _re2(pattern: str) -> Any:
    return re2.compile(pattern, _RE2_OPTIONS)


def _pattern_problem(pattern: Any) -> str | None:
    if not isinstance(pattern, str):
        return None  # the meta-schema reports a pattern that is not a string
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"a pattern may have at most {MAX_PATTERN_LENGTH} characters"
    try:
        _re2(pattern)
    except re2.error:
        return (
            f"the pattern {pattern[:80]!r} cannot be checked safely: use a regular expression "
            "without look-arounds (?=…) (?!…) (?<=…) and back-references \\1"
        )
    return None


def _pointer(ref: str) -> tuple[str, ...] | None:
    """The JSON-pointer tokens of a local `$ref` ("#", "#/$defs/x"), None if it is not one."""
    if ref == "#":
        return ()
    if not ref.startswith("#/"):
        return None
    return tuple(unquote(t).replace("~1", "/").replace("~0", "~") for t in ref[2:].split("/"))


def _resolves(schema: Any, tokens: tuple[str, ...]) -> bool:
    node = schema
    for token in tokens:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False
    return True


def _safety_problems(schema: dict[str, Any], *, field: str) -> list[FieldProblem]:
    """Walk the schema without recursion: bounded size and depth, safe patterns, `$ref`s that
    stay in the schema and never lead back to themselves."""
    problems: list[FieldProblem] = []
    refs: dict[tuple[str, ...], tuple[str, ...]] = {}  # where a $ref is → what it points to
    stack: list[tuple[tuple[str, ...], Any]] = [((), schema)]
    seen = 0
    while stack:
        path, node = stack.pop()
        seen += 1
        where = "/".join(path)
        at = f" (at {where})" if where else ""
        if seen > MAX_SCHEMA_NODES:
            return [FieldProblem(field, f"the schema has more than {MAX_SCHEMA_NODES} parts")]
        if len(path) > MAX_SCHEMA_DEPTH:
            return [
                FieldProblem(field, f"the schema is nested more than {MAX_SCHEMA_DEPTH} levels{at}")
            ]
        if isinstance(node, list):
            stack.extend(((*path, str(i)), item) for i, item in enumerate(node))
            continue
        if not isinstance(node, dict):
            continue
        for keyword in ("$dynamicRef", "$recursiveRef"):
            if keyword in node:
                problems.append(FieldProblem(field, f"{keyword} is not supported{at}"))
        if isinstance(node.get("$ref"), str):
            tokens = _pointer(node["$ref"])
            if tokens is None:
                problems.append(
                    FieldProblem(
                        field, f"$ref must point inside this schema, e.g. #/$defs/address{at}"
                    )
                )
            elif not _resolves(schema, tokens):
                problems.append(FieldProblem(field, f"$ref {node['$ref']!r} points to nothing{at}"))
            else:
                refs[path] = tokens
        if path[-1:] != ("properties",):  # a parameter may be *called* "pattern"
            problem = _pattern_problem(node.get("pattern"))
            if problem:
                problems.append(FieldProblem(field, f"{problem}{at}"))
        patterns = node.get("patternProperties")
        if isinstance(patterns, dict) and path[-1:] != ("properties",):
            problems += [
                FieldProblem(field, f"{problem}{at}")
                for key in patterns
                if (problem := _pattern_problem(key))
            ]
            if "unevaluatedProperties" in node:
                problems.append(
                    FieldProblem(
                        field,
                        f"patternProperties cannot be combined with unevaluatedProperties{at}",
                    )
                )
        stack.extend(((*path, str(key)), value) for key, value in node.items())
    loop = _ref_loop(refs)
    if loop is not None:
        where = "/".join(loop) or "the top"
        problems.append(
            FieldProblem(
                field,
                f"the $ref at {where} refers back to itself, so checking arguments would never "
                "end; describe the nesting explicitly instead",
            )
        )
    return problems


def _ref_loop(refs: dict[tuple[str, ...], tuple[str, ...]]) -> tuple[str, ...] | None:
    """A `$ref` from which following references comes back to it, or None."""

    def leads_to(ref: tuple[str, ...]) -> list[tuple[str, ...]]:
        target = refs[ref]
        return [other for other in refs if other[: len(target)] == target]

    state: dict[tuple[str, ...], int] = {}  # 1: on the current path, 2: done
    for start in refs:
        if state.get(start):
            continue
        stack: list[tuple[tuple[str, ...], Iterator[tuple[str, ...]]]] = [
            (start, iter(leads_to(start)))
        ]
        state[start] = 1
        while stack:
            ref, following = stack[-1]
            step = next(following, None)
            if step is None:
                state[ref] = 2
                stack.pop()
            elif state.get(step) == 1:
                return step
            elif not state.get(step):
                state[step] = 1
                stack.append((step, iter(leads_to(step))))
    return None


def _re2_pattern(
    validator: Validator, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[SchemaViolation]:
    if validator.is_type(instance, "string") and not _re2(pattern).search(instance):
        yield SchemaViolation(f"{instance!r} does not match {pattern!r}")


def _re2_pattern_properties(
    validator: Validator, patterns: dict[str, Any], instance: Any, schema: dict[str, Any]
) -> Iterator[SchemaViolation]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if _re2(pattern).search(key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _re2_additional_properties(
    validator: Validator, allowed: Any, instance: Any, schema: dict[str, Any]
) -> Iterator[SchemaViolation]:
    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = sorted(
        key
        for key in instance
        if key not in properties and not any(_re2(p).search(key) for p in patterns)
    )
    if validator.is_type(allowed, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], allowed, path=extra)
    elif not allowed and extras:
        names = ", ".join(repr(each) for each in extras)
        yield SchemaViolation(f"Additional properties are not allowed ({names} unexpected)")


@lru_cache(maxsize=16)
def _bounded_validator(cls: type[Validator]) -> type[Validator]:
    keywords: dict[str, Any] = {
        "pattern": _re2_pattern,
        "patternProperties": _re2_pattern_properties,
        "additionalProperties": _re2_additional_properties,
    }
    return extend(cls, {k: v for k, v in keywords.items() if k in cls.VALIDATORS})


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
    cls = _bounded_validator(validator_for(tool.parameters, default=Draft202012Validator))
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


# --- The simple parameter form ---------------------------------------------------------------

PARAMETER_COLUMNS: tuple[str, ...] = ("name", "type", "description", "required", "enum")


def _enum_values(raw: Any, kind: str) -> list[Any]:
    items = raw if isinstance(raw, list) else str(raw or "").split(",")
    values: list[Any] = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        if kind == "integer":
            values.append(int(text))
        elif kind == "number":
            values.append(float(text))
        elif kind == "boolean":
            raise ValueError("a yes/no parameter cannot have a list of allowed values")
        else:
            values.append(text)
    return values


KEPT_KEYWORDS: frozenset[str] = frozenset(
    {
        "pattern",
        "format",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "default",
        "examples",
        "title",
    }
)
"""Per-parameter keywords the simple form does not show but keeps (edit them as JSON)."""


def kept_keywords(schema: dict[str, Any]) -> list[str]:
    """What the simple form keeps without showing it, e.g. ["order_id: pattern"]."""
    kept = []
    for name, spec in (schema.get("properties") or {}).items():
        extra = sorted(set(spec) & KEPT_KEYWORDS) if isinstance(spec, dict) else []
        if extra:
            kept.append(f"{name}: {', '.join(extra)}")
    return kept


def parameters_from_rows(
    rows: list[dict[str, Any]], *, base: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Build a parameters schema from form rows (name, type, description, required, enum).

    Keywords the form does not show (`KEPT_KEYWORDS`, `additionalProperties`) are kept from
    `base` for parameters whose name and type are unchanged. Rows without a name are ignored.
    Raises InvalidInput if a name is not an identifier, is used twice, a type is unknown, or
    allowed values do not fit the type.
    """
    base_properties = (base or {}).get("properties") or {}
    properties: dict[str, Any] = {}
    required: list[str] = []
    problems: list[FieldProblem] = []
    for index, row in enumerate(rows, start=1):
        name = str(row.get("name") or "").strip()
        if not name:
            continue
        field = f"parameters[{index}]"
        if not TOOL_NAME_RE.match(name):
            problems.append(FieldProblem(f"{field}.name", f'"{name}": {NAME_RULE}'))
            continue
        if name in properties:
            problems.append(FieldProblem(f"{field}.name", f'"{name}" is listed twice'))
            continue
        kind = str(row.get("type") or "string")
        if kind not in SIMPLE_TYPES:
            problems.append(
                FieldProblem(f"{field}.type", f"choose one of: {', '.join(SIMPLE_TYPES)}")
            )
            continue
        spec: dict[str, Any] = {"type": kind}
        previous = base_properties.get(name)
        if isinstance(previous, dict) and previous.get("type") == kind:
            spec |= {k: v for k, v in previous.items() if k in KEPT_KEYWORDS}
        description = str(row.get("description") or "").strip()
        if description:
            spec["description"] = description
        try:
            enum = _enum_values(row.get("enum"), kind)
        except ValueError as bad:
            message = str(bad) if kind == "boolean" else f"allowed values must be {kind}s"
            problems.append(FieldProblem(f"{field}.enum", message))
            continue
        if enum:
            spec["enum"] = enum
        properties[name] = spec
        if bool(row.get("required")):
            required.append(name)
    if problems:
        raise InvalidInput("Some parameters need fixing.", problems=problems)
    schema: dict[str, Any] = {"type": "object", "properties": properties, "required": required}
    if base and "additionalProperties" in base:
        schema["additionalProperties"] = base["additionalProperties"]
    return schema


def rows_from_parameters(schema: dict[str, Any]) -> list[dict[str, Any]] | None:
    """Form rows for a parameters schema, or None if it is too advanced for the simple form."""
    if set(schema) - {"type", "properties", "required", "additionalProperties"}:
        return None
    if schema.get("type", "object") != "object":
        return None
    if not isinstance(schema.get("additionalProperties", False), bool):
        return None
    properties = schema.get("properties", {})
    required = schema.get("required", [])
    if not isinstance(properties, dict) or not isinstance(required, list):
        return None
    if any(name not in properties for name in required):
        return None
    rows: list[dict[str, Any]] = []
    for name, spec in properties.items():
        if (
            not isinstance(spec, dict)
            or set(spec) - {"type", "description", "enum"} - KEPT_KEYWORDS
        ):
            return None
        kind = spec.get("type", "string")
        if kind not in SIMPLE_TYPES or not TOOL_NAME_RE.match(str(name)):
            return None
        enum = spec.get("enum", [])
        if not isinstance(enum, list) or (enum and kind == "boolean"):
            return None
        try:  # the form edits allowed values as comma-separated text: it must round-trip
            if _enum_values(", ".join(str(v) for v in enum), kind) != enum:
                return None
        except ValueError:
            return None
        rows.append(
            {
                "name": name,
                "type": kind,
                "description": str(spec.get("description", "")),
                "required": name in required,
                "enum": ", ".join(str(v) for v in enum),
            }
        )
    return rows
