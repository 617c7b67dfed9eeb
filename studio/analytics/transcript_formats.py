"""Reading production transcripts (JSONL in the OpenAI `messages` shape, or CSV) into validated
conversations, with one error per bad line and nothing guessed silently.

Parsing is bounded: the file size, the number of conversations, the length of a line, the nesting
depth of its JSON, the number of messages and the length of each are all capped, so a hostile
file cannot make the studio do unbounded work.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from pathlib import PurePath
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field

from studio.core.errors import FieldProblem, InvalidInput

Role = Literal["user", "assistant", "system", "tool"]
ROLES: tuple[str, ...] = ("user", "assistant", "system", "tool")
MAX_DEPTH = 16  # {"messages": [{"content": [{"text": …}]}]} needs 5; metadata gets the rest
MAX_MESSAGE_CHARS = 32_000
MAX_ID_CHARS = 200
MAX_ERRORS_KEPT = 1_000  # a file of garbage reports its first thousand problems, not millions
KNOWN_KEYS = frozenset({"id", "messages", "started_at", "metadata"})
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


class TranscriptFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"


class CsvColumns(BaseModel):
    """Which CSV column holds what (the timestamp column is optional)."""

    conversation_id: str = "conversation_id"
    role: str = "role"
    content: str = "content"
    timestamp: str | None = "timestamp"


class TranscriptLimits(BaseModel):
    """How much one import may ask of the studio (from the settings)."""

    max_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    max_conversations: int = Field(default=20_000, gt=0)
    max_line_bytes: int = Field(default=512 * 1024, gt=0)
    max_messages: int = Field(default=500, gt=0)


class ImportedMessage(BaseModel):
    role: Role
    content: str
    timestamp: datetime | None  # aware UTC
    raw_timestamp: str | None  # as written in the file (hashed, so the assumed zone does not)


class ParsedConversation(BaseModel):
    """One valid conversation from the file, times converted to UTC."""

    line: int  # 1-based line of the file where it starts
    external_id: str
    messages: list[ImportedMessage]
    started_at: datetime | None
    metadata: dict[str, Any]
    extra: dict[str, Any]  # unknown top-level keys, kept as they were
    naive_timestamps: int  # how many of its times had no zone (the assumed one was applied)
    content_hash: str


class LineError(BaseModel):
    line: int
    conversation_id: str | None
    message: str


class ParsedFile(BaseModel):
    format: TranscriptFormat
    conversations: list[ParsedConversation]
    errors: list[LineError]
    more_errors: int = 0  # errors beyond MAX_ERRORS_KEPT (counted, not listed)
    assumed_timezone: str

    @property
    def error_count(self) -> int:
        """Every invalid line or conversation, listed or not."""
        return len(self.errors) + self.more_errors


class _LineProblem(Exception):
    """A problem with one line (internal: becomes a LineError)."""


def detect_format(filename: str, chosen: TranscriptFormat | None) -> TranscriptFormat:
    """The format to read: the one chosen, else from the file name. Raises InvalidInput if
    neither says."""
    if chosen is not None:
        return chosen
    suffix = PurePath(filename).suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return TranscriptFormat.JSONL
    if suffix in (".csv", ".tsv"):
        return TranscriptFormat.CSV
    raise InvalidInput(
        f'"{filename}" is not a transcript format the studio reads. Upload JSONL (one '
        "conversation per line, .jsonl) or CSV (one message per row, .csv)."
    )


def timezone_named(name: str) -> tzinfo:
    """The time zone called `name` (e.g. "UTC", "Europe/Paris"). Raises InvalidInput if unknown."""
    if name.strip().upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f'"{name}" is not a time zone name; use e.g. UTC or Europe/Paris.'
        ) from exc


def decode_text(content: bytes, *, limits: TranscriptLimits) -> str:
    """The file as text. Raises InvalidInput if it is too large, binary or not UTF-8."""
    if len(content) > limits.max_bytes:
        raise InvalidInput(
            f"The file is {len(content) / 1_048_576:.1f} MB; the import limit is "
            f"{limits.max_bytes / 1_048_576:.0f} MB (STUDIO_MAX_TRANSCRIPT_MB). Split it into "
            "smaller files."
        )
    if b"\x00" in content[:65_536]:
        raise InvalidInput("The file is binary, not text: export the transcripts as JSONL or CSV.")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"The file is not UTF-8 text (byte {exc.start + 1:,} cannot be read). Save it as UTF-8."
        ) from exc


def csv_header(content: bytes, *, limits: TranscriptLimits | None = None) -> list[str]:
    """The column names of a CSV file (for choosing the mapping). Raises InvalidInput."""
    text = decode_text(content, limits=limits or TranscriptLimits())
    try:
        header = next(csv.reader(io.StringIO(text[: 64 * 1024]), dialect=_dialect(text)), [])
    except csv.Error as exc:
        raise InvalidInput(f"The CSV header cannot be read: {exc}.") from exc
    names = [h.strip() for h in header if h.strip()]
    if not names:
        raise InvalidInput("The CSV file has no header row naming its columns.")
    return names


def parse_transcripts(
    content: bytes,
    *,
    filename: str,
    fmt: TranscriptFormat | None = None,
    columns: CsvColumns | None = None,
    assume_timezone: str = "UTC",
    limits: TranscriptLimits | None = None,
) -> ParsedFile:
    """Every conversation of the file, validated; bad lines become errors, not exceptions.

    Raises InvalidInput if the file as a whole cannot be read (size, encoding, format, CSV
    columns, too many conversations, an unknown time zone).
    """
    limits = limits or TranscriptLimits()
    zone = timezone_named(assume_timezone)
    chosen = detect_format(filename, fmt)
    text = decode_text(content, limits=limits)
    if chosen is TranscriptFormat.JSONL:
        if text.lstrip().startswith("["):
            raise InvalidInput(
                "This is one JSON array, not JSON Lines: put one conversation object per line."
            )
        items = _jsonl_items(text, limits=limits)
    else:
        items = _csv_items(text, columns or CsvColumns(), limits=limits)
    parsed = ParsedFile(format=chosen, conversations=[], errors=[], assumed_timezone=str(zone))
    seen: dict[str, tuple[str, int]] = {}
    for line, raw in items:
        if len(parsed.conversations) + parsed.error_count >= limits.max_conversations:
            raise InvalidInput(
                f"The file has more than {limits.max_conversations:,} conversations, the import "
                "limit (STUDIO_MAX_TRANSCRIPT_CONVERSATIONS). Split it into smaller files."
            )
        try:
            if isinstance(raw, _LineProblem):
                raise raw
            conversation = _conversation(raw, line=line, zone=zone, limits=limits)
            earlier = seen.get(conversation.external_id)
            if earlier is not None and earlier[0] != conversation.content_hash:
                raise _LineProblem(
                    f'conversation id "{conversation.external_id}" is used again (first on line '
                    f"{earlier[1]}) with different messages; give each conversation its own id"
                )
            if earlier is None:
                seen[conversation.external_id] = (conversation.content_hash, line)
                parsed.conversations.append(conversation)
        except _LineProblem as problem:
            _add_error(parsed, line, raw, str(problem))
    return parsed


def problems_of(parsed: ParsedFile, *, limit: int = 20) -> list[FieldProblem]:
    """The first `limit` errors as field problems ("line 3: …"), plus a count of the rest."""
    problems = [FieldProblem(field=f"line {e.line}", message=e.message) for e in parsed.errors]
    rest = parsed.error_count - min(limit, len(problems))
    shown = problems[:limit]
    if rest > 0:
        shown.append(FieldProblem(field="", message=f"… and {rest:,} more invalid line(s)"))
    return shown


# --------------------------------------------------------------------------- reading


def _add_error(parsed: ParsedFile, line: int, raw: object, message: str) -> None:
    if len(parsed.errors) >= MAX_ERRORS_KEPT:
        parsed.more_errors += 1
        return
    conversation_id = None
    if isinstance(raw, dict) and isinstance(raw.get("id"), str | int):
        conversation_id = str(raw["id"])[:MAX_ID_CHARS]
    parsed.errors.append(LineError(line=line, conversation_id=conversation_id, message=message))


def _depth(line: str) -> int:
    """How deeply the JSON on `line` nests (brackets inside strings do not count)."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_STRING.sub("", line)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _jsonl_items(text: str, *, limits: TranscriptLimits) -> Iterator[tuple[int, object]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if len(line.encode("utf-8")) > limits.max_line_bytes:
            yield (
                number,
                _LineProblem(
                    f"the line is longer than {limits.max_line_bytes // 1024:,} KB "
                    "(STUDIO_MAX_TRANSCRIPT_LINE_KB); split the conversation"
                ),
            )
            continue
        if _depth(line) > MAX_DEPTH:
            yield number, _LineProblem(f"the JSON nests deeper than {MAX_DEPTH} levels")
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            yield (
                number,
                _LineProblem(f"not valid JSON: {exc.msg} at column {exc.colno}"),
            )


