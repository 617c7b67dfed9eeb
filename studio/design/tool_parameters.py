"""The simple parameter form: a tool's parameters as table rows (name, type, description,
required, enum) and back, for people who do not write JSON Schema."""

from __future__ import annotations

from typing import Any

from studio.core.errors import FieldProblem, InvalidInput
from studio.design.schemas import TOOL_NAME_RE
from studio.design.tools import NAME_RULE

SIMPLE_TYPES: tuple[str, ...] = ("string", "integer", "number", "boolean")
"""Parameter types the simple form offers; anything else needs the raw JSON-schema editor."""

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
