"""What happens once when the studio starts: schema, demo data, knowledge store."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from studio.access.roles import SYSTEM, acting_as
from studio.chat.intent_model import warm_up_in_background
from studio.core.config import Settings
from studio.core.db import make_engine, session_scope
from studio.core.redaction import install_log_redaction
from studio.core.schema import upgrade_database
from studio.design import seeding
from studio.knowledge.admin import index_demo_knowledge, reconcile, start_demo_indexing
from studio.knowledge.embeddings import start_preparing
from studio.knowledge.store import KnowledgeStore, open_store


def prepare_database(url: str, *, seed_demo: bool) -> Engine:
    """Engine for `url` with the schema created and, if asked, the demo assistants seeded once."""
    install_log_redaction()  # no log record of the studio carries an API key
    engine = make_engine(url)
    upgrade_database(engine)
    if seed_demo:
        with acting_as(SYSTEM), session_scope(engine) as session:
            seeding.seed_demo_assistants(session=session)
    return engine


def prepare_knowledge(
    engine: Engine, settings: Settings, *, background: bool = True
) -> KnowledgeStore:
    """The vector store, reconciled with SQL, with the demo assistants' documents indexed once
    (in a background thread unless `background` is False: it takes a few seconds), and the
    default embedding's 8-bit model being derived in the background if this machine lacks it
    (and the tagger's embedding model loaded).
    Raises KnowledgeError if the store cannot be opened."""
    store = open_store(settings)
    if background:
        start_preparing(settings)  # before the demo indexing, which then waits for it
        warm_up_in_background(settings)  # the tagger's model: the first turn need not load it
    with acting_as(SYSTEM):  # start-up work is the studio's own, whoever's session started it
        with session_scope(engine) as session:
            reconcile(session=session, store=store)
        if settings.seed_demo:
            if background:
                start_demo_indexing(engine=engine, store=store)
            else:
                with session_scope(engine) as session:
                    index_demo_knowledge(session=session, store=store)
    return store
