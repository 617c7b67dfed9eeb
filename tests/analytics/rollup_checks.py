"""What the rollup tests compare: the rollup tables' contents, the same recomputed from scratch,
and the dashboard's numbers against the pre-rollup queries over the raw tables."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from studio.analytics import aggregates, rollups
from studio.analytics.dashboard import build_dashboard, label_splits
from studio.analytics.filters import Filters, assistant_names, bin_width
from studio.analytics.kpis import compute_kpis
from tests.analytics import raw_reference

Snapshot = dict[str, list[tuple[Any, ...]]]


def snapshot(session: Session) -> Snapshot:
    """Every rollup row (surrogate ids left out, sums rounded past float noise), sorted."""
    out: Snapshot = {}
    for table in rollups.TABLES:
        columns = [c for c in table.__table__.columns if c.name != "id"]
        rows = []
        for row in session.execute(select(*columns)).all():
            rows.append(
                tuple(
                    round(v, 9)
                    if isinstance(v, float)
                    else getattr(v, "value", v)  # enums by value
                    for v in row
                )
            )
        out[table.__tablename__] = sorted(rows, key=repr)
    return out


def refreshed_equals_rebuilt(session: Session) -> tuple[Snapshot, Snapshot]:
    """The rollups after an incremental refresh, and after recomputing them from scratch."""
    rollups.refresh(session=session)
    incremental = snapshot(session)
    rollups.rebuild(session=session)
    return incremental, snapshot(session)


def reference_kpis(
    session: Session, filters: Filters, *, rebin: bool = True
) -> dict[str, tuple[Any, Any]]:
    """The KPIs from the pre-rollup queries over the raw tables, latencies put in the rollups'
    bins (a 10 ms bin lies inside one of them, so this is exact) unless not `rebin`."""
    frames = raw_reference.frames(session=session, filters=filters)
    latencies = frames["latencies"]
    if rebin and not latencies.empty:
        latencies["ms"] = [int(ms // bin_width(ms) * bin_width(ms)) for ms in latencies["ms"]]
    labelled, _ = label_splits(
        frames, names=assistant_names(session=session), by_version=filters.split_by_version
    )
    return {k.key: (k.value, k.previous) for k in compute_kpis(labelled)}


def dashboard_kpis(session: Session, filters: Filters) -> dict[str, tuple[Any, Any]]:
    return {
        k.key: (k.value, k.previous) for k in build_dashboard(session=session, filters=filters).kpis
    }


def same_numbers(a: dict[str, tuple[Any, Any]], b: dict[str, tuple[Any, Any]]) -> list[str]:
    """The keys whose numbers differ (beyond float noise)."""
    differ = []
    for key in a:
        for x, y in zip(a[key], b[key], strict=True):
            if (x is None) != (y is None) or (
                x is not None and not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)
            ):
                differ.append(f"{key}: {x} vs {y}")
    return differ


def percentile_error(new: dict[str, tuple[Any, Any]], old: dict[str, tuple[Any, Any]]) -> float:
    """The largest relative difference of the latency percentiles (new bins vs 10 ms bins)."""
    worst = 0.0
    for key in ("latency_p50", "latency_p95", "ttft_p50", "ttft_p95"):
        for x, y in zip(new[key], old[key], strict=True):
            if x is not None and y:
                worst = max(worst, abs(x - y) / y)
    return worst


def raw_rows(session: Session, filters: Filters) -> dict[str, int]:
    """Rows each pre-rollup query returns (to check a comparison had something to compare)."""
    return {
        name: len(rows)
        for name, rows in aggregates.run_raw(session=session, filters=filters).items()
    }
