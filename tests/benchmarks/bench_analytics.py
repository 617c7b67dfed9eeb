"""The Analytics page's computation at 1,000,000 turns in ~100,000 sessions (demo generator).

Run: python tests/benchmarks/bench_analytics.py [--turns 1000000] [--pg-turns 100000]
     [--rounds 2] [--cache /tmp/bench-analytics]
Targets (SQLite): the whole page (every KPI and chart, knowledge gaps, the first page of the
session list, the filter options) in <= 0.5 s and <= 2 x the raw SQL it runs; peak memory
<= 300 MB.
Figures, all in the same run on the same data (rounds alternate old and new code):
- page: the page's computation from the rollups, median of 3 warm runs (wall and CPU time);
- raw SQL: every statement the page ran, recorded and replayed on the driver, fetched, nothing
  built from the rows (the "SQL alone" of the page);
- old raw-table queries: the pre-rollup GROUP BY queries over turns, sessions and feedback
  (tests/analytics/raw_reference.py), the baseline of the same figures;
- peak memory of the page (tracemalloc) and the process's max RSS;
- rollups built from scratch (`rollups.rebuild`: the SQL of migration 0009's back-fill);
- the incremental refresh after 1,000 turns logged through the chat's own `log_turn`.
The generated database is cached in --cache and reused across runs (generation takes minutes).
PostgreSQL (when installed): the same generator on --pg-turns turns in SQLite and PostgreSQL;
the rollups and every KPI must be identical, and equal to the old queries (percentiles within
the rollups' bins).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("STUDIO_TURNS_PER_MINUTE", "1000000")

from sqlalchemy import delete, event, func, select  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from studio.analytics import charts, rollups, sessions  # noqa: E402
from studio.analytics.dashboard import build_dashboard  # noqa: E402
from studio.analytics.filters import Filters, filter_options  # noqa: E402
from studio.analytics.traffic import generate_traffic  # noqa: E402
from studio.chat import conversations  # noqa: E402
from studio.chat.results import TurnResult, TurnTarget  # noqa: E402
from studio.core.db import make_engine, session_scope  # noqa: E402
from studio.core.models import ChatSession, Turn, TurnSource  # noqa: E402
from studio.core.schema import upgrade_database  # noqa: E402
from studio.design.schemas import blank_config  # noqa: E402
from studio.design.seeding import seed_demo_assistants  # noqa: E402
from tests.analytics import raw_reference  # noqa: E402
from tests.analytics.rollup_checks import (  # noqa: E402
    percentile_error,
    reference_kpis,
    same_numbers,
    snapshot,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DAYS = 90
TARGET_S, TARGET_RATIO, TARGET_MB = 0.5, 2.0, 300.0
CPU: dict[str, float] = {}


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
    # The last 45 days against the 45 before: every turn is counted (both periods).
    end = NOW.date()
    return Filters(start=end - timedelta(days=DAYS // 2 - 1), end=end)


def page(session: Any, f: Filters) -> Any:
    """Everything the Analytics page computes for `f` (its first tab's session list too)."""
    options = filter_options(session=session)
    d = build_dashboard(session=session, filters=f)
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
        sessions.list_sessions(session=session, filters=f),
    ]
    return d, options, figures, tables


def timed(action: Callable[[], object], name: str, runs: int = 3) -> float:
    """Median wall time of `runs` runs; the median CPU time of this process goes to CPU[name]
    (on a shared machine CPU time is the figure that does not depend on the neighbours)."""
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        action()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    CPU[name] = statistics.median(cpu)
    return statistics.median(times)


def recorded_sql(engine: Engine, action: Callable[[], object]) -> list[tuple[str, Any]]:
    """The statements (with their parameters) `action` sends to the driver."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def replay(engine: Engine, statements: list[tuple[str, Any]]) -> None:
    """Run and fetch recorded statements on the driver's own cursor."""
    with engine.connect() as connection:
        cursor = connection.connection.cursor()
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            if cursor.description:
                cursor.fetchall()


