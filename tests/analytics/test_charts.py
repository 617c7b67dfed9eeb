"""Figure data of every chart, on the hand-countable dataset (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from studio.analytics import charts
from studio.analytics.dashboard import Dashboard, build_dashboard
from tests.analytics.dataset import PERIOD, build


@pytest.fixture
def d(session: Session) -> Dashboard:
    build(session)
    return build_dashboard(session=session, filters=PERIOD)


def traces(figure: object) -> dict[str, tuple[list[object], list[object]]]:
    return {t.name: (list(t.x), list(t.y)) for t in figure.data}  # type: ignore[attr-defined]


def test_volume_per_hour_for_a_short_range_split_by_version(d: Dashboard) -> None:
    data = traces(charts.volume_figure(d))
    assert sorted(data) == ["draft", "v1"]
    assert sum(data["v1"][1]) == 3 and sum(data["draft"][1]) == 1
    assert "per hour" in charts.volume_figure(d).layout.title.text


def test_latency_distribution_counts_every_reply(d: Dashboard) -> None:
    fig = charts.latency_figure(d)
    assert sum(sum(y) for _, y in traces(fig).values()) == 4
    assert "ms" in fig.layout.xaxis.title.text
    ttft = charts.latency_figure(d, "ttft")
    assert sum(sum(y) for _, y in traces(ttft).values()) == 3  # the failed turn has none


def test_cost_over_time(d: Dashboard) -> None:
    data = traces(charts.cost_figure(d))
    assert sum(data["v1"][1]) == pytest.approx(0.06) and sum(data["draft"][1]) == 0
    table = charts.cost_by_model(d)
    assert table.loc["m", "v1"] == pytest.approx(0.06)


def test_satisfaction_and_accuracy_trend(d: Dashboard) -> None:
    data = traces(charts.quality_figure(d))
    # 10 Nov, v1: 👍 T1, 👎 T2 → 50 %; 2 replies, 1 edited → 50 %. 11 Nov, v1: T4 👍 → 100 %.
    assert data["v1"][1] == [50.0, 100.0]  # satisfaction (solid)
    assert data["v1 accuracy"][1] == [50.0, 100.0]


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("intent", {("v1", "support request"): 2, ("v1", "information seeking"): 1,
                    ("draft", "complaint"): 1}),
        ("emotion", {("v1", "neutral"): 3, ("draft", "angry"): 1}),
        ("urgency", {("v1", "low"): 3, ("draft", "high"): 1}),
        ("tool_name", {("v1", "track order"): 1}),
    ],
)  # fmt: skip
def test_breakdowns(d: Dashboard, column: str, expected: dict[tuple[str, str], int]) -> None:
    got = {}
    for trace in charts.breakdown_figure(d, column).data:
        for label, n in zip(trace.y, trace.x, strict=True):
            if n:
                got[(trace.name, label)] = n
    assert got == expected


def test_cited_and_never_cited_documents(d: Dashboard) -> None:
    data = traces(charts.documents_figure(d))
    assert data["v1"] == ([2], ["returns.md"])
    assert charts.never_cited(d)["document"].tolist() == ["shipping.md"]


def test_hour_by_weekday_heatmap(d: Dashboard) -> None:
    grid = charts.heatmap_frame(d)
    assert grid.loc["Tue", 9] == 2 and grid.loc["Wed", 14] == 1 and grid.loc["Wed", 15] == 1
    assert int(grid.values.sum()) == 4
    assert int(charts.heatmap_frame(d, "draft").values.sum()) == 1


def test_knowledge_gap_table(d: Dashboard) -> None:
    table = charts.gaps_frame(d)
    assert table.to_dict("records") == [{"Topic": "information seeking",
                                         "Intent": "information seeking", "Questions": 1,
                                         "Example": "Do you ship to Mars?"}]  # fmt: skip


def test_every_chart_survives_no_data(session: Session) -> None:
    empty = build_dashboard(session=session, filters=PERIOD)
    for figure in (charts.volume_figure(empty), charts.latency_figure(empty),
                   charts.cost_figure(empty), charts.quality_figure(empty),
                   charts.documents_figure(empty), charts.breakdown_figure(empty, "intent"),
                   charts.heatmap_figure(empty)):  # fmt: skip
        assert figure.layout.title.text
    assert charts.gaps_frame(empty).empty and charts.never_cited(empty).empty