def _dialect(text: str) -> type[csv.Dialect]:
    first = text.split("\n", 1)[0]
    return csv.excel_tab if first.count("\t") > first.count(",") else csv.excel


def _csv_items(
    text: str, columns: CsvColumns, *, limits: TranscriptLimits
) -> Iterator[tuple[int, object]]:
    reader = csv.reader(io.StringIO(text, newline=""), dialect=_dialect(text))
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        raise InvalidInput(f"The CSV header cannot be read: {exc}.") from exc
    wanted = {"conversation id": columns.conversation_id, "role": columns.role}
    wanted["content"] = columns.content
    if columns.timestamp:
        wanted["timestamp"] = columns.timestamp
    missing = [f'{what} → "{name}"' for what, name in wanted.items() if name not in header]
    if missing:
        raise InvalidInput(
            "The CSV has no column for "
            + ", ".join(missing)
            + ". Its columns are: "
            + ", ".join(f'"{h}"' for h in header if h)
            + ". Choose the matching columns."
        )
    at = {what: header.index(name) for what, name in wanted.items()}
    grouped: dict[str, dict[str, Any]] = {}
    problems: list[tuple[int, _LineProblem]] = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append((reader.line_num, _LineProblem(f"the CSV row cannot be read: {exc}")))
            continue
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            row = row + [""] * (len(header) - len(row))
        conversation_id = row[at["conversation id"]].strip()
        if not conversation_id:
            problems.append((line, _LineProblem("the conversation id is empty")))
            continue
        if len(grouped) >= limits.max_conversations and conversation_id not in grouped:
            raise InvalidInput(
                f"The file has more than {limits.max_conversations:,} conversations, the import "
                "limit (STUDIO_MAX_TRANSCRIPT_CONVERSATIONS). Split it into smaller files."
            )
        item = grouped.setdefault(
            conversation_id, {"id": conversation_id, "messages": [], "_line": line}
        )
        message: dict[str, Any] = {
            "role": row[at["role"]].strip().lower(),
            "content": row[at["content"]],
        }
        if "timestamp" in at and row[at["timestamp"]].strip():
            message["timestamp"] = row[at["timestamp"]].strip()
        message["_line"] = line
        item["messages"].append(message)
    yield from problems
    for item in grouped.values():
        yield int(item.pop("_line")), item


