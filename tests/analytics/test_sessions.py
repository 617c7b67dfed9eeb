"""Drill-down (session list, transcript), export, the cache stamp and the facts log_turn keeps."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from studio.analytics import sessions
from studio.analytics.filters import data_stamp
from studio.chat import conversations
from studio.chat.grounding import ToolCallRecord
from studio.chat.results import TurnResult, TurnTarget
from studio.core.db import session_scope
from studio.core.errors import InvalidInput, NotFound
from studio.core.models import ChatSession, Turn, TurnSource, TurnStatus
from studio.design.assistants import create_assistant
from studio.design.schemas import blank_config
from studio.knowledge.types import Passage
from tests.analytics.dataset import PERIOD, build


def test_the_session_list_filters_searches_and_flags(session: Session) -> None:
    ids = build(session)
    _, s1, s2, s3 = ids["sessions"]
    rows, total = sessions.list_sessions(session=session, filters=PERIOD)
    assert total == 3 and [r.id for r in rows] == [s3, s2, s1]  # newest first
    assert rows[-1].escalated and rows[1].abandoned and rows[0].source == "demo"
    esc, _ = sessions.list_sessions(session=session, filters=PERIOD,
                                    flag=sessions.SessionFlag.ESCALATED)  # fmt: skip
    assert [r.id for r in esc] == [s1]
    down, _ = sessions.list_sessions(session=session, filters=PERIOD,
                                     flag=sessions.SessionFlag.RATED_DOWN)  # fmt: skip
    assert [r.id for r in down] == [s1]
    found, n = sessions.list_sessions(session=session, filters=PERIOD, search="11 14")
    assert n == 1 and found[0].id == s2
    assert sessions.list_sessions(session=session, filters=PERIOD, search="100%_")[1] == 0


def test_the_transcript_has_tags_feedback_and_edits(session: Session) -> None:
    ids = build(session)
    turns = sessions.transcript(session=session, session_id=ids["sessions"][1])
    assert [t.rating for t in turns] == [1, -1]
    assert turns[1].corrected_reply == "We do not ship to Mars." and turns[1].escalated
    assert turns[0].intent == "support_request"
    with pytest.raises(NotFound):
        sessions.transcript(session=session, session_id=99_999)


def test_export_csv_and_jsonl(session: Session) -> None:
    ids = build(session)
    rows = list(csv.DictReader(io.StringIO(
        sessions.export_turns_csv(session=session, filters=PERIOD).decode())))  # fmt: skip
    assert len(rows) == 4 and {r["session_id"] for r in rows} == {
        str(i) for i in ids["sessions"][1:]
    }
    assert rows[1]["rating"] == "-1" and rows[1]["corrected_reply"] == "We do not ship to Mars."
    lines = sessions.export_sessions_jsonl(session=session, filters=PERIOD).decode().splitlines()
    conversations_ = [json.loads(line) for line in lines]
    assert len(conversations_) == 3
    first = conversations_[0]
    assert [m["role"] for m in first["messages"]] == ["user", "assistant", "user", "assistant"]
    assert first["metadata"]["version"] == "v1" and first["id"].startswith("studio-")
    failed = next(c for c in conversations_ if c["metadata"]["version"] == "draft")
    assert [m["role"] for m in failed["messages"]] == ["user"]  # no reply: nothing invented


def test_export_neutralises_spreadsheet_formulas(session: Session) -> None:
    ids = build(session)
    turn = session.get(Turn, ids["turns"][1])
    assert turn is not None
    turn.user_message = '=HYPERLINK("http://evil")'
    session.add(turn)
    session.flush()
    text = sessions.export_turns_csv(session=session, filters=PERIOD).decode()
    assert "'=HYPERLINK" in text


def test_an_oversized_export_is_refused(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    build(session)
    monkeypatch.setattr(sessions, "MAX_EXPORT_TURNS", 3)
    with pytest.raises(InvalidInput, match="at most 3"):
        sessions.export_turns_csv(session=session, filters=PERIOD)


def _result(**fields: object) -> TurnResult:
    base: dict[str, object] = dict(
        user_message="Where is my order?",
        reply="Here [1].",
        backend="simulator",
        backend_label="Simulator",
        model="m",
    )
    base.update(fields)
    return TurnResult.model_validate(base)


def test_log_turn_keeps_the_session_facts_and_derived_columns(engine: Engine) -> None:
    with session_scope(engine) as db:
        assistant = create_assistant(session=db, name="Shop", company_name="Shop Co")
        stamp = data_stamp(session=db)
    target = TurnTarget(assistant_id=assistant.id, config=blank_config(company_name="Shop Co"),
                        config_hash="h")  # fmt: skip
    passage = Passage(chunk_id="7:0", document_id=7, document_name="returns.md", heading="",
                      page=None, text="…", score=0.7, passed_threshold=True, rank=1)  # fmt: skip
    first = _result(passages=[passage], escalated=True, lint_flags=["phrase:no worries"],
                    tool_calls=[ToolCallRecord(id="c", name="track_order", raw_arguments="{}",
                                               arguments={}, result="{}", ok=True)])  # fmt: skip
    conversations.log_turn(engine=engine, target=target, result=first, source=TurnSource.PREVIEW)
    second = _result(session_id=first.session_id, reply="", status=TurnStatus.FAILED)
    conversations.log_turn(engine=engine, target=target, result=second, source=TurnSource.PREVIEW)
    with session_scope(engine) as db:
        chat = db.get(ChatSession, first.session_id)
        turn = db.get(Turn, first.turn_id)
        assert chat is not None and turn is not None
        assert (chat.turn_count, chat.escalated, chat.unanswered) == (2, True, True)
        assert (turn.best_score, turn.top_document_id, turn.tool_name, turn.brand_violations) == (
            0.7,
            7,
            "track_order",
            1,
        )
        # A new turn changes the stamp the Analytics cache is keyed on; so does feedback.
        after_turns = data_stamp(session=db)
        assert after_turns != stamp
        conversations.rate_turn(session=db, turn_id=first.turn_id or 0, rating=1)
    with session_scope(engine) as db:
        assert data_stamp(session=db) != after_turns
