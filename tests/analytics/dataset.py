"""A small, hand-countable dataset for the aggregate tests (see the expected numbers in them).

Period 10–11 Nov 2026 (Tue–Wed), previous period 8–9 Nov 2026.
  S1 (v1, preview, 10 Nov 09:00): T1 ok 100 ms/ttft 50, 10+5 tokens, $0.01, grounded, 👍,
                                   score 0.8 → doc "returns.md", tool track_order;
                                   T2 ok 300/70, 20+10, $0.02, ungrounded, escalated, 1 brand
                                   violation, score 0.2 (a knowledge gap), 👎 + corrected.
  S2 (draft, preview, 11 Nov 14:00): T3 failed 200 ms, no ttft, 5+0, $0, no reply.
  S3 (v1, demo, 11 Nov 15:00): T4 ok 400/90, 30+20, $0.03, grounded, 👍, doc "returns.md".
  S0 (v1, preview, 8 Nov 10:00, previous period): T0 ok 500/100, 10+10, $0.05, grounded, 👎.
The knowledge base also holds "shipping.md", which nothing cites.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from studio.analytics.filters import Filters
from studio.core.models import (
    ChatSession,
    Document,
    DocumentStatus,
    Feedback,
    KnowledgeBase,
    Turn,
    TurnSource,
    TurnStatus,
)
from studio.design.assistants import create_assistant
from studio.design.versions import save_version

PERIOD = Filters(start=date(2026, 11, 10), end=date(2026, 11, 11))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def build(session: Session) -> dict[str, Any]:
    """Insert the dataset; return the ids the tests need."""
    assistant = create_assistant(session=session, name="Shop", company_name="Shop Co")
    save_version(session=session, assistant_id=assistant.id, note="v1")
    kb = KnowledgeBase(assistant_id=assistant.id, name="Help", collection="kb_test_1",
                       embedding="hash")  # fmt: skip
    session.add(kb)
    session.flush()
    docs = {}
    for name in ("returns.md", "shipping.md"):
        doc = Document(knowledge_base_id=kb.id or 0, name=name, file_type="md", content_hash=name,
                       status=DocumentStatus.READY)  # fmt: skip
        session.add(doc)
        session.flush()
        docs[name] = doc.id
    a = assistant.id

    def chat(version: int | None, source: TurnSource, started: datetime, **facts: Any) -> int:
        row = ChatSession(assistant_id=a, version_number=version, config_hash="h", source=source,
                          backend="simulator", model="m", title=f"session {started:%d %H}",
                          started_at=started, last_turn_at=started, **facts)  # fmt: skip
        session.add(row)
        session.flush()
        return row.id or 0

    def turn(session_id: int, version: int | None, source: TurnSource, created: datetime,
             **fields: Any) -> int:  # fmt: skip
        base: dict[str, Any] = dict(
            session_id=session_id, assistant_id=a, version_number=version, config_hash="h",
            source=source, backend="simulator", model="m", created_at=created,
            user_message="Where is my order?", reply="On its way [1].", intent="support_request",
            emotion="neutral", urgency="low",
        )  # fmt: skip
        base.update(fields)
        row = Turn(**base)
        session.add(row)
        session.flush()
        return row.id or 0

    v1, draft, preview, demo = 1, None, TurnSource.PREVIEW, TurnSource.DEMO
    s1 = chat(v1, preview, at(10, 9), turn_count=2, escalated=True, unanswered=False)
    t1 = turn(s1, v1, preview, at(10, 9), latency_ms=100.0, ttft_ms=50.0, prompt_tokens=10,
              completion_tokens=5, cost_usd=0.01, grounded=True, best_score=0.8,
              top_document_id=docs["returns.md"], tool_name="track_order")  # fmt: skip
    t2 = turn(s1, v1, preview, at(10, 9, 5), latency_ms=300.0, ttft_ms=70.0, prompt_tokens=20,
              completion_tokens=10, cost_usd=0.02, grounded=False, escalated=True,
              brand_violations=1, best_score=0.2, intent="information_seeking",
              user_message="Do you ship to Mars?", reply="Let me get a colleague.",
              lint_flags=["phrase:no worries", "ungrounded"])  # fmt: skip
    s2 = chat(draft, preview, at(11, 14), turn_count=1, escalated=False, unanswered=True)
    t3 = turn(s2, draft, preview, at(11, 14), status=TurnStatus.FAILED, latency_ms=200.0,
              prompt_tokens=5, reply="", error="timeout", intent="complaint",
              emotion="angry", urgency="high")  # fmt: skip
    s3 = chat(v1, demo, at(11, 15), turn_count=1)
    t4 = turn(s3, v1, demo, at(11, 15), latency_ms=400.0, ttft_ms=90.0, prompt_tokens=30,
              completion_tokens=20, cost_usd=0.03, grounded=True, best_score=0.9,
              top_document_id=docs["returns.md"])  # fmt: skip
    s0 = chat(v1, preview, at(8, 10), turn_count=1)
    t0 = turn(s0, v1, preview, at(8, 10), latency_ms=500.0, ttft_ms=100.0, prompt_tokens=10,
              completion_tokens=10, cost_usd=0.05, grounded=True)  # fmt: skip
    for turn_id, rating, corrected in ((t1, 1, None), (t2, -1, "We do not ship to Mars."),
                                       (t4, 1, None), (t0, -1, None)):  # fmt: skip
        session.add(Feedback(turn_id=turn_id, rating=rating, corrected_reply=corrected))
    session.flush()
    return {"assistant": a, "sessions": (s0, s1, s2, s3), "turns": (t0, t1, t2, t3, t4),
            "docs": docs}  # fmt: skip
