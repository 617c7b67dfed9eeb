"""A live compare turn's wall time against the slower side alone (both measured in this run).

Run: python tests/benchmarks/bench_compare_turn.py [--turns 15]
Both sides talk to the local fake OpenAI-compatible server over real HTTP, with fixed provider
delays of 200 ms and 600 ms before the first byte (models `fake-delay-200` / `fake-delay-600`).
Each side alone is one `studio.chat.turn.run_turn` (logged to SQLite, no knowledge base); the
compare turn is `studio.compare.live.run_side_by_side` with both. Medians over --turns.
Target: compare wall ≤ 1.15 × the slower side alone. Exits 1 when it is missed.
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

from tests.fake_openai_server import FakeOpenAI  # noqa: E402

TARGET_RATIO = 1.15
FAST, SLOW = "fake-delay-200", "fake-delay-600"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=15)
    args = parser.parse_args()
    os.environ["STUDIO_DATA_DIR"] = tempfile.mkdtemp(prefix="bench-compare-")
    from studio.chat import turn
    from studio.chat.providers import make_backend
    from studio.compare.live import Side, new_comparison_id, run_side_by_side, stream_side_by_side
    from studio.compare.variants import Overrides, VariantSpec, resolve_variant
    from studio.core.config import get_settings
    from studio.core.db import session_scope
    from studio.core.models import TurnSource
    from studio.design import assistants
    from studio.startup import prepare_database

    engine = prepare_database(get_settings().resolved_database_url, seed_demo=True)
    with session_scope(engine) as session:
        shop = next(a.id for a in assistants.list_assistants(session=session)
                    if a.template == "ecommerce_support")  # fmt: skip
        variants = [
            resolve_variant(session=session, spec=VariantSpec(
                assistant_id=shop, version=1, overrides=Overrides(model=model)))
            for model in (FAST, SLOW)
        ]  # fmt: skip
    with FakeOpenAI() as server:
        backend = make_backend(preset="custom", base_url=server.base_url, api_key="bench")
        sides = [Side(variant=v, backend=backend) for v in variants]
        message = "Where is my parcel? It has been a week."
        # Warm-up: tokenizer vocabulary, connection setup, first compile.
        run_side_by_side(engine=engine, sides=sides, message=message, comparison_id="warm")
        alone: dict[str, list[float]] = {FAST: [], SLOW: []}
        both: list[float] = []
        fast_first_in_compare: list[float] = []
        for _ in range(args.turns):
            for side, model in zip(sides, (FAST, SLOW), strict=True):
                started = time.perf_counter()
                turn.run_turn(engine=engine, backend=backend, target=side.variant.target,
                              message=message, source=TurnSource.COMPARE)  # fmt: skip
                alone[model].append(time.perf_counter() - started)
            started = time.perf_counter()
            first: float | None = None
            for event in stream_side_by_side(
                engine=engine, sides=sides, message=message, comparison_id=new_comparison_id()
            ):
                if event.side == 0 and event.kind == "text" and first is None:
                    first = time.perf_counter() - started
            both.append(time.perf_counter() - started)
            fast_first_in_compare.append(first or 0.0)
    med = {k: statistics.median(v) * 1000 for k, v in alone.items()}
    compare_ms = statistics.median(both) * 1000
    ratio = compare_ms / med[SLOW]
    print(f"turns: {args.turns} (medians; 2 cores, other work on the machine adds noise)")
    print(f"fast side alone   ({FAST}): {med[FAST]:7.1f} ms")
    print(f"slow side alone   ({SLOW}): {med[SLOW]:7.1f} ms   <- baseline (the slower side)")
    print(
        f"both one after the other    : {med[FAST] + med[SLOW]:7.1f} ms   (what serial would cost)"
    )
    print(f"compare turn (both at once) : {compare_ms:7.1f} ms")
    print(f"fast side's first text in a compare turn: "
          f"{statistics.median(fast_first_in_compare) * 1000:.1f} ms")  # fmt: skip
    print(f"ratio compare / slower side : {ratio:.3f}  (target <= {TARGET_RATIO})")
    ok = ratio <= TARGET_RATIO
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
