"""Claims on knowledge bases in the database, so several studio processes sharing one database
never index the same knowledge base at once, and work left by a process that died is noticed.

A claim is one row per knowledge base, taken with an atomic compare-and-set (an INSERT, or an
UPDATE that succeeds only if the claim is free, stale or already ours), so exactly one process
wins on SQLite and on PostgreSQL. The claiming process renews a heartbeat every few seconds; a
claim whose heartbeat is older than `STALE_AFTER` belongs to a dead process and may be taken
over. Scanning for stale claims uses `FOR UPDATE SKIP LOCKED` on PostgreSQL, so two processes
starting together each take different ones and never wait on each other.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, col

from studio.core.db import session_scope
from studio.core.errors import Conflict
from studio.core.models import IndexingClaim, utcnow

log = logging.getLogger(__name__)

OWNER = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
HEARTBEAT_S = 5.0
STALE_AFTER = timedelta(seconds=30)

_held: dict[tuple[str, int], Engine] = {}  # (database, knowledge base) -> engine, while held
_held_lock = threading.Lock()
_beating = threading.Event()
_pause = threading.Event()  # never set: a sleep the interpreter can end at exit


def _db(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _fresh_cutoff(now: datetime) -> datetime:
    return now - STALE_AFTER


def claim(*, engine: Engine, knowledge_base_id: int, kind: str) -> None:
    """Take the knowledge base for this process. Raises Conflict if another live process has it."""
    now = utcnow()
    with session_scope(engine) as session:
        try:
            with session.begin_nested():
                session.add(
                    IndexingClaim(
                        knowledge_base_id=knowledge_base_id,
                        owner=OWNER,
                        kind=kind,
                        claimed_at=now,
                        heartbeat_at=now,
                    )
                )
                session.flush()
            taken = True
        except IntegrityError:
            taken = _take_over(session, knowledge_base_id, kind, now)
        if not taken:
            other = session.get(IndexingClaim, knowledge_base_id)
            since = other.claimed_at.strftime("%H:%M:%S UTC") if other else "a moment ago"
            raise Conflict(
                "This knowledge base is being indexed by another studio process (since "
                f"{since}); wait for that to finish — its documents appear here as they are done."
            )
    with _held_lock:
        _held[(_db(engine), knowledge_base_id)] = engine
    _start_heartbeat()


def _take_over(session: Session, knowledge_base_id: int, kind: str, now: datetime) -> bool:
    result = session.execute(
        update(IndexingClaim)
        .where(
            col(IndexingClaim.knowledge_base_id) == knowledge_base_id,
            or_(
                col(IndexingClaim.owner) == OWNER,
                col(IndexingClaim.heartbeat_at) < _fresh_cutoff(now),
            ),
        )
        .values(owner=OWNER, kind=kind, claimed_at=now, heartbeat_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release(*, engine: Engine, knowledge_base_id: int) -> None:
    """Give the knowledge base back (only if this process still holds it)."""
    with _held_lock:
        _held.pop((_db(engine), knowledge_base_id), None)
    try:
        with session_scope(engine) as session:
            session.execute(
                delete(IndexingClaim).where(
                    col(IndexingClaim.knowledge_base_id) == knowledge_base_id,
                    col(IndexingClaim.owner) == OWNER,
                )
            )
    except SQLAlchemyError:  # the heartbeat stops; the claim goes stale and is taken over
        log.warning("could not release the claim on knowledge base %s", knowledge_base_id)


def holding(
    run: Callable[[], None], *, engine: Engine, knowledge_base_id: int
) -> Callable[[], None]:
    """`run`, releasing this process's claim on the knowledge base when it ends (any way)."""

    def wrapped() -> None:
        try:
            run()
        finally:
            release(engine=engine, knowledge_base_id=knowledge_base_id)

    return wrapped


def held_elsewhere(*, session: Session, knowledge_base_id: int) -> bool:
    """Whether another live process holds the knowledge base (start-up leaves it alone)."""
    other = session.get(IndexingClaim, knowledge_base_id)
    return (
        other is not None and other.owner != OWNER and other.heartbeat_at >= _fresh_cutoff(utcnow())
    )


def stale_claims(*, session: Session) -> list[int]:
    """Knowledge bases claimed by processes that stopped beating (locked for this transaction,
    skipping ones another process is looking at)."""
    query = (
        select(col(IndexingClaim.knowledge_base_id))
        .where(col(IndexingClaim.heartbeat_at) < _fresh_cutoff(utcnow()))
        .with_for_update(skip_locked=True)
    )
    return list(session.execute(query).scalars())


def _beat() -> None:
    while True:
        _pause.wait(HEARTBEAT_S)
        with _held_lock:
            held = list(_held.items())
        for (_, kb_id), engine in held:
            try:
                with session_scope(engine) as session:
                    session.execute(
                        update(IndexingClaim)
                        .where(
                            col(IndexingClaim.knowledge_base_id) == kb_id,
                            col(IndexingClaim.owner) == OWNER,
                        )
                        .values(heartbeat_at=utcnow())
                        .execution_options(synchronize_session=False)
                    )
            except SQLAlchemyError:
                log.warning("could not renew the claim on knowledge base %s", kb_id)


def _start_heartbeat() -> None:
    with _held_lock:
        if _beating.is_set():
            return
        _beating.set()
    threading.Thread(target=_beat, name="indexing-claims-heartbeat", daemon=True).start()


def try_claim(*, session: Session, knowledge_base_id: int, kind: str) -> bool:
    """Take the knowledge base inside `session` (committed at once); False if another live
    process holds it. For start-up work that already runs in a unit of work of its own."""
    now = utcnow()
    try:
        with session.begin_nested():
            session.add(
                IndexingClaim(
                    knowledge_base_id=knowledge_base_id,
                    owner=OWNER,
                    kind=kind,
                    claimed_at=now,
                    heartbeat_at=now,
                )
            )
            session.flush()
    except IntegrityError:
        if not _take_over(session, knowledge_base_id, kind, now):
            session.rollback()
            return False
    session.commit()
    return True


def release_in(*, session: Session, knowledge_base_id: int) -> None:
    """Give back a claim taken with `try_claim` (committed at once)."""
    session.execute(
        delete(IndexingClaim).where(
            col(IndexingClaim.knowledge_base_id) == knowledge_base_id,
            col(IndexingClaim.owner) == OWNER,
        )
    )
    session.commit()
