"""The demo traffic generator and `python -m studio traffic generate`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from studio.analytics.dashboard import build_dashboard
from studio.analytics.filters import Filters
from studio.analytics.traffic import generate_traffic
from studio.chat import conversations
from studio.chat.results import TurnResult, TurnTarget
from studio.cli import app
from studio.core.db import session_scope
from studio.core.errors import InvalidInput
from studio.core.models import ChatSession, Feedback, Turn, TurnSource
from studio.design.schemas import blank_config
from studio.design.seeding import seed_demo_assistants

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def count(session: Session, table: type, *where: object) -> int:
    return int(session.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def test_generates_realistic_demo_sessions_for_the_demo_assistants(engine: Engine) -> None:
    with session_scope(engine) as session:
        seed_demo_assistants(session=session)
        made = generate_traffic(session=session, turns=1500, days=30, now=NOW)
    assert made.turns == 1500 and len(made.assistants) == 5 and 100 < made.sessions < 300
    with session_scope(engine) as session:
        assert count(session, Turn) == 1500
        assert count(session, Turn, Turn.source == TurnSource.DEMO) == 1500
        assert count(session, ChatSession, ChatSession.source == TurnSource.DEMO) == made.sessions
        assert count(session, Feedback) == made.feedback > 0
        turns_sum = session.execute(select(func.sum(ChatSession.turn_count))).scalar_one()
        assert turns_sum == 1500
        d = build_dashboard(session=session, filters=Filters(start=NOW.date() - timedelta(days=29),
                                                             end=NOW.date()))  # fmt: skip
        assert d.kpi("sessions").value and d.gaps.total > 0
        assert {"v1", "draft"} <= {s.split(" · ")[-1] for s in d.splits}  # two versions to compare
        first = session.execute(select(func.min(Turn.created_at))).scalar_one()
        last = session.execute(select(func.max(Turn.created_at))).scalar_one()
        assert NOW - timedelta(days=30) <= first and last <= NOW
    # The ids the generator wrote do not collide with the next logged turn (PostgreSQL sequences).
    with session_scope(engine) as session:
        assistant_id = session.execute(select(func.min(ChatSession.assistant_id))).scalar_one()
    result = TurnResult(user_message="hi", reply="hello", backend="simulator",
                        backend_label="Simulator", model="m")  # fmt: skip
    target = TurnTarget(assistant_id=assistant_id, config=blank_config(company_name="X"),
                        config_hash="h")  # fmt: skip
    conversations.log_turn(engine=engine, target=target, result=result, source=TurnSource.PREVIEW)
    assert result.log_error is None and result.turn_id is not None


def test_the_same_seed_makes_the_same_traffic(tmp_path: object) -> None:
    from studio.core.db import make_engine
    from studio.core.schema import upgrade_database

    totals = []
    for name in ("a", "b"):
        engine = make_engine(f"sqlite:///{tmp_path}/{name}.db")
        upgrade_database(engine)
        with session_scope(engine) as session:
            seed_demo_assistants(session=session)
            generate_traffic(session=session, turns=300, now=NOW, seed=5)
            totals.append(session.execute(
                select(func.sum(Turn.latency_ms), func.count(Feedback.id)).outerjoin(
                    Feedback, Feedback.turn_id == Turn.id)).one())  # fmt: skip
        engine.dispose()
    assert totals[0] == totals[1]


def test_bad_amounts_are_explained(session: Session) -> None:
    with pytest.raises(InvalidInput, match="between 1 and"):
        generate_traffic(session=session, turns=0)
    with pytest.raises(InvalidInput, match="1 to 3,650 days"):
        generate_traffic(session=session, turns=10, days=0)


def test_the_cli_generates_and_reports_mistakes_in_one_line() -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["traffic", "generate", "--turns", "120"])
    assert ok.exit_code == 0, ok.output
    assert "Added 120 demo turns" in ok.output
    bad = runner.invoke(app, ["traffic", "generate", "--turns", "0"])
    assert bad.exit_code == 2 and "error: Generate between 1" in bad.output
    unknown = runner.invoke(app, ["traffic", "generate", "--turns", "5", "--assistant", "Nobody"])
    assert unknown.exit_code != 0 and "Traceback" not in unknown.output