def _text_of(content: object, where: str) -> str:
    """A message's text: a string, null (a tool call), or OpenAI content parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text") for p in content if isinstance(p, dict) and p.get("type") == "text"]
        if all(isinstance(p, str) for p in parts):
            return "\n".join(p for p in parts if isinstance(p, str))
    raise _LineProblem(f"{where}: content must be text")


def _strings_in(value: object) -> Iterator[str]:
    """Every string (keys too) inside parsed JSON (depth is bounded by MAX_DEPTH)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings_in(item)


def _storable(text: str, where: str) -> str:
    """`text` if a database can store it; NUL characters and lone surrogates (from \\u0000 or
    \\ud800 escapes) cannot be stored in PostgreSQL, or encoded as UTF-8."""
    if "\x00" in text:
        raise _LineProblem(f"{where} holds a NUL character (\\u0000), which cannot be stored")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _LineProblem(
            f"{where} holds a broken character (an unpaired \\u{ord(text[exc.start]):04x} escape), "
            "which cannot be stored"
        ) from exc
    return text


def _timestamp(value: object, where: str, zone: tzinfo) -> tuple[datetime, bool]:
    """`value` as aware UTC, and whether the zone was assumed."""
    if not isinstance(value, str) or not value.strip():
        raise _LineProblem(f"{where}: the timestamp must be an ISO-8601 text")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise _LineProblem(
            f'{where}: "{value[:40]}" is not an ISO-8601 date-time (e.g. 2026-11-30T14:05:00+01:00)'
        ) from exc
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone).astimezone(UTC), True
    return moment.astimezone(UTC), False