def measure(url: str, rounds: int, old: bool) -> dict[str, Any]:
    """Page, its SQL replayed, and the old raw-table queries, alternating; memory; KPIs."""
    engine = make_engine(url)
    f = filters()
    out: dict[str, Any] = {"page": [], "sql": [], "old": []}
    with session_scope(engine) as session:
        page(session, f)  # warm the page cache and SQLAlchemy's statement cache
        statements = recorded_sql(engine, lambda: page(session, f))
        for _ in range(rounds):
            if old:
                out["old"].append(
                    timed(lambda: raw_reference.run_raw(session=session, filters=f), "old", 1)
                )
            out["page"].append(timed(lambda: page(session, f), "page"))
            out["sql"].append(timed(lambda: replay(engine, statements), "sql"))
        tracemalloc.start()
        d, *_ = page(session, f)
        out["peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        out["kpis"] = {k.key: (k.value, k.previous) for k in d.kpis}
        if old:
            out["old_kpis"] = reference_kpis(session, f)
            out["old_exact"] = reference_kpis(session, f, rebin=False)
        out["statements"] = len(statements)
    engine.dispose()
    return out


def rebuild_seconds(url: str) -> float:
    engine = make_engine(url)
    started = time.perf_counter()
    with session_scope(engine) as session:
        rollups.rebuild(session=session)
    engine.dispose()
    return time.perf_counter() - started


def incremental(url: str, turns: int = 1000) -> tuple[float, float, int]:
    """Log `turns` turns through log_turn (10 per session); time the refresh that follows;
    delete them again (and time that refresh) so the cached database stays as it was."""
    engine = make_engine(url)
    with session_scope(engine) as session:
        assistant_id = session.execute(select(func.min(ChatSession.assistant_id))).scalar_one()
        first_id = session.execute(select(func.max(Turn.id))).scalar_one()
    target = TurnTarget(assistant_id=assistant_id, config=blank_config(company_name="X"),
                        config_hash="h")  # fmt: skip
    session_id = None
    for i in range(turns):
        result = TurnResult(user_message=f"Where is order {i}?", reply="On its way.",
                            backend="simulator", backend_label="Simulator", model="m",
                            latency_ms=800.0 + i, ttft_ms=200.0, session_id=session_id)  # fmt: skip
        conversations.log_turn(engine=engine, target=target, result=result,
                               source=TurnSource.PREVIEW)  # fmt: skip
        session_id = result.session_id if (i + 1) % 10 else None
    started = time.perf_counter()
    keys = rollups.refresh_now(engine)
    refresh = time.perf_counter() - started
    with session_scope(engine) as session:
        ids = select(Turn.session_id).where(Turn.id > first_id).scalar_subquery()
        session.execute(delete(ChatSession).where(ChatSession.id.in_(ids)))  # type: ignore[attr-defined]
    started = time.perf_counter()
    rollups.refresh_now(engine)
    cleanup = time.perf_counter() - started
    engine.dispose()
    return refresh, cleanup, keys


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:8.0f} ms"


