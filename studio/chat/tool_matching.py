"""Which enabled tool a message asks for, and the arguments it gives: the simulator's tool sense.

Deterministic word matching against each tool's name and description, then pattern extraction
(ids, e-mails, dates, phone numbers) for each parameter of the tool's JSON schema.
"""

from __future__ import annotations

import math
import re
from typing import Any

from studio.chat import insights, tagging
from studio.design.schemas import ToolSpec

# Verbs that say nothing about which tool is meant ("get", "check"…), ignored when matching.
GENERIC_TOOL_WORDS = frozenset(
    [
        "get",
        "check",
        "start",
        "create",
        "send",
        "find",
        "request",
        "book",
        "make",
        "set",
        "look",
        "fetch",
        "show",
        "list",
        "info",
        "information",
        "detail",
        "details",
        "status",
        "id",
        "number",
    ]
)
ACTION_CUES = tagging.cue_pattern(
    r"\bi (?:want|would like|wanna|need) to\b",
    r"\bi'?d like\b",
    r"\bplease\b",
    r"\bcan you\b",
    r"\bcould you\b",
    r"\bwhere is\b",
    r"\btrack\b",
    r"\bstart\b",
    r"\bbook\b",
    r"\breset\b",
    r"\bsend\b",
    r"\bcreate\b",
    r"\bopen a\b",
    r"\bcheck\b",
    r"\bfind\b",
    r"\bquote\b",
    r"\brefill\b",
    r"\bschedule\b",
)
INFO_CUES = tagging.cue_pattern(
    r"\bpolicy\b",
    r"\bhow long\b",
    r"\bhow do(?:es)?\b",
    r"\bwhat is\b",
    r"\bwhat are\b",
    r"\bwhen do\b",
    r"\bdo you\b",
)

ID_RE = re.compile(
    r"#\s?([A-Za-z]{0,4}-?\d{3,})|\b([A-Za-z]{1,4}-?\d{3,})\b|\b(\d{4,})\b"
    r"|\b([A-Z][A-Z0-9]+(?:-[A-Z0-9]+)+)\b"  # SKU-like codes: NW-JKT-ALPINE
)
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
DATE_RE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
PHONE_RE = re.compile(r"\+?\d[\d\s().-]{6,}\d")
NUMBER_RE = re.compile(r"\b\d+(?:\.\d+)?\b")
FREE_TEXT_PARAMS = ("reason", "summary", "description", "message", "details", "note", "issue")


def _tool_words(tool: ToolSpec) -> tuple[set[str], set[str]]:
    name = set(insights.content_words(tool.name.replace("_", " "))) - GENERIC_TOOL_WORDS
    desc = set(insights.content_words(tool.description)) - GENERIC_TOOL_WORDS
    return name, desc


def match_tool(message: str, tools: list[ToolSpec]) -> ToolSpec | None:
    """The tool the message asks for, or None; words rare among the tools weigh more."""
    if not tools:
        return None
    words = set(insights.content_words(message))
    docs = [_tool_words(t) for t in tools]
    df: dict[str, int] = {}
    for name, desc in docs:
        for w in name | desc:
            df[w] = df.get(w, 0) + 1
    best: tuple[float, ToolSpec] | None = None
    for tool, (name, desc) in zip(tools, docs, strict=True):
        score = 0.0
        for w in words & (name | desc):
            weight = math.log(1 + len(tools) / df[w])
            score += weight * (2.0 if w in name else 1.0)
        if not words & name:
            continue  # a tool is only called when its own name's key word is mentioned
        if best is None or score > best[0]:
            best = (score, tool)
    if best is None:
        return None
    tool = best[1]
    args, _ = extract_arguments(message, tool)
    has_specific = any(k not in FREE_TEXT_PARAMS for k in args)
    if INFO_CUES.search(message) and not has_specific:
        return None  # "what is your return policy?" is a question for the knowledge base
    if has_specific or ACTION_CUES.search(message):
        return tool
    return None


def extract_arguments(message: str, tool: ToolSpec) -> tuple[dict[str, Any], list[str]]:
    """Arguments found in the message per the tool's JSON schema, and the required ones missing."""
    properties = tool.parameters.get("properties") or {}
    args: dict[str, Any] = {}
    for name, schema in properties.items():
        value = _extract_one(message, name, schema if isinstance(schema, dict) else {})
        if value is not None:
            args[name] = value
    # Free text ("reason", "summary") is the message itself, but only alongside something specific.
    for name, schema in properties.items():
        if name in args or not any(k in name for k in FREE_TEXT_PARAMS):
            continue
        if isinstance(schema, dict) and "enum" in schema:
            continue
        args[name] = message.strip()[:200]
    missing = [r for r in tool.required if r not in args]
    return args, missing


def _labelled(message: str, name: str, schema: dict[str, Any]) -> Any:
    """A value the customer labelled with the parameter's name ("patient name: Ana Diaz")."""
    label = r"[\s_]+".join(re.escape(w) for w in name.split("_") if w)
    found = re.search(rf"(?<!\w){label}\s*[:=]\s*(\"[^\"\n]*\"|[^;\n]+)", message, re.I)
    if not found:
        return None
    value = found.group(1).strip().strip('"').rstrip(" .,!?")
    kind = schema.get("type", "string")
    if kind in ("integer", "number"):
        number = NUMBER_RE.search(value)
        if not number:
            return None
        return int(float(number.group(0))) if kind == "integer" else float(number.group(0))
    if kind != "string" or not value:
        return None
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        try:
            if re.search(pattern, value) is None:
                return None
        except re.error:
            pass
    return value


def _extract_one(message: str, name: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type", "string")
    enum = schema.get("enum")
    if not (isinstance(enum, list) and enum):
        labelled = _labelled(message, name, schema)
        if labelled is not None:
            return labelled
    if isinstance(enum, list) and enum:
        words = set(insights.content_words(message))
        for option in enum:
            wanted = set(insights.content_words(str(option).replace("_", " ")))
            if wanted and wanted <= words:
                return option
        if name in ("severity", "urgency", "priority"):
            # No severity word in the message: use the urgency the classifier heard in it.
            heard = tagging.classify(message).urgency.value
            if heard in enum:
                return heard
        return "other" if "other" in enum else None
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        try:
            found = re.search(pattern.strip("^$"), message)
        except re.error:
            found = None  # a broken pattern just means "no hint from the schema"
        if found:
            return found.group(0)
    if "email" in name:
        found = EMAIL_RE.search(message)
        return found.group(0) if found else None
    if "date" in name or schema.get("format") == "date":
        found = DATE_RE.search(message)
        return found.group(0) if found else None
    if "phone" in name:
        found = PHONE_RE.search(message)
        return found.group(0).strip() if found else None
    if kind in ("integer", "number"):
        found = NUMBER_RE.search(EMAIL_RE.sub(" ", message))
        if not found:
            return None
        return int(float(found.group(0))) if kind == "integer" else float(found.group(0))
    if name.endswith("_id") or name == "id":
        found = ID_RE.search(EMAIL_RE.sub(" ", message))
        if found:
            return next(g for g in found.groups() if g)
    return None
