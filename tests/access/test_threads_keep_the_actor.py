"""Work that runs on pool threads (both sides of a comparison, the cases of a suite) acts as the
person who started it: with sign-in on, a thread that lost them would be "nobody signed in"."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from studio.access.roles import SYSTEM, Actor, acting_as
from studio.chat.simulator import SimulatorBackend
from studio.compare import live, runs, suites, variants
from studio.core.config import get_settings
from studio.core.db import session_scope
from studio.core.models import Turn, TurnStatus, UserRole
from studio.design import assistants


@pytest.fixture
def signed_in_editor(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("STUDIO_AUTH_MODE", "password")
    get_settings.cache_clear()
    with acting_as(SYSTEM), session_scope(engine) as s:
        return assistants.create_assistant(session=s, name="Shop", template="ecommerce_support").id


EDITOR = Actor(name="erin", role=UserRole.EDITOR)


def test_both_sides_of_a_comparison_run_as_the_sender(
    engine: Engine, signed_in_editor: int
) -> None:
    with acting_as(EDITOR):
        with session_scope(engine) as s:
            spec = variants.VariantSpec(assistant_id=signed_in_editor)
            variant = variants.resolve_variant(session=s, spec=spec)
        sides = [live.Side(variant=variant, backend=SimulatorBackend()) for _ in range(2)]
        results = live.run_side_by_side(
            engine=engine, sides=sides, message="Hello there", comparison_id="c-1"
        )
    assert [r.status for r in results] == [TurnStatus.OK, TurnStatus.OK], [r.error for r in results]
    with session_scope(engine) as s:
        assert set(s.exec(select(Turn.user_name)).all()) == {"erin"}


def test_the_cases_of_a_suite_run_as_whoever_started_it(
    engine: Engine, signed_in_editor: int
) -> None:
    with acting_as(EDITOR):
        with session_scope(engine) as s:
            config = assistants.get_assistant(session=s, assistant_id=signed_in_editor).draft
            case = suites.CaseSpec(name="hello", turns=[suites.CaseTurn(message="Hello")])
            suite = suites.save_suite(
                session=s, assistant_id=signed_in_editor, name="s", cases=[case], config=config
            )
            spec = variants.VariantSpec(assistant_id=signed_in_editor)
            variant = variants.resolve_variant(session=s, spec=spec)
        done = runs.run_suite(
            engine=engine, backend=SimulatorBackend(), suite=suite, variants=[variant]
        )
    assert done[0].errored == 0, [o.reason for o in done[0].results]
    with session_scope(engine) as s:
        assert set(s.exec(select(Turn.user_name)).all()) == {"erin"}
