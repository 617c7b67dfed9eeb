"""Importing transcripts into the database (SQLite and PostgreSQL): tags, all or nothing,
the valid lines on request, de-duplication, time zones, messy text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from studio.analytics import transcripts
from studio.analytics.transcript_formats import CsvColumns
from studio.analytics.transcripts import ImportMode, TranscriptInvalid
from studio.core.db import session_scope
from studio.core.errors import InvalidInput, NotFound
from studio.core.models import ChatSession, Turn, TurnSource
from studio.design import assistants, drafts
from tests.analytics.transcript_files import CSV, VALID, conversation, jsonl


@pytest.fixture
def assistant_id(engine: Engine) -> int:
    with session_scope(engine) as session:
        detail = assistants.create_assistant(session=session, name="Shop", company_name="Acme")
        voice = detail.draft.brand_voice.model_dump(mode="json")
        drafts.update_draft_section(
            session=session,
            assistant_id=detail.id,
            section="brand_voice",
            data={**voice, "forbidden_phrases": ["no worries"]},
        )
    return detail.id


def run_import(
    engine: Engine, assistant_id: int, content: bytes, **options: object
) -> transcripts.TranscriptImport:
    with session_scope(engine) as session:
        return transcripts.import_transcripts(
            session=session,
            assistant_id=assistant_id,
            content=content,
            filename=str(options.pop("filename", "export.jsonl")),
            **options,  # type: ignore[arg-type]
        )


def counts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        sessions = session.exec(select(func.count()).select_from(ChatSession)).one()
        turns = session.exec(select(func.count()).select_from(Turn)).one()
    return int(sessions), int(turns)


def turns_of(engine: Engine, external_id: str) -> list[Turn]:
    with Session(engine) as session:
        chat = session.exec(select(ChatSession).where(ChatSession.external_id == external_id)).one()
        return list(
            session.exec(select(Turn).where(Turn.session_id == chat.id).order_by(col(Turn.id)))
        )


def test_a_valid_file_becomes_tagged_import_sessions(engine: Engine, assistant_id: int) -> None:
    progress: list[tuple[int, int]] = []
    result = run_import(
        engine, assistant_id, VALID, on_progress=lambda d, t, m: progress.append((d, t))
    )
    assert (result.imported_conversations, result.imported_turns, result.duplicates) == (2, 3, 0)
    assert progress[-1] == (2, 2)
    assert counts(engine) == (2, 3)
    with Session(engine) as session:
        chat = session.exec(select(ChatSession).where(ChatSession.external_id == "c-1")).one()
    assert chat.source is TurnSource.IMPORT and chat.title == "Where is my order #1234?"
    # the session facts analytics counts from (as live logging keeps them)
    assert (chat.turn_count, chat.escalated, chat.unanswered) == (2, True, False)
    assert chat.external_metadata is not None
    assert chat.external_metadata["metadata"] == {"channel": "web", "customer_tier": "gold"}
    first, second = turns_of(engine, "c-1")
    assert (first.intent, first.reply, first.source) == (
        "support_request",
        "It ships tomorrow.",
        TurnSource.IMPORT,
    )
    assert (second.intent, second.emotion) == ("complaint", "angry")
    assert second.escalated and not first.escalated
    assert [m["role"] for m in first.messages] == ["user", "assistant"]
    (cancel,) = turns_of(engine, "c-2")
    assert cancel.intent == "cancellation"


def test_replies_are_linted_against_the_brand_voice(engine: Engine, assistant_id: int) -> None:
    run_import(engine, assistant_id, jsonl(conversation("v", "Can you help?", "No worries, sure!")))
    (turn,) = turns_of(engine, "v")
    assert turn.lint_flags == ["phrase:no worries"]
    assert turn.brand_violations == 1


def test_one_invalid_line_imports_nothing(engine: Engine, assistant_id: int) -> None:
    content = VALID + b'{"id": "broken", "messages": "oops"}\n'
    with pytest.raises(TranscriptInvalid) as caught:
        run_import(engine, assistant_id, content)
    assert caught.value.error_count == 1 and caught.value.errors[0].line == 3
    assert "nothing was imported" in caught.value.message
    assert str(caught.value.problems[0]).startswith("line 3:")
    assert counts(engine) == (0, 0)


def test_the_valid_lines_import_when_asked_and_the_rest_are_listed(
    engine: Engine, assistant_id: int
) -> None:
    content = (
        VALID
        + b"garbage\n"
        + jsonl(conversation("bot-only", "x")).replace(b'"user"', b'"assistant"')
    )
    result = run_import(engine, assistant_id, content, mode=ImportMode.VALID_LINES)
    assert (result.imported_conversations, result.error_count) == (2, 2)
    assert [e.line for e in result.errors] == [3, 4]
    assert "no user message" in result.errors[1].message
    assert "2 invalid line(s) were left out" in result.summary
    assert counts(engine) == (2, 3)


def test_importing_the_same_file_again_adds_nothing(engine: Engine, assistant_id: int) -> None:
    run_import(engine, assistant_id, VALID)
    again = run_import(engine, assistant_id, VALID)
    assert (again.imported_conversations, again.duplicates) == (0, 2)
    assert "2 already imported before were skipped" in again.summary
    assert counts(engine) == (2, 3)
    # a conversation that went on since (same id, more messages) is new content: it is added
    longer = jsonl(conversation("c-2", "I want to cancel my subscription", "Done.", "Thanks, bye"))
    assert run_import(engine, assistant_id, longer).imported_conversations == 1


def test_the_same_conversation_may_be_imported_for_another_assistant(
    engine: Engine, assistant_id: int
) -> None:
    with session_scope(engine) as session:
        other = assistants.create_assistant(session=session, name="Bank", company_name="B").id
    run_import(engine, assistant_id, VALID)
    assert run_import(engine, other, VALID).imported_conversations == 2


def test_times_in_mixed_zones_are_stored_in_utc_and_assumptions_are_said(
    engine: Engine, assistant_id: int
) -> None:
    content = jsonl(
        conversation(
            "tokyo",
            "Hello?",
            "Hi",
            "Where is my order 12?",
            timestamps=["2026-11-30T18:00:00+09:00", None, "2026-11-30T18:05:00+09:00"],
        ),
        conversation("naive", "Where is my order 13?", timestamps=["2026-11-30T09:00:00"]),
        conversation("undated", "Where is my order 14?"),
    )
    before = datetime.now(UTC)
    result = run_import(engine, assistant_id, content, assume_timezone="America/New_York")
    tokyo = turns_of(engine, "tokyo")
    assert [t.created_at for t in tokyo] == [
        datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
        datetime(2026, 11, 30, 9, 5, tzinfo=UTC),
    ]
    (naive,) = turns_of(engine, "naive")
    assert naive.created_at == datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # New York is UTC-5
    (undated,) = turns_of(engine, "undated")
    assert before - timedelta(seconds=1) <= undated.created_at <= datetime.now(UTC)
    assert result.assumptions == [
        "1 timestamp(s) had no time zone; they were read as America/New_York.",
        "1 conversation(s) had no timestamps at all; they are dated at the time of this import.",
    ]
    assert result.first_at == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    with Session(engine) as session:
        chat = session.exec(select(ChatSession).where(ChatSession.external_id == "undated")).one()
    assert (
        chat.external_metadata
        and "dated at the import time" in chat.external_metadata["timestamps"]
    )


def test_a_csv_file_imports_with_its_column_mapping(engine: Engine, assistant_id: int) -> None:
    columns = CsvColumns(
        conversation_id="conversation", role="sender", content="text", timestamp="sent_at"
    )
    result = run_import(engine, assistant_id, CSV, filename="export.csv", columns=columns)
    assert (result.imported_conversations, result.imported_turns) == (2, 3)
    parcel, thanks = turns_of(engine, "t-1")
    # entities, @handles and links do not break tagging; the stored text is the original
    assert "&amp;" in parcel.user_message and parcel.intent == "support_request"
    assert thanks.intent == "farewell"
    (login,) = turns_of(engine, "t-2")
    assert (login.intent, login.urgency) == ("problem_solving", "high")


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("@cancel_bot where is my order 55? 📦🙏", "support_request"),
        (
            "Anna: the app crashed again\nBen: same here 😩 https://status.example.com/cancel",
            "problem_solving",
        ),
        ("Q&amp;A: what&#39;s your return policy?", "information_seeking"),
        ("I can’t log in 😭😭😭", "problem_solving"),
        ("🙂" * 3000, "other"),
    ],
)
def test_messy_real_text_is_tagged(
    engine: Engine, assistant_id: int, message: str, intent: str
) -> None:
    run_import(engine, assistant_id, jsonl(conversation("m", message, "ok")))
    (turn,) = turns_of(engine, "m")
    assert turn.intent == intent and turn.user_message == message


def test_an_unknown_assistant_or_format_is_refused(engine: Engine, assistant_id: int) -> None:
    with pytest.raises(NotFound):
        run_import(engine, assistant_id + 99, VALID)
    with pytest.raises(InvalidInput, match="not a transcript format"):
        run_import(engine, assistant_id, VALID, filename="export.xlsx")
    assert counts(engine) == (0, 0)


def test_the_published_version_is_recorded_on_imported_turns(
    engine: Engine, assistant_id: int
) -> None:
    from studio.design import versions

    with session_scope(engine) as session:
        versions.save_version(session=session, assistant_id=assistant_id, note="v1")
        versions.publish_version(session=session, assistant_id=assistant_id, number=1)
    run_import(engine, assistant_id, VALID)
    assert {t.version_number for t in turns_of(engine, "c-1")} == {1}


@pytest.mark.parametrize(
    "line",
    [
        '{"id": "nul", "messages": [{"role": "user", "content": "hi\\u0000there"}]}',
        '{"id": "sur", "messages": [{"role": "user", "content": "broken \\ud800 text"}]}',
        '{"id": "meta", "messages": [{"role": "user", "content": "hi"}], '
        '"metadata": {"k": "\\u0000"}}',
    ],
    ids=["nul", "surrogate", "nul-in-metadata"],
)
def test_text_the_database_cannot_store_is_a_line_error_not_a_crash(
    engine: Engine, assistant_id: int, line: str
) -> None:
    with pytest.raises(TranscriptInvalid) as caught:
        run_import(engine, assistant_id, VALID + line.encode() + b"\n")
    assert caught.value.errors[0].line == 3
    assert "cannot be stored" in caught.value.errors[0].message
    result = run_import(
        engine, assistant_id, VALID + line.encode() + b"\n", mode=ImportMode.VALID_LINES
    )
    assert result.imported_conversations == 2 and counts(engine) == (2, 3)


def test_the_size_limit_comes_from_the_settings(
    engine: Engine, assistant_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from studio.core.config import get_settings

    monkeypatch.setenv("STUDIO_MAX_TRANSCRIPT_MB", "0.0001")
    get_settings.cache_clear()
    with pytest.raises(InvalidInput, match="STUDIO_MAX_TRANSCRIPT_MB"):
        run_import(engine, assistant_id, VALID)
    assert counts(engine) == (0, 0)
