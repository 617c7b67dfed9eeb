"""Turns per minute and the daily spend cap for real models (a local OpenAI-compatible server),
never for the simulator; provider keys stored encrypted, shown masked, used by the backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from studio.access import keys, limits
from studio.access.roles import Actor, acting_as
from studio.chat import pricing
from studio.chat.providers import OpenAICompatibleBackend
from studio.chat.simulator import SimulatorBackend
from studio.chat.turn import draft_target, run_turn
from studio.core.config import get_settings
from studio.core.db import session_scope
from studio.core.errors import LimitReached, StudioError
from studio.core.models import StoredSecret, TurnSource, UserRole
from studio.design import assistants
from tests.fake_openai_server import FakeOpenAI

ANN = Actor(name="ann", role=UserRole.VIEWER)


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def _target(engine: Engine):  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        assistant_id = assistants.create_assistant(
            session=s, name="A", template="ecommerce_support"
        ).id
        s.flush()
        target = draft_target(session=s, assistant_id=assistant_id)
    target.config.model.model = "fake-model"
    target.config.retrieval.enabled = False
    return target


def test_a_person_is_limited_per_minute_on_a_real_model_but_never_on_the_simulator(
    engine: Engine, fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_TURNS_PER_MINUTE", "2")
    get_settings.cache_clear()
    target = _target(engine)
    real = OpenAICompatibleBackend(base_url=fake.base_url)
    with acting_as(ANN):
        for _ in range(2):
            assert run_turn(engine=engine, backend=real, target=target, message="Hi").reply
        with pytest.raises(LimitReached, match=r"limit is 2\). Wait \d+ s"):
            run_turn(engine=engine, backend=real, target=target, message="Hi")
        for _ in range(4):  # the simulator is never limited
            run_turn(engine=engine, backend=SimulatorBackend(), target=target, message="Hi")
    with acting_as(Actor(name="ben", role=UserRole.VIEWER)):  # per person
        run_turn(engine=engine, backend=real, target=target, message="Hi")


def test_a_suite_run_is_not_held_to_the_per_minute_limit_but_to_the_spend_cap(
    engine: Engine, fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 50-case suite against a real model must not stop after the 20th case; it spends money, so
    # the daily cap still applies, and its turns do not use up the person's interactive limit.
    monkeypatch.setenv("STUDIO_TURNS_PER_MINUTE", "2")
    get_settings.cache_clear()
    target = _target(engine)
    real = OpenAICompatibleBackend(base_url=fake.base_url)
    with acting_as(ANN):
        for _ in range(5):
            run_turn(
                engine=engine, backend=real, target=target, message="Hi", source=TurnSource.SUITE
            )
        assert run_turn(engine=engine, backend=real, target=target, message="Hi").reply
    monkeypatch.setenv("STUDIO_DAILY_SPEND_CAP_USD", "0")
    get_settings.cache_clear()
    with acting_as(ANN), pytest.raises(LimitReached, match="spending cap"):
        run_turn(engine=engine, backend=real, target=target, message="Hi", source=TurnSource.SUITE)


def test_a_provider_stops_for_the_day_at_the_spend_cap(
    engine: Engine, fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_DAILY_SPEND_CAP_USD", "0.00002")
    get_settings.cache_clear()
    with session_scope(engine) as s:  # 11 + 2 tokens at $1/M ≈ $0.000013 a turn
        pricing.set_price(session=s, model="fake-model", input_per_million=1, output_per_million=1)
    target = _target(engine)
    real = OpenAICompatibleBackend(base_url=fake.base_url)
    run_turn(engine=engine, backend=real, target=target, message="Hi")
    run_turn(engine=engine, backend=real, target=target, message="Hi")
    assert limits.spent_today(engine=engine, provider=real.label) > 0.00002
    with pytest.raises(LimitReached, match="spending cap for this provider is reached"):
        run_turn(engine=engine, backend=real, target=target, message="Hi")
    run_turn(engine=engine, backend=SimulatorBackend(), target=target, message="Hi")


def test_a_stored_key_is_encrypted_masked_and_needs_the_environment_key(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-proj-CANARY-0123456789abcdef"
    with session_scope(engine) as s, pytest.raises(StudioError, match="STUDIO_SECRET_KEY"):
        keys.store_key(session=s, value=secret)
    monkeypatch.setenv("STUDIO_SECRET_KEY", keys.new_secret_key())
    get_settings.cache_clear()
    with session_scope(engine) as s:
        info = keys.store_key(session=s, value=secret)
    assert info.masked == "sk-…cdef"
    with session_scope(engine) as s:
        row = s.execute(select(StoredSecret)).scalar_one()
        assert "CANARY" not in row.ciphertext
        assert keys.read_key(session=s) == secret
    # Another environment key cannot read it, and says what to do.
    monkeypatch.setenv("STUDIO_SECRET_KEY", keys.new_secret_key())
    get_settings.cache_clear()
    with session_scope(engine) as s, pytest.raises(StudioError, match="Store the key again"):
        keys.read_key(session=s)
