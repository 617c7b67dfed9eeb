"""The rollups the Analytics page reads stay equal to a recomputation from scratch after every
kind of write (logged turns, feedback and its edits, deletes, imports, the demo generator), and
the dashboard's numbers equal the pre-rollup queries over the raw tables; on SQLite and
PostgreSQL. Random small datasets, several seeds."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from studio.analytics import gaps, rollups, sessions, transcripts
from studio.analytics.filters import DRAFT, Filters, data_stamp
from studio.analytics.traffic import generate_traffic
from studio.chat import conversations
from studio.chat.results import TurnResult, TurnTarget
from studio.chat.tagging import Emotion, Intent, Tags, Urgency
from studio.core.db import session_scope
from studio.core.models import ChatSession, Feedback, Turn, TurnSource, TurnStatus
from studio.core.rollup_tables import RollupDay, RollupDirty
from studio.design.assistants import create_assistant
from studio.design.lifecycle import delete_assistant
from studio.design.schemas import blank_config
from studio.design.seeding import seed_demo_assistants
from studio.design.versions import save_version
from studio.knowledge.types import Passage
from tests.analytics.rollup_checks import (
    dashboard_kpis,
    reference_kpis,
    refreshed_equals_rebuilt,
    same_numbers,
)
from tests.analytics.transcript_files import conversation, jsonl

DAY0 = datetime(2026, 11, 1, tzinfo=UTC)
SOURCES = [TurnSource.PREVIEW, TurnSource.COMPARE, TurnSource.SUITE]


def _assistants(engine: Engine) -> list[int]:
    ids = []
    with session_scope(engine) as db:
        for name in ("Shop", "Bank"):
            detail = create_assistant(session=db, name=name, company_name=f"{name} Co")
            save_version(session=db, assistant_id=detail.id, note="v1")
            ids.append(detail.id)
    return ids


def _raw_turns(db: Session, rng: random.Random, assistant_id: int, n_sessions: int) -> None:
    """Sessions and turns written as rows (any time in 12 days, any version and source)."""
    for _ in range(n_sessions):
        version = rng.choice([None, 1])
        source = rng.choice(SOURCES)
        started = DAY0 + timedelta(days=rng.randrange(12), minutes=rng.randrange(24 * 60))
        chat = ChatSession(assistant_id=assistant_id, version_number=version, config_hash="h",
                           source=source, backend="simulator", model="m", started_at=started,
                           last_turn_at=started)  # fmt: skip
        db.add(chat)
        db.flush()
        at = started
        for _ in range(rng.randint(1, 4)):
            at += timedelta(minutes=rng.randint(1, 400))  # some sessions cross midnight
            failed = rng.random() < 0.15
            db.add(Turn(
                session_id=chat.id or 0, assistant_id=assistant_id, version_number=version,
                config_hash="h", source=source, backend="simulator",
                model=rng.choice(["m", "big"]), created_at=at, user_message=rng.choice(
                    ["Where is my order?", "Do you ship to Mars?", "Refund please", "Hi"]),
                reply="" if failed else "Sure.",
                status=TurnStatus.FAILED if failed else rng.choice(
                    [TurnStatus.OK, TurnStatus.OK, TurnStatus.PARTIAL]),
                latency_ms=round(rng.lognormvariate(6, 1.2), 1),
                ttft_ms=None if failed else round(rng.uniform(20, 900), 1),
                prompt_tokens=rng.randint(0, 900), completion_tokens=rng.randint(0, 300),
                cost_usd=rng.random() / 100, intent=rng.choice([None, "refund", "greeting"]),
                emotion=rng.choice([None, "neutral", "angry"]), urgency="low",
                grounded=rng.choice([None, True, False]), escalated=rng.random() < 0.2,
                best_score=rng.choice([None, 0.0, 0.1, 0.35, 0.349, rng.random()]),
                top_document_id=rng.choice([None, 1, 2]), tool_name=rng.choice([None, "track"]),
                brand_violations=rng.choice([0, 0, 1, 2]),
            ))  # fmt: skip
            chat.turn_count += 1
            chat.unanswered = failed
            chat.last_turn_at = at
        db.add(chat)
        db.flush()


def _log_turns(engine: Engine, rng: random.Random, assistant_id: int, n: int) -> None:
    """Turns through the chat's own logging (now, one transaction each)."""
    target = TurnTarget(assistant_id=assistant_id, config=blank_config(company_name="X"),
                        config_hash="h", version_number=rng.choice([None, 1]))  # fmt: skip
    session_id = None
    for _ in range(n):
        score = rng.random()
        passage = Passage(chunk_id="1:0", document_id=1, document_name="a.md", heading="",
                          page=None, text="…", score=score, passed_threshold=score > 0.4,
                          rank=1)  # fmt: skip
        result = TurnResult(
            user_message="Where is my parcel?", reply=rng.choice(["", "On its way."]),
            backend="simulator", backend_label="Simulator", model="m",
            latency_ms=rng.uniform(50, 4000), ttft_ms=rng.choice([None, 30.0, 333.3]),
            passages=[passage], escalated=rng.random() < 0.3, session_id=session_id,
            tags=Tags(intent=Intent.SUPPORT_REQUEST, emotion=Emotion.NEUTRAL, urgency=Urgency.LOW),
        )  # fmt: skip
        conversations.log_turn(engine=engine, target=target, result=result,
                               source=rng.choice(SOURCES))  # fmt: skip
        assert result.log_error is None
        session_id = result.session_id if rng.random() < 0.6 else None


