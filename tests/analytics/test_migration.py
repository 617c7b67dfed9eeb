"""Migration 0006_analytics keeps existing rows and back-fills the new columns from them
(SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text

from studio.core.db import make_engine, session_scope
from studio.core.models import ChatSession, Turn, TurnSource
from studio.core.schema import BASELINE, _config, upgrade_database
from studio.design.schemas import blank_config

ROWS = """
INSERT INTO assistant (id, name, description, status, is_demo, template, draft_config,
  draft_updated_at, draft_base_version, published_version, created_at, updated_at)
  VALUES (7, 'Helpdesk', '', 'DRAFT', false, NULL, :config, :now, NULL, NULL, :now, :now);
INSERT INTO chatsession (id, assistant_id, version_number, config_hash, source, backend, model,
  title, started_at, last_turn_at)
  VALUES (5, 7, NULL, 'abc', 'PREVIEW', 'simulator', 'm', 'Hi', :now, :now);
INSERT INTO turn (id, session_id, assistant_id, version_number, config_hash, source, backend,
  model, created_at, user_message, reply, status, error, ttft_ms, latency_ms, prompt_tokens,
  completion_tokens, cost_usd, intent, emotion, urgency, lint_flags, grounded, escalated,
  retrieved, tool_calls, messages)
  VALUES (11, 5, 7, NULL, 'abc', 'PREVIEW', 'simulator', 'm', :now, 'Refund?', 'Sure [1]', 'OK',
  NULL, 12.5, 30.0, 100, 5, 0.0, 'refund', 'neutral', 'low', :flags, true, true, :retrieved,
  :tools, '[]');
INSERT INTO turn (id, session_id, assistant_id, version_number, config_hash, source, backend,
  model, created_at, user_message, reply, status, error, ttft_ms, latency_ms, prompt_tokens,
  completion_tokens, cost_usd, intent, emotion, urgency, lint_flags, grounded, escalated,
  retrieved, tool_calls, messages)
  VALUES (12, 5, 7, NULL, 'abc', 'PREVIEW', 'simulator', 'm', :now, 'And?', '', 'FAILED',
  'timeout', NULL, 10.0, 5, 0, 0.0, 'other', 'neutral', 'low', '[]', NULL, false, '[]', '[]',
  '[]');
"""
RETRIEVED = [
    {"document_id": 3, "score": 0.41, "passed_threshold": True},
    {"document_id": 4, "score": 0.62, "passed_threshold": True},
    {"document_id": 9, "score": 0.2, "passed_threshold": False},
]


def test_existing_rows_are_kept_and_back_filled(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        command.upgrade(_config(connection), BASELINE)
        connection.commit()
    params = {
        "config": blank_config(company_name="Old Co").model_dump_json(),
        "now": datetime(2026, 11, 1, tzinfo=UTC),
        "flags": json.dumps(["phrase:no worries", "topic:politics", "ungrounded"]),
        "retrieved": json.dumps(RETRIEVED),
        "tools": json.dumps([{"name": "track_order", "ok": True}, {"name": "refund"}]),
    }
    with engine.begin() as connection:
        for statement in filter(str.strip, ROWS.split(";")):
            connection.execute(text(statement), params)
    upgrade_database(engine)
    with session_scope(engine) as session:
        chat = session.get(ChatSession, 5)
        assert chat is not None and (chat.turn_count, chat.escalated, chat.unanswered) == (
            2,
            True,
            True,
        )
        first, second = session.get(Turn, 11), session.get(Turn, 12)
        assert first is not None and second is not None
        assert first.user_message == "Refund?" and first.ttft_ms == 12.5  # kept
        assert (first.best_score, first.top_document_id, first.tool_name) == (
            0.62,
            4,
            "track_order",
        )
        assert first.brand_violations == 2
        assert (second.best_score, second.top_document_id, second.brand_violations) == (
            None,
            None,
            0,
        )
        session.add(ChatSession(assistant_id=7, config_hash="x", source=TurnSource.DEMO,
                                backend="demo", model="m"))  # fmt: skip  # the new enum value
    engine.dispose()
