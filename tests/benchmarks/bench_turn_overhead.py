"""Studio overhead per chat turn, against a raw `openai` call to the same local fake server.

Run: python tests/benchmarks/bench_turn_overhead.py [--turns 100] [--chunks 10000]
Overhead = a whole `studio.chat.turn.run_turn` (input checks, tagging, retrieval over a
knowledge base of ~10,000 chunks embedded with the offline default, prompt building,
tool-loop bookkeeping, lint, logging to SQLite) minus the time spent waiting for the model's stream.
Targets: overhead p50 <= 25 ms, p95 <= 60 ms. Exits 1 when a target is missed.
The baseline is the same streamed request made with the bare `openai` client.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
# Measures the studio, not its usage limits: lift the per-person limit for real models.
os.environ.setdefault("STUDIO_TURNS_PER_MINUTE", "1000000")

from tests.benchmarks.bench_ingest import make_documents  # noqa: E402
from tests.fake_openai_server import FakeOpenAI  # noqa: E402

TARGET_P50_MS = 25.0
TARGET_P95_MS = 60.0
QUESTIONS = [
    "How long do refunds take?", "Do you ship to Canada?", "Where is my order NW-104233?",
    "My jacket zipper broke, is it under warranty?", "Can I pay with PayPal?",
    "How do I wash a down jacket?", "What sizes does the tent come in?", "I was charged twice!",
    "How do I start a return?", "Is express delivery available on weekends?",
]  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def build(data_dir: Path, chunks: int) -> tuple[object, object, int, int]:
    """The demo shop with a knowledge base of at least `chunks` chunks (reused if already built)."""
    os.environ["STUDIO_DATA_DIR"] = str(data_dir)
    from studio.core.config import get_settings
    from studio.core.db import session_scope
    from studio.design import assistants
    from studio.knowledge import bases
    from studio.startup import prepare_database

    get_settings.cache_clear()
    settings = get_settings()
    engine = prepare_database(settings.resolved_database_url, seed_demo=True)
    store = bases.open_store(settings)
    with session_scope(engine) as session:
        shop = next(a for a in assistants.list_assistants(session=session)
                    if a.template == "ecommerce_support")  # fmt: skip
        kb = bases.get_knowledge_base(session=session, assistant_id=shop.id)
        if kb is None:
            kb = bases.create_knowledge_base(session=session, store=store, assistant_id=shop.id)
            samples = sorted((ROOT / "data/samples/knowledge/ecommerce_support").iterdir())
            files = [bases.UploadedFile(name=p.name, data=p.read_bytes()) for p in samples]
            bases.add_files(session=session, store=store, knowledge_base_id=kb.id, files=files)
        total = sum(
            d.chunk_count for d in bases.list_documents(session=session, knowledge_base_id=kb.id)
        )
        batch = len(bases.list_documents(session=session, knowledge_base_id=kb.id)) // 100
        while total < chunks:
            docs = make_documents(100, seed=batch)
            files = [bases.UploadedFile(name=f"b{batch}-{n}", data=d) for n, d in docs]
            outcomes = bases.add_files(session=session, store=store,
                                           knowledge_base_id=kb.id, files=files)  # fmt: skip
            total += sum(o.chunk_count or 0 for o in outcomes)
            batch += 1
            print(f"  indexed {total:,} chunks", flush=True)
    return engine, store, shop.id, total


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=100)
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="keep the built knowledge base here and reuse it on the next run",
    )
    args = parser.parse_args()

    import openai

    from studio.chat import turn
    from studio.chat.providers import OpenAICompatibleBackend
    from studio.core.db import session_scope

    with tempfile.TemporaryDirectory() as tmp, FakeOpenAI() as server:
        started = time.perf_counter()
        data_dir = args.data_dir or Path(tmp) / "data"
        engine, store, assistant_id, total = build(data_dir, args.chunks)
        print(f"knowledge base: {total:,} chunks in {time.perf_counter() - started:.0f} s")
        with session_scope(engine) as session:  # type: ignore[arg-type]
            target = turn.draft_target(session=session, assistant_id=assistant_id)
        backend = OpenAICompatibleBackend(base_url=server.base_url)
        raw = openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0)

        overhead: list[float] = []
        totals: list[float] = []
        raw_ms: list[float] = []
        session_id = None
        for i in range(args.turns + 5):
            question = QUESTIONS[i % len(QUESTIONS)]
            result = turn.run_turn(engine=engine, backend=backend, target=target,  # type: ignore[arg-type]
                                   message=question, store=store, model="fake-model",  # type: ignore[arg-type]
                                   session_id=session_id)  # fmt: skip
            session_id = result.session_id
            assert result.status.value == "ok", result.error
            t0 = time.perf_counter()
            stream = raw.chat.completions.create(
                model="fake-model", messages=result.messages[:1] + result.messages[-1:],
                stream=True, stream_options={"include_usage": True},
            )  # fmt: skip
            text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
            assert text
            if i >= 5:  # warm-up turns load models and caches
                overhead.append(result.overhead_ms)
                totals.append(result.latency_ms)
                raw_ms.append((time.perf_counter() - t0) * 1000)

    p50, p95 = percentile(overhead, 0.5), percentile(overhead, 0.95)
    raw50, raw95 = percentile(raw_ms, 0.5), percentile(raw_ms, 0.95)
    tot50 = percentile(totals, 0.5)
    print(f"turns: {len(overhead)}  knowledge base: {total:,} chunks")
    mean = statistics.mean(overhead)
    print(f"studio overhead per turn: p50 {p50:.1f} ms (target <= {TARGET_P50_MS:.0f}), "
          f"p95 {p95:.1f} ms (target <= {TARGET_P95_MS:.0f}), mean {mean:.1f} ms")  # fmt: skip
    print(f"raw openai call (baseline): p50 {raw50:.1f} ms, p95 {raw95:.1f} ms")
    print(f"whole studio turn: p50 {tot50:.1f} ms -> {tot50 / raw50:.2f}x the raw call "
          f"(overhead p50 = {p50 / raw50:.2f}x the raw call)")  # fmt: skip
    ok = p50 <= TARGET_P50_MS and p95 <= TARGET_P95_MS
    print("PASS" if ok else "FAIL: overhead target missed")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
