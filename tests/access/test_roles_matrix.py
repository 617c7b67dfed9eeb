"""Every domain action × every role, called directly (not through a page), on SQLite and
PostgreSQL: a role without the permission gets PermissionDenied and nothing is written (no audit
entry either); a role with it succeeds, and every change leaves an audit entry."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from studio.access import audit, keys, users
from studio.access.roles import ROLE_PERMISSIONS, SYSTEM, Actor, Permission, acting_as
from studio.analytics import traffic, transcripts
from studio.chat import conversations, pricing
from studio.chat.simulator import SimulatorBackend
from studio.chat.turn import draft_target, run_turn
from studio.compare import gate, suites, variants, votes
from studio.core.config import get_settings
from studio.core.db import session_scope
from studio.core.errors import NotSignedIn, PermissionDenied
from studio.core.models import AuditEntry, Turn, UserRole, VoteChoice
from studio.design import assistants, drafts, exports, lifecycle, versions
from studio.knowledge import bases, ingest, jobs, retry
from studio.knowledge.store import KnowledgeStore
from studio.knowledge.types import UploadedFile

P = Permission


@dataclass
class World:
    engine: Engine
    store: KnowledgeStore
    role: str
    assistant_id: int = 0
    other_id: int = 0  # an assistant with a knowledge base and one document
    kb_id: int = 0
    document_id: int = 0
    turn_id: int = 0
    suite_id: int = 0  # a suite to delete


def _wait(engine: Engine, kb_id: int) -> None:
    deadline = time.monotonic() + 120
    while (job := jobs.latest_job(engine, kb_id)) is not None and not job.finished:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def _in_session(action: Callable[[Session, World], Any]) -> Callable[[World], Any]:
    def run(w: World) -> Any:
        with session_scope(w.engine) as session:
            return action(session, w)

    return run


def _upload(w: World) -> None:
    jobs.start_upload(
        engine=w.engine,
        store=w.store,
        knowledge_base_id=w.kb_id,
        files=[UploadedFile(f"faq-{w.role}.md", b"# FAQ\n\nParcels ship daily.")],
    )
    _wait(w.engine, w.kb_id)


def _reindex(w: World) -> None:
    jobs.start_reindex(engine=w.engine, store=w.store, knowledge_base_id=w.kb_id)
    _wait(w.engine, w.kb_id)


def _retry_all(w: World) -> None:
    jobs.start_retry(
        engine=w.engine, store=w.store, knowledge_base_id=w.kb_id, document_ids=[w.document_id]
    )
    _wait(w.engine, w.kb_id)


def _persona(s: Session, w: World) -> Any:
    persona = assistants.get_assistant(session=s, assistant_id=w.assistant_id).draft.persona
    data = persona.model_dump(mode="json") | {"name": f"Ava {w.role}"}
    return drafts.update_draft_section(
        session=s, assistant_id=w.assistant_id, section="persona", data=data
    )


def _import(s: Session, w: World) -> Any:
    file = exports.export_assistant(
        session=s, assistant_id=w.assistant_id, version=None, fmt=exports.ExportFormat.YAML
    )
    return exports.import_assistant(
        session=s, content=file.content.encode(), filename="a.yaml", max_kb=512
    )


def _chat(w: World) -> None:
    with session_scope(w.engine) as s:
        target = draft_target(session=s, assistant_id=w.assistant_id)
    run_turn(engine=w.engine, backend=SimulatorBackend(), target=target, message="Hello there")


def _suite(s: Session, w: World) -> Any:
    config = assistants.get_assistant(session=s, assistant_id=w.assistant_id).draft
    case = suites.CaseSpec(name="hello", turns=[suites.CaseTurn(message="Hello")])
    return suites.save_suite(
        session=s, assistant_id=w.assistant_id, name=f"smoke {w.role}", cases=[case], config=config
    )


def _delete_suite(s: Session, w: World) -> None:
    suites.delete_suite(session=s, suite_id=w.suite_id)


def _vote(s: Session, w: World) -> Any:
    spec = variants.VariantSpec(assistant_id=w.assistant_id)
    side = variants.resolve_variant(session=s, spec=spec)
    return votes.record_vote(
        session=s,
        comparison_id=f"c-{w.role}",
        turn_no=0,
        a=side,
        b=side,
        choice=VoteChoice.TIE,
    )


def _transcripts(s: Session, w: World) -> Any:
    line = b'{"id": "t-1", "messages": [{"role": "user", "content": "Where is my parcel?"}]}'
    return transcripts.import_transcripts(
        session=s, assistant_id=w.assistant_id, content=line, filename=f"{w.role}.jsonl"
    )


# (what, permission, action, writes an audit entry)
ACTIONS: list[tuple[str, Permission, Callable[[World], Any], bool]] = [
    ("chat", P.CHAT, _chat, False),
    (
        "rate a reply",
        P.FEEDBACK,
        _in_session(lambda s, w: conversations.rate_turn(session=s, turn_id=w.turn_id, rating=1)),
        False,
    ),
    (
        "correct a reply",
        P.FEEDBACK,
        _in_session(
            lambda s, w: conversations.correct_turn(
                session=s, turn_id=w.turn_id, corrected_reply="Better"
            )
        ),
        False,
    ),
    (
        "create an assistant",
        P.EDIT_ASSISTANT,
        _in_session(
            lambda s, w: assistants.create_assistant(
                session=s, name=f"New {w.role}", company_name="Acme"
            )
        ),
        True,
    ),
    ("edit a draft section", P.EDIT_ASSISTANT, _in_session(_persona), True),
    (
        "replace the draft",
        P.EDIT_ASSISTANT,
        _in_session(
            lambda s, w: drafts.replace_draft(
                session=s,
                assistant_id=w.assistant_id,
                config=versions.config_of(session=s, assistant_id=w.assistant_id, number=1),
            )
        ),
        True,
    ),
    ("edit again", P.EDIT_ASSISTANT, _in_session(_persona), True),
    (
        "save a version",
        P.EDIT_ASSISTANT,
        _in_session(
            lambda s, w: versions.save_version(session=s, assistant_id=w.assistant_id, note="n")
        ),
        True,
    ),
    (
        "publish",
        P.EDIT_ASSISTANT,
        _in_session(
            lambda s, w: versions.publish_version(session=s, assistant_id=w.assistant_id, number=1)
        ),
        True,
    ),
    (
        "unpublish",
        P.EDIT_ASSISTANT,
        _in_session(lambda s, w: versions.unpublish(session=s, assistant_id=w.assistant_id)),
        True,
    ),
    (
        "restore a version",
        P.EDIT_ASSISTANT,
        _in_session(
            lambda s, w: versions.restore_version(session=s, assistant_id=w.assistant_id, number=1)
        ),
        True,
    ),
    (
        "rename",
        P.EDIT_ASSISTANT,
        _in_session(
            lambda s, w: lifecycle.rename_assistant(
                session=s, assistant_id=w.assistant_id, name=f"Renamed {w.role}"
            )
        ),
        True,
    ),
    (
        "duplicate",
        P.EDIT_ASSISTANT,
        _in_session(
            lambda s, w: lifecycle.duplicate_assistant(
                session=s, assistant_id=w.assistant_id, name=f"Copy {w.role}"
            )
        ),
        True,
    ),
    (
        "archive",
        P.EDIT_ASSISTANT,
        _in_session(
            lambda s, w: lifecycle.archive_assistant(session=s, assistant_id=w.assistant_id)
        ),
        True,
    ),
    (
        "unarchive",
        P.EDIT_ASSISTANT,
        _in_session(
            lambda s, w: lifecycle.unarchive_assistant(session=s, assistant_id=w.assistant_id)
        ),
        True,
    ),
    ("import", P.EDIT_ASSISTANT, _in_session(_import), True),
    (
        "create a knowledge base",
        P.EDIT_KNOWLEDGE,
        _in_session(
            lambda s, w: bases.create_knowledge_base(
                session=s, store=w.store, assistant_id=w.assistant_id
            )
        ),
        True,
    ),
    ("upload", P.EDIT_KNOWLEDGE, _upload, True),
    ("re-index", P.EDIT_KNOWLEDGE, _reindex, True),
    ("retry in the background", P.EDIT_KNOWLEDGE, _retry_all, True),
    (
        "retry one document",
        P.EDIT_KNOWLEDGE,
        _in_session(
            lambda s, w: retry.retry_document(session=s, store=w.store, document_id=w.document_id)
        ),
        False,
    ),
    ("stop indexing", P.EDIT_KNOWLEDGE, lambda w: jobs.request_stop(w.engine, w.kb_id), False),
    (
        "delete a document",
        P.EDIT_KNOWLEDGE,
        _in_session(
            lambda s, w: ingest.delete_document(session=s, store=w.store, document_id=w.document_id)
        ),
        True,
    ),
    (
        "set a price",
        P.MANAGE_SETTINGS,
        _in_session(
            lambda s, w: pricing.set_price(
                session=s, model="m-1", input_per_million=1, output_per_million=2
            )
        ),
        True,
    ),
    (
        "remove a price",
        P.MANAGE_SETTINGS,
        _in_session(lambda s, w: pricing.delete_price(session=s, model="m-0")),
        True,
    ),
    (
        "store a provider key",
        P.MANAGE_SETTINGS,
        _in_session(lambda s, w: keys.store_key(session=s, value="sk-test-1234567890abcdef")),
        True,
    ),
    (
        "remove the provider key",
        P.MANAGE_SETTINGS,
        _in_session(lambda s, w: keys.remove_key(session=s)),
        True,
    ),
    ("list users", P.MANAGE_USERS, _in_session(lambda s, w: users.list_users(session=s)), False),
    (
        "add a user",
        P.MANAGE_USERS,
        _in_session(
            lambda s, w: users.add_user(
                session=s, username=f"new-{w.role}", password="a long password"
            )
        ),
        True,
    ),
    (
        "change a role",
        P.MANAGE_USERS,
        _in_session(lambda s, w: users.set_role(session=s, username="carol", role=UserRole.EDITOR)),
        True,
    ),
    (
        "disable a user",
        P.MANAGE_USERS,
        _in_session(lambda s, w: users.set_active(session=s, username="carol", active=False)),
        True,
    ),
    (
        "set a password",
        P.MANAGE_USERS,
        _in_session(
            lambda s, w: users.set_password(
                session=s, username="carol", password="another long one"
            )
        ),
        True,
    ),
    (
        "read the audit log",
        P.VIEW_AUDIT,
        _in_session(lambda s, w: audit.list_entries(session=s)),
        False,
    ),
    ("save a suite", P.RUN_SUITES, _in_session(_suite), True),
    ("delete a suite", P.RUN_SUITES, _in_session(_delete_suite), True),
    (
        "set the publish gate",
        P.EDIT_ASSISTANT,
        _in_session(
            lambda s, w: gate.save_gate(
                session=s, assistant_id=w.assistant_id, settings=gate.GateSettings(min_pass_rate=90)
            )
        ),
        True,
    ),
    ("vote", P.FEEDBACK, _in_session(_vote), False),
    ("import transcripts", P.EDIT_ASSISTANT, _in_session(_transcripts), True),
    (
        "generate demo traffic",
        P.EDIT_ASSISTANT,
        _in_session(
            lambda s, w: traffic.generate_traffic(
                session=s, turns=5, days=1, assistant_ids=[w.assistant_id]
            )
        ),
        False,
    ),
    (
        "delete an assistant",
        P.DELETE_ASSISTANT,
        _in_session(
            lambda s, w: lifecycle.delete_assistant(
                session=s, assistant_id=w.other_id, confirm_name="Other", store=w.store
            )
        ),
        True,
    ),
]


def _setup(engine: Engine, store: KnowledgeStore, role: str) -> World:
    w = World(engine=engine, store=store, role=role)
    with acting_as(SYSTEM), session_scope(engine) as s:
        w.assistant_id = assistants.create_assistant(
            session=s, name="Main", template="ecommerce_support"
        ).id
        versions.save_version(session=s, assistant_id=w.assistant_id, note="first")
        w.other_id = assistants.create_assistant(session=s, name="Other", company_name="Acme").id
        w.kb_id = bases.create_knowledge_base(session=s, store=store, assistant_id=w.other_id).id
        pricing.set_price(session=s, model="m-0", input_per_million=1, output_per_million=1)
        users.add_user(session=s, username="carol", password="carol's password")
        w.suite_id = _suite(s, World(engine=engine, store=store, role="to delete",
                                     assistant_id=w.assistant_id)).id  # fmt: skip
    with acting_as(SYSTEM):
        jobs.start_upload(
            engine=engine,
            store=store,
            knowledge_base_id=w.kb_id,
            files=[UploadedFile("start.md", b"# Start\n\nWe ship daily.")],
        )
        _wait(engine, w.kb_id)
        _chat(w)
    with session_scope(engine) as s:
        w.document_id = bases.list_documents(session=s, knowledge_base_id=w.kb_id)[0].id
        w.turn_id = s.execute(select(func.max(col(Turn.id)))).scalar_one()
    return w


def _audit_count(engine: Engine) -> int:
    with session_scope(engine) as s:
        return s.execute(select(func.count()).select_from(AuditEntry)).scalar_one()


@pytest.mark.parametrize("role", [r.value for r in UserRole])
def test_each_role_may_do_exactly_what_its_permissions_say(
    role: str, engine: Engine, embedded_store: KnowledgeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_SECRET_KEY", keys.new_secret_key())
    monkeypatch.setenv("STUDIO_AUTH_MODE", "password")
    get_settings.cache_clear()
    w = _setup(engine, embedded_store, role)
    actor = Actor(name=f"someone-{role}", role=UserRole(role))
    allowed = ROLE_PERMISSIONS[UserRole(role)]
    wrong: list[str] = []
    for what, permission, action, audited in ACTIONS:
        before = _audit_count(engine)
        with acting_as(actor):
            try:
                action(w)
                outcome = "done"
            except PermissionDenied:
                outcome = "denied"
        after = _audit_count(engine)
        expected = "done" if permission in allowed else "denied"
        if outcome != expected:
            wrong.append(f"{what}: {outcome}, expected {expected}")
        elif outcome == "denied" and after != before:
            wrong.append(f"{what}: denied but wrote {after - before} audit entries")
        elif outcome == "done" and audited and after == before:
            wrong.append(f"{what}: done without an audit entry")
    assert not wrong, "\n".join(wrong)


def test_with_sign_in_on_nobody_signed_in_may_change_anything(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_AUTH_MODE", "password")
    get_settings.cache_clear()
    with session_scope(engine) as s, pytest.raises(NotSignedIn, match="Sign in"):
        assistants.create_assistant(session=s, name="X", company_name="Acme")


def test_with_sign_in_off_the_local_user_is_an_admin(engine: Engine) -> None:
    with session_scope(engine) as s:
        assistants.create_assistant(session=s, name="X", company_name="Acme")
        (entry,) = audit.list_entries(session=s)
    assert (entry.actor, entry.action, entry.target_label) == ("local", "assistant.create", "X")
