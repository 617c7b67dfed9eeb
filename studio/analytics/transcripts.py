"""Importing production transcripts as sessions of source IMPORT, tagged like live turns.

Each user message becomes one turn (its reply: the assistant messages that follow it), tagged by
`studio.chat.tagging.tag_many` and linted against the assistant's brand voice, so imported traffic
is analysed exactly like the preview's. A file imports all or nothing, unless the caller asks for
"the valid lines"; a conversation already imported (same id, same content) is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlalchemy import insert, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col

from studio.access import audit
from studio.access.roles import Permission, require
from studio.analytics import rollups
from studio.analytics.transcript_formats import (
    CsvColumns,
    ImportedMessage,
    LineError,
    ParsedConversation,
    ParsedFile,
    TranscriptFormat,
    TranscriptLimits,
    parse_transcripts,
    problems_of,
)
from studio.chat import insights, tagging
from studio.core.config import Settings, get_settings
from studio.core.errors import Conflict, InvalidInput
from studio.core.models import ChatSession, TurnSource, TurnStatus, utcnow
from studio.design import assistants, versions
from studio.design.schemas import AssistantConfig

BACKEND = "import"
BATCH = 500  # conversations per insert (and per progress step)
Progress = Callable[[int, int, str], None]


class TranscriptInvalid(InvalidInput):
    """A transcript file with invalid lines, imported all or nothing: `errors` lists them."""

    def __init__(self, message: str, *, parsed: ParsedFile) -> None:
        super().__init__(message, problems=problems_of(parsed))
        self.errors: list[LineError] = list(parsed.errors)
        self.error_count = parsed.error_count


class ImportMode(StrEnum):
    ALL_OR_NOTHING = "all_or_nothing"  # any invalid line: nothing is imported
    VALID_LINES = "valid_lines"  # import the valid conversations, report the rest


class TranscriptImport(BaseModel):
    """What an import did (or, for a check, would do)."""

    format: TranscriptFormat
    conversations_in_file: int
    imported_conversations: int
    imported_turns: int
    duplicates: int  # already imported before (same id and content): skipped
    errors: list[LineError]
    error_count: int
    assumptions: list[str]  # what was assumed about times, in words
    first_at: datetime | None  # UTC
    last_at: datetime | None

    @property
    def summary(self) -> str:
        """One sentence for the person who imported."""
        text = (
            f"Imported {self.imported_conversations:,} conversation(s) with "
            f"{self.imported_turns:,} tagged user message(s)"
        )
        if self.duplicates:
            text += f"; {self.duplicates:,} already imported before were skipped"
        if self.error_count:
            text += f"; {self.error_count:,} invalid line(s) were left out"
        return text + "."


def limits_from(settings: Settings) -> TranscriptLimits:
    """The import limits the settings name."""
    return TranscriptLimits(
        max_bytes=int(settings.max_transcript_mb * 1024 * 1024),
        max_conversations=settings.max_transcript_conversations,
        max_line_bytes=settings.max_transcript_line_kb * 1024,
        max_messages=settings.max_transcript_messages,
    )


def limits_from_settings() -> TranscriptLimits:
    """The import limits in force."""
    return limits_from(get_settings())


def check_transcripts(
    *,
    content: bytes,
    filename: str,
    fmt: TranscriptFormat | None = None,
    columns: CsvColumns | None = None,
    assume_timezone: str = "UTC",
) -> ParsedFile:
    """Read and validate a file without importing it. Raises InvalidInput if it is unreadable."""
    return parse_transcripts(
        content,
        filename=filename,
        fmt=fmt,
        columns=columns,
        assume_timezone=assume_timezone,
        limits=limits_from_settings(),
    )


def import_transcripts(
    *,
    session: Session,
    assistant_id: int,
    content: bytes,
    filename: str,
    fmt: TranscriptFormat | None = None,
    columns: CsvColumns | None = None,
    mode: ImportMode = ImportMode.ALL_OR_NOTHING,
    assume_timezone: str = "UTC",
    on_progress: Progress | None = None,
) -> TranscriptImport:
    """Import a transcript file for an assistant in one transaction.

    Raises InvalidInput if the file is unreadable, TranscriptInvalid if (all or nothing) it has
    any invalid line;
    NotFound if the assistant does not exist; Conflict if the same conversations were being
    imported at the same moment (nothing from this import is kept then).
    """
    require(Permission.EDIT_ASSISTANT)
    report = on_progress or (lambda done, total, message: None)
    report(0, 1, "Reading the file…")
    target = assistants.get_assistant(session=session, assistant_id=assistant_id)
    parsed = check_transcripts(
        content=content, filename=filename, fmt=fmt, columns=columns,
        assume_timezone=assume_timezone,
    )  # fmt: skip
    if parsed.error_count and mode is ImportMode.ALL_OR_NOTHING:
        raise TranscriptInvalid(
            f"{parsed.error_count:,} line(s) of {filename} are invalid, so nothing was imported. "
            "Fix them, or choose to import only the valid lines.",
            parsed=parsed,
        )
    config, version_number, config_hash = target.draft, None, target.config_hash
    if target.published_version is not None:
        published = versions.get_version(
            session=session, assistant_id=assistant_id, number=target.published_version
        )
        config, version_number = published.config, published.number
        config_hash = published.config_hash
    fresh = _not_yet_imported(session, assistant_id, parsed.conversations)
    now = utcnow()
    total, turns = len(fresh), 0
    for start in range(0, total, BATCH):
        batch = fresh[start : start + BATCH]
        report(
            start, total, f"Tagging and saving conversations {start + 1:,}–{start + len(batch):,}…"
        )
        turns += _write(
            session, batch, assistant_id=assistant_id, version_number=version_number,
            config_hash=config_hash, config=config, now=now,
            assumed_timezone=parsed.assumed_timezone,
        )  # fmt: skip
    audit.record(
        session=session,
        action="transcripts.import",
        target_type="assistant",
        target_id=assistant_id,
        target_label=target.name,
        changes=audit.changed(conversations=(None, total), file=(None, filename[:200])),
    )
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "The same conversations were being imported at the same moment by someone else; "
            "nothing from this import was saved. Import the file again to add what is missing."
        ) from exc
    rollups.refresh(session=session)  # the import pays for its rollups, not the next reader
    report(total, max(total, 1), "Done.")
    times = [t for c in fresh for t in _times(c)]
    return TranscriptImport(
        format=parsed.format,
        conversations_in_file=len(parsed.conversations) + parsed.error_count,
        imported_conversations=total,
        imported_turns=turns,
        duplicates=len(parsed.conversations) - total,
        errors=parsed.errors,
        error_count=parsed.error_count,
        assumptions=_assumptions(fresh, parsed.assumed_timezone),
        first_at=min(times, default=None),
        last_at=max(times, default=None),
    )


# --------------------------------------------------------------------------- internals


def _not_yet_imported(
    session: Session, assistant_id: int, conversations: list[ParsedConversation]
) -> list[ParsedConversation]:
    known: set[tuple[str, str]] = set()
    keys = [(c.external_id, c.content_hash) for c in conversations]
    for start in range(0, len(keys), BATCH):
        chunk = keys[start : start + BATCH]
        rows = session.execute(
            select(col(ChatSession.external_id), col(ChatSession.content_hash)).where(
                col(ChatSession.assistant_id) == assistant_id,
                tuple_(col(ChatSession.external_id), col(ChatSession.content_hash)).in_(chunk),
            )
        )
        known.update((str(a), str(b)) for a, b in rows)
    return [c for c in conversations if (c.external_id, c.content_hash) not in known]


def _times(conversation: ParsedConversation) -> Iterable[datetime]:
    if conversation.started_at is not None:
        yield conversation.started_at
    yield from (m.timestamp for m in conversation.messages if m.timestamp is not None)


def _timestamp_note(conversation: ParsedConversation, zone: str) -> str:
    if not any(True for _ in _times(conversation)):
        return "no timestamps in the file: dated at the import time"
    if conversation.naive_timestamps:
        return f"{conversation.naive_timestamps} timestamp(s) without a time zone: assumed {zone}"
    return "timestamps as given (converted to UTC)"


def _assumptions(conversations: list[ParsedConversation], zone: str) -> list[str]:
    naive = sum(c.naive_timestamps for c in conversations)
    undated = sum(1 for c in conversations if not any(True for _ in _times(c)))
    notes = []
    if naive:
        notes.append(f"{naive:,} timestamp(s) had no time zone; they were read as {zone}.")
    if undated:
        notes.append(
            f"{undated:,} conversation(s) had no timestamps at all; they are dated at the time "
            "of this import."
        )
    return notes


def _turns_of(
    messages: list[ImportedMessage],
) -> list[tuple[ImportedMessage, list[ImportedMessage]]]:
    """(user message, every message up to the next user message). Messages before the first
    user message (a system prompt, a greeting) join the first turn, so nothing is dropped."""
    turns: list[tuple[ImportedMessage, list[ImportedMessage]]] = []
    leading: list[ImportedMessage] = []
    for message in messages:
        if message.role == "user" and message.content.strip():
            turns.append((message, [*leading, message]))
            leading = []
        elif turns:
            turns[-1][1].append(message)
        else:
            leading.append(message)
    return turns


def _write(
    session: Session,
    batch: list[ParsedConversation],
    *,
    assistant_id: int,
    version_number: int | None,
    config_hash: str,
    config: AssistantConfig,
    now: datetime,
    assumed_timezone: str,
) -> int:
    session_rows: list[dict[str, Any]] = []
    turn_rows: list[list[dict[str, Any]]] = []
    # Every user message of the batch tagged in one call: the embedding tagger embeds them
    # together (and each distinct text once).
    tagged = iter(tagging.tag_many(
        [user.content for c in batch for user, _ in _turns_of(c.messages)]
    ))  # fmt: skip
    for conversation in batch:
        model = conversation.metadata.get("model")
        model_name = model[:120] if isinstance(model, str) and model.strip() else "imported"
        started = conversation.started_at or next(iter(_times(conversation)), now)
        clock, rows = started, []
        for user, messages in _turns_of(conversation.messages):
            clock = user.timestamp or clock  # an undated message happened after the last dated one
            reply = "\n\n".join(
                m.content.strip() for m in messages if m.role == "assistant" and m.content.strip()
            )
            tags = next(tagged)
            flags = insights.lint_reply(
                reply,
                forbidden_phrases=config.brand_voice.forbidden_phrases,
                forbidden_topics=config.persona.forbidden_topics,
            ) if reply else []  # fmt: skip
            rows.append({
                "assistant_id": assistant_id, "version_number": version_number,
                "config_hash": config_hash, "source": TurnSource.IMPORT, "backend": BACKEND,
                "model": model_name, "created_at": clock, "user_message": user.content,
                "reply": reply, "status": TurnStatus.OK, "error": None, "ttft_ms": None,
                "latency_ms": None, "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0.0,
                "intent": tags.intent.value, "emotion": tags.emotion.value,
                "urgency": tags.urgency.value, "tagger": tags.tagger, "lint_flags": flags,
                "grounded": None,
                "escalated": insights.reply_escalates(reply), "retrieved": [], "tool_calls": [],
                "messages": [
                    {"role": m.role, "content": m.content,
                     "timestamp": m.timestamp.isoformat() if m.timestamp else None}
                    for m in messages
                ],
                # the derived columns analytics groups by (as conversations.log_turn fills them)
                "best_score": None, "top_document_id": None, "tool_name": None,
                "brand_violations": sum(f.startswith(("phrase:", "topic:")) for f in flags),
            })  # fmt: skip
            for m in messages[1:]:
                clock = m.timestamp or clock
        title = " ".join(str(rows[0]["user_message"]).split())[:80] if rows else ""
        session_rows.append({
            "assistant_id": assistant_id, "version_number": version_number,
            "config_hash": config_hash, "source": TurnSource.IMPORT, "backend": BACKEND,
            "model": model_name, "title": title, "started_at": started,
            "last_turn_at": max(clock, started), "external_id": conversation.external_id,
            "content_hash": conversation.content_hash, "comparison_id": None,
            "turn_count": len(rows), "escalated": any(r["escalated"] for r in rows),
            "unanswered": not rows[-1]["reply"] if rows else True,
            "external_metadata": {
                "metadata": conversation.metadata, "extra": conversation.extra,
                "line": conversation.line,
                "timestamps": _timestamp_note(conversation, assumed_timezone),
            },
        })  # fmt: skip
        turn_rows.append(rows)
    # Core inserts (executemany; RETURNING in order for the session ids): the ORM adds nothing
    # here but time, and these rows need no identity map.
    sessions_table = SQLModel.metadata.tables["chatsession"]
    try:
        ids = session.execute(
            insert(sessions_table).returning(sessions_table.c.id, sort_by_parameter_order=True),
            session_rows,
        ).scalars().all()  # fmt: skip
    except IntegrityError as exc:
        raise Conflict(
            "The same conversations were being imported at the same moment by someone else; "
            "nothing from this import was saved. Import the file again to add what is missing."
        ) from exc
    flat = [
        {**row, "session_id": session_id}
        for session_id, rows in zip(ids, turn_rows, strict=True)
        for row in rows
    ]
    if flat:
        session.execute(insert(SQLModel.metadata.tables["turn"]), flat)
    return len(flat)
