"""Suite runs: 50 cases × 2 variants on the simulator, and a slow OpenAI-compatible server.

Run: python tests/benchmarks/bench_suites.py [--cases 50] [--server-cases 64]
1. Simulator: a 50-case suite (generated from the demo shop's configuration and knowledge base,
   cycled to 50) against two variants (the draft and version 1 with empathy 90), 2 threads, every
   turn logged to SQLite. Target <= 20 s on 2 cores. Baseline printed: the same turns run one after
   another with bare `run_turn` calls (no suite machinery, no assertions, no stored run).
2. Fake server answering each reply after 300 ms, concurrency 8. Target <= 1.3 × the ideal
   (case runs × 300 ms / 8), which is printed as the baseline. The target run measures the
   suite's own concurrency (threads, HTTP, assertions, logging) without a knowledge base; the
   same run with the demo knowledge base (retrieval on every turn, whose cost is the subject of
   bench_turn_overhead.py) is printed for information. Each is run 3 times after a warm-up;
   the best run counts (the others are printed).
Exits 1 when a target is missed. Figures on a shared machine are noisy; ratios hold.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
# Measures the studio, not its usage limits: lift the per-person limit for real models.
os.environ.setdefault("STUDIO_TURNS_PER_MINUTE", "1000000")

from tests.fake_openai_server import FakeOpenAI  # noqa: E402

SIM_TARGET_S = 20.0
SERVER_FACTOR = 1.3
DELAY_S = 0.3
WORKERS = 8
REPEATS = 3


def _serve(conn: Connection) -> None:
    with FakeOpenAI(reply_delay_s=DELAY_S) as server:
        conn.send(server.base_url)
        conn.recv()  # until the benchmark is done


@contextmanager
def serve_elsewhere() -> Iterator[str]:
    """The fake provider in its own process, as a real one would be (not sharing our GIL)."""
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.Process(target=_serve, args=(theirs,), daemon=True)
    process.start()
    try:
        yield str(ours.recv())
    finally:
        ours.send("stop")
        process.join(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=50)
    parser.add_argument("--server-cases", type=int, default=64)
    args = parser.parse_args()
    os.environ["STUDIO_DATA_DIR"] = tempfile.mkdtemp(prefix="bench_suites_")
    from studio.chat import turn
    from studio.chat.providers import OpenAICompatibleBackend
    from studio.chat.simulator import SimulatorBackend
    from studio.compare import generation, runs, suites, variants
    from studio.compare.assertions import Contains
    from studio.compare.suites import CaseSpec, CaseTurn
    from studio.core.config import get_settings
    from studio.core.db import session_scope
    from studio.core.models import TurnSource
    from studio.design import assistants
    from studio.startup import prepare_database, prepare_knowledge

    get_settings.cache_clear()
    settings = get_settings()
    engine = prepare_database(settings.resolved_database_url, seed_demo=True)
    store = prepare_knowledge(engine, settings, background=False)
    with session_scope(engine) as session:
        shop = next(
            a for a in assistants.list_assistants(session=session)
            if a.template == "ecommerce_support"
        )  # fmt: skip
        draft = assistants.get_assistant(session=session, assistant_id=shop.id).draft
        generated = generation.generate_cases(
            config=draft, session=session, store=store, assistant_id=shop.id
        )
        cases = [
            c.model_copy(update={"name": f"{c.name} #{i // len(generated) + 1}"})
            for i, c in enumerate(generated[i % len(generated)] for i in range(args.cases))
        ]
        suite = suites.save_suite(
            session=session, assistant_id=shop.id, name="Bench", cases=cases, config=draft
        )
        pair = [
            variants.resolve_variant(
                session=session, spec=variants.VariantSpec(assistant_id=shop.id)
            ),
            variants.resolve_variant(
                session=session,
                spec=variants.VariantSpec(
                    assistant_id=shop.id, version=1, overrides={"sliders": {"empathy": 90}}
                ),
            ),
        ]  # fmt: skip
    turns = sum(len(c.turns) for c in cases) * len(pair)

    # Warm-up (embedding model, prompt compilation) outside both timings.
    turn.run_turn(engine=engine, backend=SimulatorBackend(), target=pair[0].target,
                  message="hello", store=store, log=False)  # fmt: skip

    started = time.perf_counter()
    for variant in pair:
        for case in cases:
            history: list[turn.TurnResult] = []  # type: ignore[name-defined]
            for step in case.turns:
                history.append(
                    turn.run_turn(
                        engine=engine, backend=SimulatorBackend(), target=variant.target,
                        message=step.message, history=turn.history_of(history), store=store,
                        source=TurnSource.SUITE,
                    )
                )  # fmt: skip
    baseline_s = time.perf_counter() - started

    started = time.perf_counter()
    done = runs.run_suite(
        engine=engine, backend=SimulatorBackend(), suite=suite, variants=pair, store=store,
        concurrency=2,
    )  # fmt: skip
    sim_s = time.perf_counter() - started
    passed = sum(r.passed for r in done)
    print(f"simulator: {args.cases} cases × 2 variants = {turns} turns")
    print(f"  suite run (2 threads): {sim_s:6.2f} s   target <= {SIM_TARGET_S:.0f} s   "
          f"passed {passed}/{2 * args.cases}")  # fmt: skip
    print(f"  baseline, bare run_turn one after another: {baseline_s:6.2f} s")

    server_cases = [
        CaseSpec(name=f"Echo {i}", turns=[CaseTurn(message=f"Question number {i} about my order",
                                                  assertions=[Contains(text=f"number {i}")])])
        for i in range(args.server_cases)
    ]  # fmt: skip
    with session_scope(engine) as session:
        slow_suite = suites.save_suite(
            session=session, assistant_id=shop.id, name="Bench server", cases=server_cases,
            config=draft,
        )  # fmt: skip
    with serve_elsewhere() as base_url:
        backend = OpenAICompatibleBackend(base_url=base_url, api_key="k", max_retries=0)
        warm = slow_suite.model_copy(update={"cases": slow_suite.cases[:WORKERS]})
        runs.run_suite(engine=engine, backend=backend, suite=warm, variants=pair[:1],
                       store=store, concurrency=WORKERS, model="fake-model")  # fmt: skip
        timings: dict[str, list[float]] = {}
        passed_server: dict[str, int] = {}
        for _ in range(REPEATS):  # on a shared machine the best of a few runs is the least noisy
            for label, knowledge in (("no knowledge base", None), ("with knowledge base", store)):
                started = time.perf_counter()
                [slow] = runs.run_suite(
                    engine=engine, backend=backend, suite=slow_suite, variants=pair[:1],
                    store=knowledge, concurrency=WORKERS, model="fake-model",
                )  # fmt: skip
                timings.setdefault(label, []).append(time.perf_counter() - started)
                passed_server[label] = min(passed_server.get(label, slow.passed), slow.passed)
    server_s = min(timings["no knowledge base"])
    ideal_s = args.server_cases * DELAY_S / WORKERS
    print(f"fake server ({DELAY_S * 1000:.0f} ms per reply), {args.server_cases} cases, "
          f"concurrency {WORKERS}:")  # fmt: skip
    for label, all_s in timings.items():
        seconds = min(all_s)
        target = f"target <= {SERVER_FACTOR} ×" if label == "no knowledge base" else "(info)"
        print(f"  suite run, {label}: best {seconds:6.2f} s = {seconds / ideal_s:.2f} × ideal   "
              f"{target}   passed {passed_server[label]}/{args.server_cases}   "
              f"(all runs: {', '.join(f'{x:.2f}' for x in all_s)} s)")  # fmt: skip
    print(f"  ideal baseline (cases × {DELAY_S * 1000:.0f} ms / {WORKERS}): {ideal_s:6.2f} s")
    ok = sim_s <= SIM_TARGET_S and server_s <= SERVER_FACTOR * ideal_s
    ok = ok and passed == 2 * args.cases and min(passed_server.values()) == args.server_cases
    print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
