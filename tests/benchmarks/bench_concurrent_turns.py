"""Chat history under the studio's own load: 50 concurrent sessions x 20 turns, none lost.

Run: python tests/benchmarks/bench_concurrent_turns.py [--sessions 50] [--turns 20]
     [--backends sqlite,postgresql]
Every turn goes through the real `studio.chat.turn.run_turn` (offline simulator, logging on) from
its own thread, one thread per chat session, all started together. A turn is lost when it comes
back with a log error or is missing from the database afterwards. Target: 0 lost on SQLite and on
PostgreSQL (started the way tests/postgres.py does, when it is installed). Exits 1 when a turn is
lost. The baseline is the same turns run one after another from a single thread in the same run
(no contention), so turns/s under load can be read against it.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

MESSAGES = ["Hello!", "Where is my order NW-104233?", "How long do refunds take?",
            "Do you ship to Canada?", "I was charged twice!"]  # fmt: skip


def run_load(url: str, sessions: int, turns: int) -> tuple[float, int, int, list[str]]:
    """(seconds, turns logged, turns lost, distinct log errors) for `sessions` threads."""
    from sqlalchemy import func, select

    from studio.chat.simulator import SimulatorBackend
    from studio.chat.turn import draft_target, run_turn
    from studio.core.db import session_scope
    from studio.core.models import Turn
    from studio.design import assistants
    from studio.startup import prepare_database

    engine = prepare_database(url, seed_demo=True)
    with session_scope(engine) as db:
        assistant = assistants.list_assistants(session=db)[0]
        target = draft_target(session=db, assistant_id=assistant.id)
        before = db.execute(select(func.count()).select_from(Turn)).scalar_one()
    backend = SimulatorBackend()
    errors: list[str] = []
    lost = 0
    lock = threading.Lock()
    gate = threading.Barrier(sessions)

    def chat() -> None:
        nonlocal lost
        session_id = None
        gate.wait()
        for n in range(turns):
            message = MESSAGES[n % len(MESSAGES)]
            result = run_turn(engine=engine, backend=backend, target=target,
                              message=message, session_id=session_id)  # fmt: skip
            if result.log_error or result.turn_id is None:
                with lock:
                    lost += 1
                    errors.append(result.log_error or "no turn id")
            session_id = result.session_id or session_id

    threads = [threading.Thread(target=chat) for _ in range(sessions)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    with session_scope(engine) as db:
        stored = db.execute(select(func.count()).select_from(Turn)).scalar_one() - before
    engine.dispose()
    missing = sessions * turns - stored
    return seconds, stored, max(lost, missing), sorted(set(errors))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    os.environ.setdefault("STUDIO_DATA_DIR", tempfile.mkdtemp(prefix="bench-turns-"))
    total = args.sessions * args.turns
    print(f"{args.sessions} sessions x {args.turns} turns = {total} turns per run (simulator)")
    failed = False
    for backend in args.backends.split(","):
        cluster = None
        if backend == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="bench-sqlite-"))
            urls = [f"sqlite:///{folder / 'base.db'}", f"sqlite:///{folder / 'load.db'}"]
        else:
            from tests.postgres import find_bin_dir, start_cluster

            if find_bin_dir() is None:
                print("postgresql: not installed here, skipped (bash tests/run installs it)")
                continue
            cluster = start_cluster()
            urls = [cluster.create_database(), cluster.create_database()]
        try:
            base_s, base_n, base_lost, _ = run_load(urls[0], 1, total)
            load_s, load_n, load_lost, errors = run_load(urls[1], args.sessions, args.turns)
        finally:
            if cluster is not None:
                cluster.stop()
        print(f"{backend}: baseline 1 thread  {base_n / base_s:7.1f} turns/s, lost {base_lost}")
        print(f"{backend}: {args.sessions} threads    {load_n / load_s:7.1f} turns/s, lost "
              f"{load_lost} of {total}  (target 0)")  # fmt: skip
        for error in errors:
            print(f"  {error}")
        failed = failed or load_lost > 0 or base_lost > 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
