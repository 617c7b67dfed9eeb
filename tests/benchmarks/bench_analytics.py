"""The Analytics page's computation at 1,000,000 turns in ~100,000 sessions (demo generator).

Run: python tests/benchmarks/bench_analytics.py [--turns 1000000] [--db PATH] [--pg-turns 20000]
Targets (SQLite): every KPI and chart of the page in <= 0.5 s and <= 2 x the raw SQL aggregate
queries alone; peak memory <= 300 MB. Baseline, measured in the same run on the same data: the
same SQL statements executed and fetched (`aggregates.run_raw`), nothing built from them.
The page's figure: `build_dashboard` (aggregates, KPIs with previous period, per-version table,
knowledge gaps) plus every Plotly figure and table of the page. Median of 3 warm runs.
PostgreSQL (when installed): the same generator and queries on --pg-turns turns in both
databases must give identical KPIs.
A DB file given with --db is reused when it already holds the turns (generation takes minutes).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from studio.analytics import aggregates, charts  # noqa: E402
from studio.analytics.dashboard import build_dashboard  # noqa: E402
from studio.analytics.filters import Filters  # noqa: E402
from studio.analytics.traffic import generate_traffic  # noqa: E402
from studio.core.db import make_engine, session_scope  # noqa: E402
from studio.core.models import Turn  # noqa: E402
from studio.core.schema import upgrade_database  # noqa: E402
from studio.design.seeding import seed_demo_assistants  # noqa: E402

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DAYS = 90
TARGET_S, TARGET_RATIO, TARGET_MB = 0.5, 2.0, 300.0


def prepare(url: str, turns: int) -> float:
    """Fill the database (if it does not hold `turns` turns yet); return the seconds it took."""
    engine = make_engine(url)
    upgrade_database(engine)
    with session_scope(engine) as session:
        have = session.execute(select(func.count()).select_from(Turn)).scalar_one()
        if have >= turns:
            return 0.0
        seed_demo_assistants(session=session)
    started = time.perf_counter()
    with session_scope(engine) as session:
        generate_traffic(session=session, turns=turns - have, days=DAYS, now=NOW)
    engine.dispose()
    return time.perf_counter() - started


def filters() -> Filters:
    # The last 45 days against the 45 before: every turn is read (both periods).
    end = NOW.date()
    return Filters(start=end - timedelta(days=DAYS // 2 - 1), end=end)


def page(session: object, f: Filters) -> object:
    d = build_dashboard(session=session, filters=f)  # type: ignore[arg-type]
    figures = [
        charts.volume_figure(d),
        charts.latency_figure(d),
        charts.latency_figure(d, "ttft"),
        charts.cost_figure(d),
        charts.quality_figure(d),
        charts.heatmap_figure(d),
        charts.documents_figure(d),
        *(charts.breakdown_figure(d, c) for c in charts.LABELS),
    ]
    tables = [
        d.kpis_by_split(),
        charts.never_cited(d),
        charts.cost_by_model(d),
        charts.gaps_frame(d),
        charts.gaps_frame(d, by="similarity"),
    ]
    return d, figures, tables


CPU: dict[str, float] = {}


def timed(action: object, runs: int = 3, name: str = "") -> float:
    """Median wall time of `runs` runs; the median CPU time of this process goes to CPU[name]
    (on a shared machine the CPU time is the figure that does not depend on the neighbours)."""
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        action()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    CPU[name] = statistics.median(cpu)
    return statistics.median(times)


def measure(url: str) -> tuple[float, float, float, list[object]]:
    engine = make_engine(url)
    f = filters()
    with session_scope(engine) as session:
        page(session, f)  # warm the caches (page cache, SQLAlchemy statement cache)
        raw = timed(lambda: aggregates.run_raw(session=session, filters=f), name="raw")
        full = timed(lambda: page(session, f), name="page")
        tracemalloc.start()
        d, _, _ = page(session, f)  # type: ignore[misc]
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    engine.dispose()
    return raw, full, peak / 2**20, [(k.key, k.value, k.previous) for k in d.kpis]  # type: ignore[attr-defined]


def same(a: list[object], b: list[object]) -> bool:
    for (key, v1, p1), (_, v2, p2) in zip(a, b, strict=True):  # type: ignore[misc]
        for x, y in ((v1, v2), (p1, p2)):
            if (x is None) != (y is None) or (x is not None and abs(x - y) > 1e-6 * max(1, abs(x))):
                print(f"  differs: {key}: {x} vs {y}")
                return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--pg-turns", type=int, default=20_000)
    args = parser.parse_args()
    path = args.db or Path(tempfile.mkdtemp(prefix="bench_analytics_")) / "studio.db"
    url = f"sqlite:///{path}"
    generated = prepare(url, args.turns)
    if generated:
        print(
            f"generated {args.turns:,} turns in {generated:.0f} s ({args.turns / generated:,.0f} "
            "turns/s, bulk inserts)"
        )
    raw, full, peak, _ = measure(url)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ratio = full / raw
    print(f"SQLite, {args.turns:,} turns, all KPIs + charts of the page (median of 3):")
    print(f"  raw SQL aggregates alone (baseline): {raw * 1000:8.0f} ms")
    print(
        f"  page computation:                    {full * 1000:8.0f} ms  "
        f"({ratio:.2f} x baseline; target <= {TARGET_RATIO:.0f} x, <= {TARGET_S * 1000:.0f} ms)"
    )
    print(
        f"  CPU time of this process: raw {CPU['raw'] * 1000:.0f} ms, "
        f"page {CPU['page'] * 1000:.0f} ms (SQLite runs in-process: no waiting for a core); load "
        f"average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"  peak Python memory while computing:  {peak:8.1f} MB; process max RSS {rss:.0f} MB "
        f"(target <= {TARGET_MB:.0f} MB)"
    )
    ok = ratio <= TARGET_RATIO and full <= TARGET_S and rss <= TARGET_MB

    from tests.postgres import find_bin_dir, start_cluster

    if args.pg_turns and find_bin_dir() is not None:
        cluster = start_cluster()
        try:
            pg_url = cluster.create_database()
            lite = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bench_analytics_')) / 'small.db'}"
            prepare(lite, args.pg_turns)
            prepare(pg_url, args.pg_turns)
            lite_raw, lite_full, _, lite_kpis = measure(lite)
            pg_raw, pg_full, _, pg_kpis = measure(pg_url)
            equal = same(lite_kpis, pg_kpis)
            print(
                f"PostgreSQL vs SQLite, {args.pg_turns:,} turns, same generator and queries: "
                f"KPIs {'identical' if equal else 'DIFFER'}; raw {pg_raw * 1000:.0f} ms vs "
                f"{lite_raw * 1000:.0f} ms, page {pg_full * 1000:.0f} ms vs "
                f"{lite_full * 1000:.0f} ms"
            )
            ok = ok and equal
        finally:
            cluster.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
