"""Export an assistant as YAML, JSON or a runnable Python snippet; import YAML/JSON files back.

The file is an envelope around the configuration document: what format it is, its schema
version, which studio wrote it and when, the assistant's name and description, and `config`.
Export → import gives back exactly the same configuration.
"""

from __future__ import annotations

import json
import pprint
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import PurePath
from typing import Any

import yaml
from pydantic import BaseModel
from sqlmodel import Session

from studio import __version__ as STUDIO_VERSION
from studio.core import safe_yaml
from studio.core.errors import FieldProblem, ImportFailed, InvalidInput
from studio.design.assistants import AssistantDetail, create_from_config, get_assistant
from studio.design.drafts import validate_config
from studio.design.prompting import compile_prompt
from studio.design.schemas import SCHEMA_VERSION, SHORT_TEXT, AssistantConfig
from studio.design.versions import config_of

FORMAT_NAME = "assistant-studio/assistant"
SUPPORTED_SCHEMA_VERSIONS: frozenset[int] = frozenset({SCHEMA_VERSION})


class ExportFormat(StrEnum):
    YAML = "yaml"
    JSON = "json"
    PYTHON = "python"


_EXTENSIONS = {ExportFormat.YAML: "yaml", ExportFormat.JSON: "json", ExportFormat.PYTHON: "py"}
_MIME = {
    ExportFormat.YAML: "application/yaml",
    ExportFormat.JSON: "application/json",
    ExportFormat.PYTHON: "text/x-python",
}


class ExportFile(BaseModel):
    """A file ready to download."""

    filename: str
    mime: str
    content: str


class ImportedAssistant(BaseModel):
    """What an import file describes, validated, before it is stored."""

    name: str
    description: str
    config: AssistantConfig


# --------------------------------------------------------------------------- export


def export_document(
    *,
    name: str,
    description: str,
    config: AssistantConfig,
    version: int | None,
    exported_at: datetime | None = None,
) -> dict[str, Any]:
    """The export envelope as plain data (JSON types only)."""
    return {
        "format": FORMAT_NAME,
        "schema_version": config.schema_version,
        "studio_version": STUDIO_VERSION,
        "exported_at": (exported_at or datetime.now(UTC)).isoformat(timespec="seconds"),
        "name": name,
        "description": description,
        "version": version,  # None: exported from the draft
        "config": config.model_dump(mode="json"),
    }


class _BlockDumper(yaml.SafeDumper):
    """Multi-line strings (mock responses, notes) as readable `|` blocks."""


_UNSAFE_BREAKS = ("\r", "\x85", "\u2028", "\u2029")


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # YAML folds or normalises these line breaks in plain, quoted and block styles; only the
    # double-quoted style escapes them, so the round trip stays exact.
    if any(mark in value for mark in _UNSAFE_BREAKS):
        style: str | None = '"'
    else:
        # PyYAML falls back to a quoted style itself when a block cannot hold the value exactly.
        style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _represent_str)


def to_yaml(document: dict[str, Any]) -> str:
    """YAML text of an export document (keys in envelope order)."""
    return yaml.dump(document, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=100)


def to_json(document: dict[str, Any]) -> str:
    """Indented JSON text of an export document."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _python_string(text: str) -> str:
    """A parenthesised, line-by-line string literal: readable and always valid Python."""
    lines = text.splitlines(keepends=True) or [""]
    body = "\n".join(f"    {line!r}" for line in lines)
    return f"(\n{body}\n)"


def python_snippet(*, name: str, config: AssistantConfig, version: int | None) -> str:
    """A runnable script that chats with the assistant through the `openai` client."""
    compiled = compile_prompt(config)
    mocks = {t.name: t.mock_response for t in config.tools if t.enabled}
    label = "draft" if version is None else f"version {version}"
    title = f"{name} ({label})".replace('"""', "'''").replace("\\", "/")
    return f'''"""{title} — exported from Assistant Studio {STUDIO_VERSION}.

Run it:  pip install openai  &&  OPENAI_API_KEY=sk-... python this_file.py
(For an OpenAI-compatible server, also set OPENAI_BASE_URL.) Tool calls are answered with the
mock responses designed in the studio: replace `call_tool` with your real integrations.
"""

import json
import re

from openai import OpenAI

NAME = {name!r}
MODEL = {config.model.model!r}
TEMPERATURE = {config.model.temperature!r}
MAX_TOKENS = {config.model.max_output_tokens!r}

SYSTEM_PROMPT = {_python_string(compiled.text)}

TOOLS = {pprint.pformat(compiled.tools, indent=1, width=96, sort_dicts=False)}

MOCK_RESPONSES = {pprint.pformat(mocks, indent=1, width=96, sort_dicts=False)}


def call_tool(name, arguments):
    """Answer a tool call with the studio's mock response, placeholders filled."""
    template = MOCK_RESPONSES.get(name, "{{}}")

    def fill(match):
        value = arguments.get(match.group(1), "")
        return json.dumps(value)[1:-1] if isinstance(value, str) else json.dumps(value)

    return re.sub(r"\\{{\\{{\\s*(\\w+)\\s*\\}}\\}}", fill, template)


def chat():
    client = OpenAI()
    messages = [{{"role": "system", "content": SYSTEM_PROMPT}}]
    extra = {{"tools": TOOLS}} if TOOLS else {{}}
    print(f"Chatting with {{NAME}}. Send an empty line to stop.")
    while True:
        text = input("you> ").strip()
        if not text:
            return
        messages.append({{"role": "user", "content": text}})
        while True:
            response = client.chat.completions.create(
                model=MODEL,
                messages=messages,
                temperature=TEMPERATURE,
                max_tokens=MAX_TOKENS,
                **extra,
            )
            message = response.choices[0].message
            messages.append(message.model_dump(exclude_none=True))
            if not message.tool_calls:
                print("assistant>", message.content)
                break
            for call in message.tool_calls:
                arguments = json.loads(call.function.arguments or "{{}}")
                result = call_tool(call.function.name, arguments)
                print(f"[tool {{call.function.name}}({{arguments}}) -> {{result}}]")
                messages.append({{"role": "tool", "tool_call_id": call.id, "content": result}})


if __name__ == "__main__":
    chat()
'''


