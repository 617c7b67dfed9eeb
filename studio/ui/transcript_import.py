"""The transcript import section: upload JSONL or CSV, map CSV columns, check, import with a
progress bar, and show per-line errors and what was assumed about times (in local time)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from zoneinfo import available_timezones

import pandas as pd
import streamlit as st

from studio.analytics import transcripts
from studio.analytics.transcript_formats import (
    CsvColumns,
    LineError,
    ParsedFile,
    TranscriptFormat,
    csv_header,
    detect_format,
    timezone_named,
)
from studio.core.db import session_scope
from studio.core.errors import InvalidInput, StudioError
from studio.design.assistants import AssistantDetail
from studio.ui.resources import get_engine
from studio.ui.untrusted import safe

AUTO = "From the file name"
NO_COLUMN = "(none)"
FORMATS = {AUTO: None, "JSONL": TranscriptFormat.JSONL, "CSV": TranscriptFormat.CSV}
GUESSES = {
    "conversation_id": ("conversation_id", "conversation", "session_id", "thread_id", "id"),
    "role": ("role", "sender", "author", "speaker", "from"),
    "content": ("content", "message", "text", "body"),
    "timestamp": ("timestamp", "time", "created_at", "date", "sent_at", "datetime"),
}  # fmt: skip


def _zones() -> list[str]:
    return ["UTC", *sorted(z for z in available_timezones() if "/" in z)]


def _local_zone() -> str:
    """The browser's time zone when Streamlit knows it, else UTC."""
    name = st.context.timezone
    return name if name and name in available_timezones() else "UTC"


def _when(moment: datetime | None, zone: tzinfo, zone_name: str) -> str:
    if moment is None:
        return "—"
    return f"{moment.astimezone(zone):%d %b %Y %H:%M} ({zone_name})"


def _guess(columns: list[str], role: str) -> int:
    lowered = [c.lower() for c in columns]
    for candidate in GUESSES[role]:
        if candidate in lowered:
            return lowered.index(candidate)
    return 0


def _csv_mapping(content: bytes) -> CsvColumns | None:
    """Column pickers for a CSV file; None (with a message) if its header cannot be read."""
    try:
        columns = csv_header(content, limits=transcripts.limits_from_settings())
    except InvalidInput as error:
        st.error(str(error))
        return None
    st.caption("Which column holds what:")
    a, b, c, d = st.columns(4)
    conversation = a.selectbox("Conversation id", columns, index=_guess(columns, "conversation_id"))
    role = b.selectbox("Role", columns, index=_guess(columns, "role"))
    text = c.selectbox("Message text", columns, index=_guess(columns, "content"))
    times = [NO_COLUMN, *columns]
    lowered = [t.lower() for t in times]
    default = next((lowered.index(g) for g in GUESSES["timestamp"] if g in lowered), 0)
    stamp = d.selectbox("Timestamp", times, index=default)
    return CsvColumns(
        conversation_id=conversation, role=role, content=text,
        timestamp=None if stamp == NO_COLUMN else stamp,
    )  # fmt: skip


_ROW_HEIGHT = 72  # px: three lines of text


def _error_table(errors: list[LineError], total: int) -> None:
    # st.dataframe shows plain text: the file's own words cannot format or fetch anything here.
    frame = pd.DataFrame(
        [{"Line": e.line, "Conversation": e.conversation_id or "", "Problem": e.message}
         for e in errors]
    )  # fmt: skip
    # Fixed widths for the line and the id, the rest for the problem; rows taller than 4rem let
    # Streamlit wrap a long problem over three lines instead of cutting it off.
    widths = {
        "Line": st.column_config.NumberColumn(width=60),
        "Conversation": st.column_config.TextColumn(width=170),
        "Problem": st.column_config.TextColumn(width=670),
    }
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config=widths,
        row_height=_ROW_HEIGHT,
        height=min(_ROW_HEIGHT * len(frame) + 48, 520),
    )
    if total > len(errors):
        st.caption(f"… and {total - len(errors):,} more invalid line(s) not listed.")


