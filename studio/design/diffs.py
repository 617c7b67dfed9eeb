"""Pure: what changed between two configurations, field by field and in the compiled prompt."""

from __future__ import annotations

import difflib
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from studio.design.prompting import compile_prompt
from studio.design.schemas import AssistantConfig


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


class FieldChange(BaseModel):
    path: str  # dotted path, e.g. "persona.empathy", "tools[get_order_status].description"
    kind: ChangeKind
    before: Any = None
    after: Any = None


class ConfigDiff(BaseModel):
    old_label: str
    new_label: str
    changes: list[FieldChange]
    prompt_diff: str  # unified diff of the two compiled system prompts ("" when equal)

    @property
    def is_empty(self) -> bool:
        """True when neither a field nor the prompt changed."""
        return not self.changes and not self.prompt_diff


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _named_items(items: list[Any]) -> dict[str, Any] | None:
    """Lists of objects with unique names (tools, journeys) are compared by name, not position,
    so removing the first tool is one change rather than a shift of every later one."""
    if not items or not all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in items):
        return None
    names = [i["name"] for i in items]
    return dict(zip(names, items, strict=True)) if len(set(names)) == len(names) else None


def _walk(before: Any, after: Any, path: str, out: list[FieldChange]) -> None:
    if before == after:
        return
    if isinstance(before, dict) and isinstance(after, dict):
        for key in list(before) + [k for k in after if k not in before]:
            sub = _join(path, str(key))
            if key not in after:
                out.append(FieldChange(path=sub, kind=ChangeKind.REMOVED, before=before[key]))
            elif key not in before:
                out.append(FieldChange(path=sub, kind=ChangeKind.ADDED, after=after[key]))
            else:
                _walk(before[key], after[key], sub, out)
        return
    if isinstance(before, list) and isinstance(after, list):
        old_named, new_named = _named_items(before), _named_items(after)
        if (old_named is not None or not before) and (new_named is not None or not after):
            _walk_named(old_named or {}, new_named or {}, path, out)
            return
        if all(isinstance(i, dict) for i in before + after):
            for index in range(max(len(before), len(after))):
                sub = f"{path}[{index + 1}]"
                if index >= len(after):
                    out.append(FieldChange(path=sub, kind=ChangeKind.REMOVED, before=before[index]))
                elif index >= len(before):
                    out.append(FieldChange(path=sub, kind=ChangeKind.ADDED, after=after[index]))
                else:
                    _walk(before[index], after[index], sub, out)
            return
    # Scalars and lists of plain values: one change with the whole before/after value.
    out.append(FieldChange(path=path, kind=ChangeKind.CHANGED, before=before, after=after))


def _walk_named(
    before: dict[str, Any], after: dict[str, Any], path: str, out: list[FieldChange]
) -> None:
    for name in list(before) + [n for n in after if n not in before]:
        sub = f"{path}[{name}]"
        if name not in after:
            out.append(FieldChange(path=sub, kind=ChangeKind.REMOVED, before=before[name]))
        elif name not in before:
            out.append(FieldChange(path=sub, kind=ChangeKind.ADDED, after=after[name]))
        else:
            _walk(before[name], after[name], sub, out)


def diff_configs(old: AssistantConfig, new: AssistantConfig) -> list[FieldChange]:
    """Field-level changes from `old` to `new`, in document order, with before/after values."""
    changes: list[FieldChange] = []
    _walk(old.model_dump(mode="json"), new.model_dump(mode="json"), "", changes)
    return changes


def diff_prompts(
    old: AssistantConfig, new: AssistantConfig, *, old_label: str = "old", new_label: str = "new"
) -> str:
    """Unified diff of the two compiled system prompts ("" when they are the same)."""
    before = compile_prompt(old).text.splitlines(keepends=True)
    after = compile_prompt(new).text.splitlines(keepends=True)
    lines = difflib.unified_diff(before, after, fromfile=old_label, tofile=new_label, n=2)
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