def report_sqlite(args: argparse.Namespace, url: str) -> bool:
    result = measure(url, args.rounds, old=True)
    page_s, sql_s = statistics.median(result["page"]), statistics.median(result["sql"])
    old_s = statistics.median(result["old"])
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"SQLite, {args.turns:,} turns, the whole Analytics page ({result['statements']} "
          f"statements), {args.rounds} rounds alternating old / new:")  # fmt: skip
    print(f"  page from the rollups (KPIs, charts, gaps, sessions): {_ms(result['page'])}  "
          f"CPU {CPU['page'] * 1000:.0f} ms")  # fmt: skip
    print(f"  its SQL alone, replayed on the driver:               {_ms(result['sql'])}  "
          f"CPU {CPU['sql'] * 1000:.0f} ms;  page / SQL = {page_s / sql_s:.2f} "
          f"(target <= {TARGET_RATIO:.0f})")  # fmt: skip
    print(f"  old raw-table aggregate queries alone (baseline):    {_ms(result['old'])}  "
          f"CPU {CPU['old'] * 1000:.0f} ms;  old / new page = {old_s / page_s:,.0f}")  # fmt: skip
    print(f"  peak Python memory of the page {result['peak_mb']:.1f} MB; process max RSS "
          f"{rss:.0f} MB (target <= {TARGET_MB:.0f} MB); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip
    differ = same_numbers(result["kpis"], result["old_kpis"])
    print(f"  KPIs vs the old queries: {'identical' if not differ else 'differ: ' + str(differ)} "
          f"(latency percentiles in the rollups' bins; vs the old 10 ms bins they differ by at "
          f"most {percentile_error(result['kpis'], result['old_exact']) * 100:.2f} %)")  # fmt: skip
    started = time.perf_counter()
    refresh, cleanup, keys = incremental(url)
    logged = time.perf_counter() - started - refresh - cleanup
    print(f"  1,000 turns logged with log_turn in {logged:.1f} s; the refresh after them: "
          f"{refresh * 1000:.0f} ms ({keys} day × assistant keys); "
          f"after deleting them: {cleanup * 1000:.0f} ms")  # fmt: skip
    if args.rebuild:
        print(f"  rollups built from scratch (migration back-fill SQL): "
              f"{rebuild_seconds(url):.1f} s")  # fmt: skip
    return page_s <= TARGET_S and page_s / sql_s <= TARGET_RATIO and rss <= TARGET_MB and not differ


def report_postgres(args: argparse.Namespace) -> bool:
    from tests.postgres import find_bin_dir, start_cluster

    if not args.pg_turns or find_bin_dir() is None:
        return True
    cluster = start_cluster()
    try:
        pg_url = cluster.create_database()
        lite = f"sqlite:///{args.cache / f'analytics-{args.pg_turns}.db'}"
        prepare(lite, args.pg_turns)
        generated = prepare(pg_url, args.pg_turns)
        rebuilt = rebuild_seconds(pg_url)
        lite_result = measure(lite, 1, old=True)
        pg_result = measure(pg_url, 1, old=True)
        same = [
            same_numbers(lite_result["kpis"], pg_result["kpis"]),
            same_numbers(pg_result["kpis"], pg_result["old_kpis"]),
        ]
        snapshots = []
        for url in (lite, pg_url):
            engine = make_engine(url)
            with session_scope(engine) as session:
                snapshots.append(snapshot(session))
            engine.dispose()
        equal = not any(same) and snapshots[0] == snapshots[1]
        print(f"PostgreSQL vs SQLite, {args.pg_turns:,} turns (generated in {generated:.0f} s, "
              f"rollups rebuilt in {rebuilt:.1f} s): rollups and KPIs "
              f"{'identical' if equal else 'DIFFER ' + str(same)}; page "
              f"{_ms(pg_result['page'])} vs {_ms(lite_result['page'])}, its SQL "
              f"{_ms(pg_result['sql'])} vs {_ms(lite_result['sql'])}, old queries "
              f"{_ms(pg_result['old'])} vs {_ms(lite_result['old'])}")  # fmt: skip
        return equal
    finally:
        cluster.stop()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=1_000_000)
    parser.add_argument("--pg-turns", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/bench-analytics"))
    parser.add_argument("--no-rebuild", dest="rebuild", action="store_false")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{args.cache / f'analytics-{args.turns}.db'}"
    generated = prepare(url, args.turns)
    if generated:
        print(f"generated {args.turns:,} turns in {generated:.0f} s (bulk inserts, triggers and "
              f"the rollups of what was written included; cached for the next run)")  # fmt: skip
    ok = report_sqlite(args, url)
    ok = report_postgres(args) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
