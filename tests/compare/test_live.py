"""A live compare turn over real HTTP: both sides at once, a slow side does not hold the other
back, a failing provider stays on its side, each side is its own COMPARE session."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from studio.chat.providers import make_backend
from studio.chat.simulator import SimulatorBackend
from studio.compare.live import (
    Side,
    new_comparison_id,
    run_side_by_side,
    stream_side_by_side,
)
from studio.compare.variants import Overrides, Variant, VariantSpec, resolve_variant
from studio.core.db import session_scope
from studio.core.errors import InvalidInput
from studio.core.models import ChatSession, Turn, TurnSource, TurnStatus
from studio.design import assistants, seeding
from tests.fake_openai_server import FakeOpenAI


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def shop_variant(engine: Engine, model: str | None = None) -> Variant:
    with session_scope(engine) as session:
        seeding.seed_demo_assistants(session=session)
        shop = next(
            a.id
            for a in assistants.list_assistants(session=session)
            if a.template == "ecommerce_support"
        )
        return resolve_variant(
            session=session,
            spec=VariantSpec(assistant_id=shop, version=1, overrides=Overrides(model=model)),
        )


def http_side(engine: Engine, fake: FakeOpenAI, model: str) -> Side:
    backend = make_backend(preset="custom", base_url=fake.base_url, api_key="test-key")
    return Side(variant=shop_variant(engine, model), backend=backend)


def test_a_slow_side_does_not_delay_the_other(engine: Engine, fake: FakeOpenAI) -> None:
    sides = [http_side(engine, fake, "fake-delay-300"), http_side(engine, fake, "fake-delay-1200")]
    # Warm up both (the first turn in a process loads the tokenizer and the tagger's embedding
    # model, which a hello alone does not need; each configuration compiles).
    for side in sides:
        run_side_by_side(engine=engine, sides=[side], message="Hi, a question", comparison_id="w")
    started = time.perf_counter()
    first_text: dict[int, float] = {}
    done: dict[int, float] = {}
    replies: dict[int, str] = {0: "", 1: ""}
    for event in stream_side_by_side(
        engine=engine, sides=sides, message="Where is my parcel?", comparison_id="c1"
    ):
        now = time.perf_counter() - started
        if event.kind == "text":
            first_text.setdefault(event.side, now)
            replies[event.side] += event.text
        else:
            done[event.side] = now
    wall = time.perf_counter() - started
    assert "You said" in replies[0] and "You said" in replies[1]
    # The fast side's reply is on screen and finished before the slow side's first byte…
    assert first_text[0] < 1.0 and done[0] < first_text[1]
    # …and the slow side started at once, not after the fast one: its first byte comes about
    # 1.2 s in, where one after the other it could not come before 1.5 s.
    assert 1.2 <= first_text[1] < 1.45
    assert wall < first_text[1] + 0.5  # nothing else is waited for once the slow side answers


def test_a_failing_provider_shows_on_its_side_only(engine: Engine, fake: FakeOpenAI) -> None:
    sides = [http_side(engine, fake, "fake-model"), http_side(engine, fake, "fault-500")]
    good, bad = run_side_by_side(engine=engine, sides=sides, message="Hello?", comparison_id="c2")
    assert good.status is TurnStatus.OK and good.reply.startswith("You said")
    assert bad.status is TurnStatus.FAILED and "HTTP 500" in (bad.error or "")
    assert bad.turn_id is not None  # the failure is logged too


def test_each_side_is_its_own_compare_session_sharing_the_comparison_id(
    engine: Engine, fake: FakeOpenAI
) -> None:
    comparison = new_comparison_id()
    sides = [
        Side(variant=shop_variant(engine), backend=SimulatorBackend()),
        http_side(engine, fake, "fake-model"),
    ]
    first = run_side_by_side(engine=engine, sides=sides, message="Hi!", comparison_id=comparison)
    again = [
        Side(
            variant=s.variant,
            backend=s.backend,
            session_id=r.session_id,
            history=[],
        )
        for s, r in zip(sides, first, strict=True)
    ]
    second = run_side_by_side(
        engine=engine, sides=again, message="What is your return policy?", comparison_id=comparison
    )
    assert [r.session_id for r in first] == [r.session_id for r in second]
    with session_scope(engine) as session:
        chats = session.exec(select(ChatSession).where(ChatSession.comparison_id == comparison))
        rows = sorted(chats.all(), key=lambda c: c.id or 0)
        assert len(rows) == 2 and {c.source for c in rows} == {TurnSource.COMPARE}
        assert [c.backend for c in rows] == ["simulator", "openai-compatible"]
        turns = session.exec(select(Turn).where(Turn.source == TurnSource.COMPARE)).all()
        assert len(turns) == 4


def test_an_empty_message_is_refused_before_either_side_runs(engine: Engine) -> None:
    side = Side(variant=shop_variant(engine), backend=SimulatorBackend())
    with pytest.raises(InvalidInput):
        run_side_by_side(engine=engine, sides=[side, side], message="   ", comparison_id="c3")
    with session_scope(engine) as session:
        assert session.exec(select(Turn)).all() == []


def test_both_sides_retrieve_from_a_real_knowledge_base_at_once(tmp_path: Path) -> None:
    from studio.core.config import get_settings
    from studio.core.db import make_engine
    from studio.core.schema import upgrade_database
    from studio.knowledge import bases
    from studio.knowledge.admin import sample_files

    engine = make_engine(f"sqlite:///{tmp_path / 'kb.db'}")
    upgrade_database(engine)
    plain = shop_variant(engine)
    store = bases.open_store(get_settings())
    with session_scope(engine) as session:
        kb = bases.create_knowledge_base(
            session=session, store=store, assistant_id=plain.target.assistant_id
        )
        bases.add_files(session=session, store=store, knowledge_base_id=kb.id,
                        files=sample_files("ecommerce_support"))  # fmt: skip
        narrow = resolve_variant(session=session, spec=plain.spec.model_copy(
            update={"overrides": Overrides(top_k=1)}))  # fmt: skip
    sides = [Side(variant=plain, backend=SimulatorBackend()),
             Side(variant=narrow, backend=SimulatorBackend())]  # fmt: skip
    wide, one = run_side_by_side(engine=engine, sides=sides, message="How long do refunds take?",
                                 comparison_id="kb", store=store)  # fmt: skip
    assert len(wide.passages) > 1 and len(one.passages) == 1
    assert one.passages[0].citation == wide.passages[0].citation
    assert wide.reply and one.reply
