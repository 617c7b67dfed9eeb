"""Demo traffic: realistic sessions for the demo assistants, marked with source DEMO (one click
excludes them), so a first run shows every chart. Bulk inserts, so the same generator makes the
million-turn benchmark data in minutes.

Messages come from small per-domain banks, tagged once by the live tagger; numbers (latency,
tokens, ratings, escalations) are drawn so that the newest version does a little better than the
one before it, which is what a version comparison should be able to show.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection
from sqlmodel import Session, col

from studio.access.roles import Permission, require
from studio.analytics import rollups
from studio.analytics.traffic_banks import BANKS, REPLIES, SMALL_TALK
from studio.chat import tagging
from studio.core.errors import InvalidInput, NotFound
from studio.core.models import (
    Assistant,
    AssistantVersion,
    ChatSession,
    Document,
    DocumentStatus,
    Feedback,
    KnowledgeBase,
    Turn,
    TurnSource,
    TurnStatus,
)
from studio.design.assistants import config_hash
from studio.design.schemas import AssistantConfig

MAX_TURNS = 5_000_000
BATCH_SESSIONS = 2_000
MODELS = (("gpt-4o-mini", 0.15, 0.60, 0.8), ("gpt-4o", 2.50, 10.00, 0.2))  # $/M in, out; share


class TrafficSummary(BaseModel):
    sessions: int
    turns: int
    feedback: int
    assistants: list[str]


class _Target(BaseModel):
    assistant_id: int
    name: str
    versions: list[tuple[int | None, str]]  # (number or None for draft, config hash), oldest first
    documents: list[tuple[int, str]]
    tools: list[str]
    answerable: list[str]
    gaps: list[str]


def _targets(session: Session, assistant_ids: list[int] | None) -> list[_Target]:
    query = select(Assistant)
    if assistant_ids:
        query = query.where(col(Assistant.id).in_(assistant_ids))
    else:
        query = query.where(col(Assistant.is_demo).is_(True))
    targets = []
    for assistant in session.exec(query.order_by(col(Assistant.id))).scalars():  # type: ignore[call-overload]
        assert assistant.id is not None
        config = AssistantConfig.model_validate(assistant.draft_config)
        versions: list[tuple[int | None, str]] = [
            (int(n), str(h))
            for n, h in session.execute(
                select(col(AssistantVersion.number), col(AssistantVersion.config_hash))
                .where(AssistantVersion.assistant_id == assistant.id)
                .order_by(col(AssistantVersion.number))
            ).all()
        ]
        versions.append((None, config_hash(config)))
        documents = [
            (int(i), str(n))
            for i, n in session.execute(
                select(col(Document.id), col(Document.name))
                .join(KnowledgeBase, col(KnowledgeBase.id) == col(Document.knowledge_base_id))
                .where(
                    col(KnowledgeBase.assistant_id) == assistant.id,
                    col(Document.status) == DocumentStatus.READY,
                )
                .order_by(col(Document.id))
            ).all()
        ]
        answerable, gaps = BANKS.get(assistant.template or "", BANKS["ecommerce_support"])
        targets.append(
            _Target(
                assistant_id=assistant.id,
                name=assistant.name,
                versions=versions,
                documents=documents,
                tools=[t.name for t in config.tools if t.enabled],
                answerable=answerable,
                gaps=gaps,
            )
        )
    if not targets:
        raise NotFound(
            "There is no demo assistant to generate traffic for: create one from a template, "
            "or name the assistants to use."
        )
    return targets


def _next_id(session: Session, column: Any) -> int:
    return int(session.execute(select(func.coalesce(func.max(column), 0))).scalar_one()) + 1


_TAGS: dict[str, tagging.Tags] = {}


def _tags(message: str) -> tagging.Tags:
    found = _TAGS.get(message)
    if found is None:
        found = _TAGS[message] = tagging.classify(message)
    return found


def _hour(rng: random.Random) -> int:
    # Busier during office hours, quiet at night.
    return rng.choices(
        range(24),
        weights=[1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 10, 9, 8, 9, 10, 10, 9, 8, 6, 5, 4, 3, 2, 1],
    )[0]


def _bulk_insert(
    connection: Connection, table: str, rows: list[dict[str, Any]], *, sqlite: bool
) -> None:
    """executemany straight through the driver: the ORM's per-row work would dominate."""
    names = list(rows[0])
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"
    connection.exec_driver_sql(sql, [tuple(r.values()) for r in rows])


def _sqlite_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _same(value: datetime) -> datetime:
    return value