def _slug(text: str) -> str:
    cleaned = "".join(c.lower() if c.isalnum() else "-" for c in text)
    return "-".join(part for part in cleaned.split("-") if part)[:60] or "assistant"


def export_assistant(
    *, session: Session, assistant_id: int, version: int | None, fmt: ExportFormat | str
) -> ExportFile:
    """Export version `version` (None: the draft) in `fmt`. Raises NotFound if missing."""
    fmt = ExportFormat(fmt)
    assistant = get_assistant(session=session, assistant_id=assistant_id)
    config = config_of(session=session, assistant_id=assistant_id, number=version)
    suffix = "draft" if version is None else f"v{version}"
    filename = f"{_slug(assistant.name)}-{suffix}.{_EXTENSIONS[fmt]}"
    if fmt is ExportFormat.PYTHON:
        content = python_snippet(name=assistant.name, config=config, version=version)
    else:
        document = export_document(
            name=assistant.name,
            description=assistant.description,
            config=config,
            version=version,
        )
        content = to_yaml(document) if fmt is ExportFormat.YAML else to_json(document)
    return ExportFile(filename=filename, mime=_MIME[fmt], content=content)


# --------------------------------------------------------------------------- import


def _fail(message: str, field: str = "", detail: str = "") -> ImportFailed:
    return ImportFailed(message, problems=[FieldProblem(field, detail or message)])


def _decode(content: bytes | str, max_kb: int) -> str:
    size = len(content.encode("utf-8") if isinstance(content, str) else content)
    if size > max_kb * 1024:
        raise _fail(
            f"The file is {size / 1024:,.0f} KB; the largest file you can import is {max_kb} KB. "
            "Export the assistant again, or remove large mock responses first."
        )
    if size == 0:
        raise _fail("The file is empty. Choose a YAML or JSON file exported from the studio.")
    if isinstance(content, str):
        return content
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail("The file is not UTF-8 text. Choose a YAML or JSON export.") from exc


def _parse(text: str, filename: str) -> Any:
    try:
        if PurePath(filename).suffix.lower() == ".json":
            return safe_yaml.load_json(text)
        return safe_yaml.load_yaml(text)
    except safe_yaml.UnsafeDocument as exc:
        raise ImportFailed(exc.message, problems=exc.problems) from exc


def parse_import(
    content: bytes | str, *, filename: str = "", max_kb: int = 512
) -> ImportedAssistant:
    """Read and validate an exported file (YAML or JSON; a bare configuration is accepted too).

    Raises ImportFailed with field-by-field problems if the file is too large, unreadable,
    of an unknown schema version or describes an invalid assistant.
    """
    data = _parse(_decode(content, max_kb), filename)
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single {type(data).__name__} value"
        raise _fail(
            "The file does not describe an assistant.",
            detail=f"expected a mapping with schema_version and config, found {kind}",
        )
    envelope = data if "config" in data else {"config": data, **data}
    version = envelope.get("schema_version", data.get("schema_version"))
    if version is None:
        raise _fail(
            "The file has no schema_version: is it an Assistant Studio export?",
            field="schema_version",
            detail="missing",
        )
    if not isinstance(version, int) or version not in SUPPORTED_SCHEMA_VERSIONS:
        supported = ", ".join(str(v) for v in sorted(SUPPORTED_SCHEMA_VERSIONS))
        raise _fail(
            f"Schema version {version!r} is not one this studio can read (it reads {supported}).",
            field="schema_version",
            detail=f"unknown version {version!r}; export it again from a matching studio",
        )
    config_data = envelope["config"]
    if not isinstance(config_data, dict):
        raise _fail("The file's config is not a mapping.", field="config", detail="not a mapping")
    prefix = "config" if envelope is data else ""
    try:
        config = validate_config(config_data, prefix=prefix)
    except InvalidInput as exc:
        raise ImportFailed(
            "The file describes an assistant with invalid fields; nothing was imported.",
            problems=exc.problems,
        ) from exc
    name = envelope.get("name")
    if not isinstance(name, str) or not name.strip():
        name = f"{config.business.company_name} assistant"
    description = envelope.get("description")
    return ImportedAssistant(
        name=" ".join(name.split())[:SHORT_TEXT],
        description=description.strip()[:500] if isinstance(description, str) else "",
        config=config,
    )


def import_assistant(
    *, session: Session, content: bytes | str, filename: str = "", max_kb: int = 512
) -> AssistantDetail:
    """Create a new assistant from an exported file; a used name gets a " (2)" suffix.

    Raises ImportFailed (with field problems) if the file cannot be imported.
    """
    imported = parse_import(content, filename=filename, max_kb=max_kb)
    return create_from_config(
        session=session,
        name=imported.name,
        config=imported.config,
        description=imported.description,
    )