def _show_check(parsed: ParsedFile) -> None:
    valid = len(parsed.conversations)
    if parsed.error_count:
        st.warning(
            f"{valid:,} valid conversation(s) and {parsed.error_count:,} invalid line(s). "
            "Fix the lines below, or tick “Import the valid lines” to leave them out."
        )
        _error_table(parsed.errors, parsed.error_count)
    else:
        st.success(f"All {valid:,} conversation(s) are valid and ready to import.")


def render_transcript_import(detail: AssistantDetail) -> None:
    """The whole import section for the assistant `detail`."""
    limits = transcripts.limits_from_settings()
    st.caption(
        f"Import production conversations into **{safe(detail.name)}** to analyse them like "
        "preview traffic (source “import”): every user message is tagged with intent, emotion "
        "and urgency. **JSONL**: one conversation per line, "
        '`{"id": …, "messages": [{"role": "user", "content": …, "timestamp": …}], '
        '"started_at": …, "metadata": {…}}`. **CSV**: one message per row with conversation id, '
        f"role, text and (optional) timestamp columns. Up to {limits.max_bytes // 1_048_576} MB "
        f"and {limits.max_conversations:,} conversations per file; importing the same file "
        "again adds nothing."
    )
    upload = st.file_uploader("Transcript file (.jsonl or .csv)", key="transcript_file")
    if upload is None:
        return
    content = upload.getvalue()
    left, right = st.columns(2)
    chosen = FORMATS[left.radio("Format", list(FORMATS), horizontal=True)]
    zones = _zones()
    local = _local_zone()
    zone_name = right.selectbox(
        "Timestamps without a time zone are in", zones, index=zones.index(local),
        help="Times that name their zone (…Z, …+02:00) are read as written; all are stored in UTC.",
    )  # fmt: skip
    try:
        fmt = detect_format(upload.name, chosen)
    except InvalidInput as error:
        st.error(str(error))
        return
    columns = _csv_mapping(content) if fmt is TranscriptFormat.CSV else None
    if fmt is TranscriptFormat.CSV and columns is None:
        return
    skip_invalid = st.checkbox(
        "Import the valid lines (leave invalid ones out)",
        help="Without it, one invalid line and nothing is imported.",
    )
    check, run, _ = st.columns([1, 1, 6])
    if check.button("Check file"):
        try:
            parsed = transcripts.check_transcripts(
                content=content, filename=upload.name, fmt=fmt, columns=columns,
                assume_timezone=zone_name,
            )  # fmt: skip
        except StudioError as error:
            st.error(str(error))
            return
        _show_check(parsed)
    if run.button("Import", type="primary"):
        _import(detail, content, upload.name, fmt, columns, skip_invalid, zone_name, local)


def _import(
    detail: AssistantDetail,
    content: bytes,
    filename: str,
    fmt: TranscriptFormat,
    columns: CsvColumns | None,
    skip_invalid: bool,
    zone_name: str,
    local: str,
) -> None:
    bar = st.progress(0.0, text="Reading the file…")

    def on_progress(done: int, total: int, message: str) -> None:
        bar.progress(min(done / total, 1.0) if total else 0.0, text=message)

    mode = (
        transcripts.ImportMode.VALID_LINES
        if skip_invalid
        else transcripts.ImportMode.ALL_OR_NOTHING
    )
    try:
        with session_scope(get_engine()) as session:
            result = transcripts.import_transcripts(
                session=session, assistant_id=detail.id, content=content, filename=filename,
                fmt=fmt, columns=columns, mode=mode, assume_timezone=zone_name,
                on_progress=on_progress,
            )  # fmt: skip
    except transcripts.TranscriptInvalid as error:
        bar.empty()
        st.error(error.message)
        _error_table(error.errors, error.error_count)
        return
    except StudioError as error:
        bar.empty()
        st.error(str(error))
        return
    bar.empty()
    st.success(result.summary)
    zone = timezone_named(local)
    if result.first_at is not None:
        st.caption(
            f"Conversations from {_when(result.first_at, zone, local)} to "
            f"{_when(result.last_at, zone, local)}; stored in UTC."
        )
    for note in result.assumptions:
        st.info(note, icon=":material/schedule:")
    if result.error_count:
        st.warning(f"{result.error_count:,} invalid line(s) were left out:")
        _error_table(result.errors, result.error_count)
    if result.imported_conversations == 0 and result.duplicates:
        st.info("Every conversation in this file was already imported; nothing was added.")