def _feedback(db: Session, rng: random.Random) -> None:
    """Ratings, corrections, edits of both, and deletions of feedback."""
    ids = list(db.execute(select(col(Turn.id))).scalars())
    for turn_id in rng.sample(ids, min(len(ids), 12)):
        conversations.rate_turn(session=db, turn_id=turn_id, rating=rng.choice([1, -1]))
        if rng.random() < 0.4:
            conversations.correct_turn(session=db, turn_id=turn_id, corrected_reply="Better.")
    for row in db.execute(select(Feedback).limit(2)).scalars():
        db.delete(row)
    db.flush()


def _deletes_and_edits(db: Session, rng: random.Random) -> None:
    turns = list(db.execute(select(Turn)).scalars())
    for turn in rng.sample(turns, min(len(turns), 5)):
        db.delete(turn)  # its feedback goes with it (foreign-key cascade)
    for turn in rng.sample(turns, min(len(turns), 10)):
        if turn in db:
            turn.latency_ms = (turn.latency_ms or 0) + 1000
            turn.created_at = turn.created_at + timedelta(days=1)  # moves to another day
    for chat in db.execute(select(ChatSession).limit(1)).scalars():
        db.delete(chat)  # and every turn of it
    db.flush()


def _filters(rng: random.Random, assistants: list[int]) -> list[Filters]:
    start = DAY0.date() + timedelta(days=rng.randrange(8))
    return [
        Filters(start=date(2026, 11, 7), end=date(2026, 11, 13)),
        Filters(start=start, end=start + timedelta(days=rng.randrange(5))),  # hours when short
        Filters(start=date(2026, 11, 1), end=date(2026, 11, 13), versions=(DRAFT,)),
        Filters(
            start=date(2026, 11, 5),
            end=date(2026, 11, 12),
            sources=(TurnSource.SUITE,),
            assistant_ids=(assistants[0],),
            split_by_version=False,
        ),
        Filters(start=datetime.now(UTC).date(), end=datetime.now(UTC).date()),  # logged turns
    ]


def _check(engine: Engine, rng: random.Random, assistants: list[int]) -> None:
    with session_scope(engine) as db:
        for f in _filters(rng, assistants):
            assert same_numbers(dashboard_kpis(db, f), reference_kpis(db, f)) == [], f
            _check_gaps_and_counts(db, f)
        incremental, rebuilt = refreshed_equals_rebuilt(db)
        assert incremental == rebuilt
        assert sum(len(rows) for rows in rebuilt.values()) > 0