def _conversation(
    raw: object, *, line: int, zone: tzinfo, limits: TranscriptLimits
) -> ParsedConversation:
    if not isinstance(raw, dict):
        raise _LineProblem('the line must be a JSON object like {"id": "…", "messages": […]}')
    external = raw.get("id")
    if (
        isinstance(external, bool)
        or not isinstance(external, str | int)
        or not str(external).strip()
    ):
        raise _LineProblem('"id" is missing: every conversation needs its id from the source')
    external_id = str(external).strip()
    if len(external_id) > MAX_ID_CHARS:
        raise _LineProblem(f'"id" is longer than {MAX_ID_CHARS} characters')
    items = raw.get("messages")
    if not isinstance(items, list) or not items:
        raise _LineProblem('"messages" must be a non-empty list of {"role", "content"} objects')
    if len(items) > limits.max_messages:
        raise _LineProblem(
            f"{len(items):,} messages; one conversation may have at most {limits.max_messages:,}"
        )
    naive = 0
    messages: list[ImportedMessage] = []
    for index, item in enumerate(items, start=1):
        where = f"message {index}"
        if isinstance(item, dict) and "_line" in item:  # CSV: name the row, not the position
            where = f"line {item['_line']}"
        if not isinstance(item, dict):
            raise _LineProblem(f"{where} must be an object with a role and a content")
        role = item.get("role")
        if role not in ROLES:
            raise _LineProblem(f'{where}: role "{str(role)[:20]}" is not one of {", ".join(ROLES)}')
        text = _storable(_text_of(item.get("content"), where), where)
        if len(text) > MAX_MESSAGE_CHARS:
            raise _LineProblem(f"{where} is longer than {MAX_MESSAGE_CHARS:,} characters")
        moment, raw_time = None, item.get("timestamp")
        if raw_time is not None:
            moment, assumed = _timestamp(raw_time, where, zone)
            naive += assumed
        messages.append(
            ImportedMessage(
                role=role,
                content=text,
                timestamp=moment,
                raw_timestamp=raw_time if isinstance(raw_time, str) else None,
            )
        )
    if not any(m.role == "user" and m.content.strip() for m in messages):
        raise _LineProblem(
            "the conversation has no user message, so there is nothing to tag or analyse"
        )
    started_at = None
    if raw.get("started_at") is not None:
        started_at, assumed = _timestamp(raw["started_at"], '"started_at"', zone)
        naive += assumed
    metadata = raw.get("metadata", {})
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise _LineProblem('"metadata" must be an object ({"key": value, …})')
    extra = {k: v for k, v in raw.items() if k not in KNOWN_KEYS}
    for text in _strings_in([external_id, metadata, extra]):
        _storable(text, '"id" or "metadata"')
    return ParsedConversation(
        line=line,
        external_id=external_id,
        messages=messages,
        started_at=started_at,
        metadata=metadata,
        extra=extra,
        naive_timestamps=naive,
        content_hash=_content_hash(raw, messages),
    )


def _content_hash(raw: dict[str, Any], messages: list[ImportedMessage]) -> str:
    """SHA-256 of what the file says (raw times: the same file hashes the same whatever zone
    was assumed)."""
    canonical = {
        "messages": [[m.role, m.content, m.raw_timestamp] for m in messages],
        "started_at": raw.get("started_at"),
        "metadata": raw.get("metadata") or {},
    }
    data = json.dumps(canonical, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()