def generate_traffic(
    *,
    session: Session,
    turns: int,
    days: int = 60,
    seed: int = 13,
    assistant_ids: list[int] | None = None,
    now: datetime | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> TrafficSummary:
    """Insert about `turns` demo turns (10 per session on average) spread over the last `days`.

    Raises InvalidInput if `turns` or `days` is out of range, NotFound if there is no assistant.
    """
    require(Permission.EDIT_ASSISTANT)
    if not 1 <= turns <= MAX_TURNS:
        raise InvalidInput(f"Generate between 1 and {MAX_TURNS:,} turns.")
    if not 1 <= days <= 3650:
        raise InvalidInput("Spread the traffic over 1 to 3,650 days.")
    rng = random.Random(seed)
    targets = _targets(session, assistant_ids)
    end = (now or datetime.now(UTC)).astimezone(UTC)
    start = end - timedelta(days=days)
    session_id = _next_id(session, ChatSession.id)
    turn_id = _next_id(session, Turn.id)
    feedback_id = _next_id(session, Feedback.id)
    made = {"sessions": 0, "turns": 0, "feedback": 0}
    sessions_rows: list[dict[str, Any]] = []
    turn_rows: list[dict[str, Any]] = []
    feedback_rows: list[dict[str, Any]] = []

    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    # Rows hold what the driver stores: enum names, JSON text, and SQLite's UTC time text.
    stamp = _sqlite_time if sqlite else _same
    demo = TurnSource.DEMO.name

    def flush() -> None:
        for table, rows in (
            ("chatsession", sessions_rows),
            ("turn", turn_rows),
            ("feedback", feedback_rows),
        ):
            if rows:
                _bulk_insert(connection, table, rows, sqlite=sqlite)
                rows.clear()
        if on_progress is not None:
            on_progress(made["turns"], turns)

    lengths: list[int] = []
    remaining = turns
    while remaining > 0:
        lengths.append(min(remaining, max(1, int(rng.triangular(1, 19, 10)))))
        remaining -= lengths[-1]
    # Sessions are written in the order they started, as a live log would be.
    days_in = sorted(rng.random() for _ in lengths)
    for length, day in zip(lengths, days_in, strict=True):
        target = rng.choice(targets)
        began = start + timedelta(days=int(day * days))
        began = began.replace(hour=_hour(rng), minute=rng.randrange(60), second=rng.randrange(60))
        began = min(max(began, start), end - timedelta(minutes=30))
        # Newer versions take over as the period goes on.
        index = min(len(target.versions) - 1, int(day * len(target.versions) + rng.random() - 0.5))
        number, hashed = target.versions[max(0, index)]
        newest = index >= len(target.versions) - 1
        model, price_in, price_out, _ = rng.choices(MODELS, weights=[m[3] for m in MODELS])[0]
        escalated_session = False
        unanswered = False
        at = began
        first_message = ""
        for position in range(length):
            at = at + timedelta(seconds=rng.randint(15, 150))
            at = min(at, end)
            gap = False
            if position == 0 and rng.random() < 0.3:
                template = rng.choice(SMALL_TALK[:2])
            elif position == length - 1 and length > 2 and rng.random() < 0.4:
                template = rng.choice(SMALL_TALK[2:])
            elif rng.random() < (0.10 if newest else 0.16):
                template, gap = rng.choice(target.gaps), True
            else:
                template = rng.choice(target.answerable)
            message = template.replace("{n}", str(rng.randint(1000, 99999)))
            first_message = first_message or message
            tags = _tags(template.replace("{n}", "12345"))
            small_talk = tags.intent in (tagging.Intent.GREETING, tagging.Intent.FAREWELL)
            failed = rng.random() < 0.012
            partial = not failed and rng.random() < 0.005
            status = (
                TurnStatus.FAILED if failed else TurnStatus.PARTIAL if partial else TurnStatus.OK
            )
            latency = rng.lognormvariate(6.75 if newest else 6.95, 0.45)
            score = rng.uniform(0.05, 0.32) if gap else rng.uniform(0.38, 0.92)
            grounded = None if small_talk or failed else not gap
            document = None
            if grounded and target.documents:
                # A skewed choice: a few articles answer most questions, some never do.
                cited = target.documents[: max(1, (len(target.documents) * 2) // 3)]
                document = cited[min(len(cited) - 1, int(rng.paretovariate(1.2)) - 1)]
            tool = (
                rng.choice(target.tools)
                if target.tools and not small_talk and not gap and rng.random() < 0.2
                else None
            )
            escalated = not failed and (
                (gap and rng.random() < 0.35)
                or (tags.emotion in tagging.NEGATIVE_EMOTIONS and rng.random() < 0.12)
            )
            violation = not failed and rng.random() < (0.006 if newest else 0.015)
            reply = (
                ""
                if failed
                else ("Hello! How can I help you today?" if small_talk else REPLIES[bool(grounded)])
            )
            if escalated:
                reply = "I'll connect you with a member of our team right away."
            flags = (["phrase:no worries"] if violation else []) + (
                ["ungrounded"] if grounded is False else []
            )
            prompt_tokens = rng.randint(600, 1600) + position * 120
            completion_tokens = 0 if failed else rng.randint(30, 220)
            turn_rows.append(
                {
                    "id": turn_id,
                    "session_id": session_id,
                    "assistant_id": target.assistant_id,
                    "version_number": number,
                    "config_hash": hashed,
                    "source": demo,
                    "backend": "demo",
                    "model": model,
                    "created_at": stamp(at),
                    "user_message": message,
                    "reply": reply,
                    "status": status.name,
                    "error": "The model did not answer in time (demo)." if failed else None,
                    "ttft_ms": None if failed else round(latency * rng.uniform(0.2, 0.45), 1),
                    "latency_ms": round(latency, 1),
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "cost_usd": (prompt_tokens * price_in + completion_tokens * price_out) / 1e6,
                    "intent": tags.intent.value,
                    "emotion": tags.emotion.value,
                    "urgency": tags.urgency.value,
                    "tagger": tags.tagger,
                    "lint_flags": json.dumps(flags) if flags else "[]",
                    "grounded": grounded,
                    "escalated": escalated,
                    "retrieved": "[]"
                    if small_talk
                    else json.dumps(
                        [
                            {
                                "chunk_id": f"{document[0]}:0" if document else "-",
                                "document_id": document[0] if document else 0,
                                "document_name": document[1] if document else "(none)",
                                "heading": "",
                                "page": None,
                                "text": "",
                                "score": round(score, 3),
                                "passed_threshold": document is not None,
                                "rank": 1,
                            }
                        ]
                    ),
                    "tool_calls": json.dumps(
                        [
                            {
                                "id": f"call_{turn_id}",
                                "name": tool,
                                "raw_arguments": "{}",
                                "arguments": {},
                                "result": '{"status": "ok"}',
                                "ok": True,
                            }
                        ]
                    )
                    if tool
                    else "[]",
                    "messages": "[]",
                    "best_score": None if small_talk else round(score, 3),
                    "top_document_id": document[0] if document else None,
                    "tool_name": tool,
                    "brand_violations": int(violation),
                }
            )
            if not failed and rng.random() < 0.3:
                bad = gap or partial or escalated
                p_up = (0.45 if bad else 0.86) + (0.05 if newest else 0.0)
                edited = rng.random() < (0.25 if bad else 0.03)
                feedback_rows.append(
                    {
                        "id": feedback_id,
                        "turn_id": turn_id,
                        "rating": 1 if rng.random() < p_up else -1,
                        "comment": "",
                        "corrected_reply": "A better answer would point to the right article."
                        if edited
                        else None,
                        "created_at": stamp(at),
                        "updated_at": stamp(at),
                    }
                )
                feedback_id += 1
            escalated_session = escalated_session or escalated
            unanswered = failed
            turn_id += 1
        sessions_rows.append(
            {
                "id": session_id,
                "assistant_id": target.assistant_id,
                "version_number": number,
                "config_hash": hashed,
                "source": demo,
                "backend": "demo",
                "model": model,
                "title": first_message[:80],
                "started_at": stamp(began),
                "last_turn_at": stamp(at),
                "turn_count": length,
                "escalated": escalated_session,
                "unanswered": unanswered,
            }
        )
        session_id += 1
        made["sessions"] += 1
        made["turns"] += length
        if len(sessions_rows) >= BATCH_SESSIONS:
            made["feedback"] += len(feedback_rows)
            flush()
    made["feedback"] += len(feedback_rows)
    flush()
    if session.get_bind().dialect.name == "postgresql":
        # Explicit ids do not move PostgreSQL's sequences; the next logged turn must not collide.
        for table in ("chatsession", "turn", "feedback"):
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            )
    # The writer pays for the rollups of what it wrote (one range per assistant), not the next
    # person who opens Analytics.
    rollups.refresh(session=session)
    return TrafficSummary(
        sessions=made["sessions"],
        turns=made["turns"],
        feedback=made["feedback"],
        assistants=[t.name for t in targets],
    )