def _check_gaps_and_counts(db: Session, f: Filters) -> None:
    begin, end = f.current
    where = [
        col(Turn.created_at) >= begin,
        col(Turn.created_at) < end,
        col(Turn.best_score) < f.gap_threshold,
        func.coalesce(col(Turn.intent), "other").not_in(gaps.SMALL_TALK),
    ]
    if f.assistant_ids:
        where.append(col(Turn.assistant_id).in_(f.assistant_ids))
    if f.sources:
        where.append(col(Turn.source).in_(f.sources))
    if f.versions:
        where.append(col(Turn.version_number).is_(None))  # the filters above: draft only
    intent = func.coalesce(col(Turn.intent), "other")
    expected = dict(db.execute(select(intent, func.count()).where(*where).group_by(intent)).all())
    found = gaps.knowledge_gaps(session=db, filters=f)
    assert {g.intent: g.count for g in found.by_intent} == expected
    _, total = sessions.list_sessions(session=db, filters=f)
    rows, _ = sessions.list_sessions(session=db, filters=f, search=" ", limit=10_000)
    assert total == len(rows)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollups_equal_a_recomputation_after_every_kind_of_write(engine: Engine, seed: int) -> None:
    rng = random.Random(seed)
    assistants = _assistants(engine)
    with session_scope(engine) as db:
        for assistant_id in assistants:
            _raw_turns(db, rng, assistant_id, n_sessions=rng.randint(3, 8))
    _check(engine, rng, assistants)
    _log_turns(engine, rng, assistants[1], n=rng.randint(2, 6))
    with session_scope(engine) as db:
        _feedback(db, rng)
    _check(engine, rng, assistants)
    with session_scope(engine) as db:
        _deletes_and_edits(db, rng)
    _check(engine, rng, assistants)
    with session_scope(engine) as db:
        stamp = data_stamp(session=db)
        delete_assistant(session=db, assistant_id=assistants[0], confirm_name="Shop")
    with session_scope(engine) as db:
        assert data_stamp(session=db) != stamp  # a deletion invalidates the dashboard's cache
    _check(engine, rng, assistants)


def test_imports_and_the_demo_generator_keep_the_rollups_up_to_date(engine: Engine) -> None:
    with session_scope(engine) as db:
        seed_demo_assistants(session=db)
        generate_traffic(session=db, turns=400, days=9, now=DAY0 + timedelta(days=10))
        assert db.execute(select(col(RollupDirty.id))).first() is None  # the writer refreshed
        shop = create_assistant(session=db, name="Imported", company_name="I Co")
    content = jsonl(
        conversation("a", "Where is my order?", "Tomorrow.", "Thanks!", "You're welcome.",
                     timestamps=["2026-11-03T23:59:00Z", None, "2026-11-04T00:01:00Z", None]),
        conversation("b", "Refund?", "Yes.", timestamps=["2026-11-05T10:00:00Z", None]),
    )  # fmt: skip
    with session_scope(engine) as db:
        transcripts.import_transcripts(
            session=db, assistant_id=shop.id, content=content, filename="x.jsonl"
        )
        assert db.execute(select(col(RollupDirty.id))).first() is None
        day_turns = db.execute(select(func.sum(col(RollupDay.turns)))).scalar_one()
        assert day_turns == db.execute(select(func.count()).select_from(Turn)).scalar_one()
    _check(engine, random.Random(4), [shop.id])


def test_a_refresh_recomputes_only_what_changed(engine: Engine) -> None:
    assistants = _assistants(engine)
    with session_scope(engine) as db:
        _raw_turns(db, random.Random(5), assistants[0], n_sessions=20)
        rollups.refresh(session=db)
    _log_turns(engine, random.Random(6), assistants[1], n=3)
    with session_scope(engine) as db:
        assert rollups.pending(session=db)
        assert rollups.refresh(session=db) == 1  # today, for that one assistant
        assert not rollups.pending(session=db) and rollups.refresh(session=db) == 0
