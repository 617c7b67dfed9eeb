"""Reading YAML and JSON from outside the code with bounded work.

A 2 KB YAML file with nested aliases ("billion laughs") expands to billions of values once
anything walks it, and a deeply nested file makes recursive code raise RecursionError. These
loaders refuse such files before anything else sees them: at most `MAX_ALIASES` aliases, at
most `MAX_DEPTH` levels of nesting, at most `MAX_NODES` values counted with aliases expanded,
and no mapping with the same key twice. Each refusal names the place in the file.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from studio.core.errors import FieldProblem, InvalidInput

MAX_ALIASES = 20
MAX_DEPTH = 40
MAX_NODES = 50_000


class UnsafeDocument(InvalidInput):
    """A YAML/JSON file is malformed or would cost too much to read; `problems` say where."""


def _fail(message: str, where: str, detail: str) -> UnsafeDocument:
    return UnsafeDocument(message, problems=[FieldProblem(where, detail)])


def _label(path: list[str]) -> str:
    text = "".join(path).lstrip(".")
    return text if len(text) <= 120 else text[:117] + "…"


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that counts aliases and depth while composing, and refuses duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0
        self.path: list[str] = []

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise _fail(
                    "The file uses too many YAML aliases (*name); nothing was read.",
                    _label(self.path),
                    f"more than {MAX_ALIASES} aliases (line {mark.line + 1}); write the values "
                    "out instead of repeating them with anchors and aliases",
                )
        if isinstance(index, ScalarNode):
            self.path.append(f".{index.value}")
        elif isinstance(index, int):
            self.path.append(f"[{index + 1}]")
        else:
            self.path.append("")
        if len(self.path) > MAX_DEPTH + 1:
            raise _fail(
                "The file is nested too deeply; nothing was read.",
                _label(self.path),
                f"more than {MAX_DEPTH} levels of nesting",
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self.path.pop()

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, ScalarNode):
                key = self.construct_object(key_node, deep=False)
                if key in seen:
                    raise _fail(
                        f'The key "{key}" appears twice in the same mapping; nothing was read.',
                        str(key),
                        f"duplicate key at line {key_node.start_mark.line + 1}: keep only one",
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _expanded_size(root: Node) -> int:
    """How many values `root` holds with every alias expanded (stops counting past the limit)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children: list[Node] = []
        if isinstance(node, SequenceNode):
            children = list(node.value)
        elif isinstance(node, MappingNode):
            children = [part for pair in node.value for part in pair]
        if children_done or not children:
            total = 1 + sum(sizes.get(id(child), 0) for child in children)
            sizes[id(node)] = min(total, MAX_NODES + 1)
            continue
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)
    return sizes[id(root)]


def load_yaml(text: str) -> Any:
    """The value of one YAML document. Raises UnsafeDocument if it is malformed, uses too many
    aliases, is nested too deeply, holds too many values or repeats a key in a mapping."""
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node) > MAX_NODES:
            raise _fail(
                "The file holds too many values; nothing was read.",
                "",
                f"more than {MAX_NODES:,} values (counting what aliases repeat)",
            )
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "cannot be read"
        raise _fail("The file is not valid YAML.", "", f"{problem}{where}") from exc
    finally:
        loader.dispose()


def _json_depth_problem(text: str) -> str | None:
    """Where `text` first nests deeper than MAX_DEPTH (a readable path), scanning without
    recursion; None if it does not."""
    path: list[str] = []
    counters: list[int] = []
    pending_key: str | None = None
    in_string = escaped = False
    start = 0
    for position, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
                pending_key = text[start + 1 : position]
            continue
        if char == '"':
            in_string, start = True, position
        elif char in "[{":
            if counters and counters[-1] >= 0:  # inside an array: [n]
                path.append(f"[{counters[-1] + 1}]")
            elif counters:
                path.append(f".{pending_key}")
            else:
                path.append("")
            counters.append(0 if char == "[" else -1)
            if len(path) > MAX_DEPTH:
                return _label(path)
        elif char in "]}":
            if counters:
                counters.pop()
                path.pop()
        elif char == "," and counters and counters[-1] >= 0:
            counters[-1] += 1
    return None


def _pairs_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _fail(
                f'The key "{key}" appears twice in the same object; nothing was read.',
                key,
                "duplicate key: keep only one",
            )
        result[key] = value
    return result


def load_json(text: str) -> Any:
    """The value of a JSON text. Raises UnsafeDocument if it is malformed, nested too deeply,
    holds too many values or repeats a key in an object."""
    where = _json_depth_problem(text)
    if where is not None:
        raise _fail(
            "The file is nested too deeply; nothing was read.",
            where,
            f"more than {MAX_DEPTH} levels of nesting",
        )
    try:
        value = json.loads(text, object_pairs_hook=_pairs_without_duplicates)
    except json.JSONDecodeError as exc:
        raise _fail(
            "The file is not valid JSON.", "", f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc
    count, stack = 0, [value]
    while stack:
        item = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise _fail(
                "The file holds too many values; nothing was read.",
                "",
                f"more than {MAX_NODES:,} values",
            )
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return value
