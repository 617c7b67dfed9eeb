"""Parameters schemas of tools: is a JSON Schema valid, and safe to check arguments with?

Checked against the JSON Schema meta-schema (Draft 2020-12 unless the schema names another draft
with `$schema`); a schema whose checking would be unbounded (looping `$ref`s, patterns that
backtrack, too deep or too large) is refused, and patterns run on RE2.
"""

from __future__ import annotations

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

from studio.core.errors import FieldProblem, InvalidInput


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
def bounded_validator(cls: type[Validator]) -> type[Validator]:
    """`cls` with pattern keywords run on RE2 (linear time)."""
    keywords: dict[str, Any] = {
        "pattern": _re2_pattern,
        "patternProperties": _re2_pattern_properties,
        "additionalProperties": _re2_additional_properties,
    }
    return extend(cls, {k: v for k, v in keywords.items() if k in cls.VALIDATORS})
