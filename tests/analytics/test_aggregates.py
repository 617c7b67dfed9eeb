"""Every KPI and aggregate on the hand-countable dataset (tests/analytics/dataset.py), on SQLite
and PostgreSQL; the satisfaction, containment and abandonment definitions; filters; gaps."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from studio.analytics.dashboard import Dashboard, build_dashboard
from studio.analytics.filters import DRAFT
from studio.analytics.gaps import group_similar
from studio.core.errors import InvalidInput
from studio.core.models import TurnSource
from tests.analytics.dataset import PERIOD, build


def kpis(d: Dashboard) -> dict[str, float | None]:
    return {k.key: k.value for k in d.kpis}


def test_every_kpi_matches_the_hand_count(session: Session) -> None:
    build(session)
    d = build_dashboard(session=session, filters=PERIOD)
    got = kpis(d)
    expected = {
        "sessions": 3,
        "messages": 7,  # 4 customer messages + 3 replies (T3 failed)
        "turns_per_session": 4 / 3,
        "latency_p50": 200,  # nearest rank 2 of [100, 200, 300, 400]
        "latency_p95": 400,
        "ttft_p50": 70,  # rank 2 of [50, 70, 90]
        "ttft_p95": 90,
        "tokens": 100,
        "cost": 0.06,
        "satisfaction": 2 / 3,  # 👍 T1, T4; 👎 T2; unrated T3 does not count
        "accuracy": 2 / 3,  # T2 corrected, out of 3 replies
        "escalation": 1 / 3,
        "containment": 2 / 3,  # S1 escalated
        "abandonment": 1 / 3,  # S2 ended on a failed turn
        "ungrounded": 1 / 3,  # T2 out of T1, T2, T4
        "brand_violations": 100 / 3,
        "error_rate": 1 / 4,
    }
    assert got == pytest.approx(expected)


def test_each_kpi_is_compared_with_the_previous_period_of_equal_length(session: Session) -> None:
    build(session)
    d = build_dashboard(session=session, filters=PERIOD)
    assert d.kpi("sessions").previous == 1 and d.kpi("sessions").change == pytest.approx(200.0)
    assert d.kpi("latency_p50").previous == 500
    assert d.kpi("cost").previous == pytest.approx(0.05)
    satisfaction = d.kpi("satisfaction")
    assert satisfaction.previous == 0.0  # one 👎
    assert satisfaction.change == pytest.approx(200 / 3)  # percentage points
    assert satisfaction.change_text() == "+66.7 pp"
    assert "3 rated replies" in satisfaction.detail


def test_unrated_replies_do_not_dilute_satisfaction(session: Session) -> None:
    build(session)
    only_draft = PERIOD.model_copy(update={"versions": (DRAFT,)})
    d = build_dashboard(session=session, filters=only_draft)
    assert d.kpi("satisfaction").value is None  # nothing rated: no number, not 0 %
    assert d.kpi("abandonment").value == 1.0 and d.kpi("containment").value == 1.0


def test_sources_and_versions_filter(session: Session) -> None:
    build(session)
    preview = build_dashboard(
        session=session, filters=PERIOD.model_copy(update={"sources": (TurnSource.PREVIEW,)})
    )
    assert kpis(preview)["sessions"] == 2 and kpis(preview)["messages"] == 5
    v1 = build_dashboard(session=session, filters=PERIOD.model_copy(update={"versions": (1,)}))
    assert kpis(v1)["sessions"] == 2 and kpis(v1)["error_rate"] == 0.0


def test_split_by_version(session: Session) -> None:
    build(session)
    d = build_dashboard(session=session, filters=PERIOD)
    assert d.splits == ["draft", "v1"]
    table = d.kpis_by_split()
    assert table.loc["Sessions", "v1"] == "2" and table.loc["Sessions", "draft"] == "1"
    assert table.loc["Error rate", "draft"] == "100.0 %"
    merged = build_dashboard(
        session=session, filters=PERIOD.model_copy(update={"split_by_version": False})
    )
    assert merged.splits == ["All"]


def test_knowledge_gaps(session: Session) -> None:
    build(session)
    gaps = build_dashboard(session=session, filters=PERIOD).gaps
    assert gaps.total == 1
    assert [(g.intent, g.count, g.example) for g in gaps.by_intent] == [
        ("information_seeking", 1, "Do you ship to Mars?")
    ]
    higher = build_dashboard(
        session=session, filters=PERIOD.model_copy(update={"gap_threshold": 0.85})
    ).gaps
    assert higher.total == 2  # T1 (0.8) joins; T4 (0.9) stays out; T3 had no retrieval


def test_similar_questions_are_grouped() -> None:
    groups = group_similar([
        ("Do you ship to Antarctica?", "information_seeking"),
        ("Can I pay with bitcoin?", "purchase_intent"),
        ("Do you ship to Antarctica research stations?", "information_seeking"),
        ("do you ship to antarctica", "information_seeking"),
    ])  # fmt: skip
    assert [(g.count, g.example) for g in groups] == [
        (3, "Do you ship to Antarctica?"),
        (1, "Can I pay with bitcoin?"),
    ]


def test_an_empty_range_is_empty_not_an_error(session: Session) -> None:
    build(session)
    nothing = PERIOD.model_copy(update={"assistant_ids": (999,)})
    d = build_dashboard(session=session, filters=nothing)
    assert d.empty and d.kpi("sessions").value == 0 and d.kpi("satisfaction").value is None


def test_a_backwards_range_is_explained(session: Session) -> None:
    backwards = PERIOD.model_copy(update={"start": PERIOD.end, "end": PERIOD.start})
    with pytest.raises(InvalidInput, match="end date is before the start"):
        build_dashboard(session=session, filters=backwards)
