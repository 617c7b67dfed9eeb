"""Benchmark: compiling a realistic, fully filled-in configuration into a prompt (target ≤ 5 ms).

Run: python tests/benchmarks/bench_compile.py [--runs N]
Compiles every shipped template (the largest realistic configurations we have) N times each,
after one warm-up call (which loads the token vocabulary once per process), and prints the
median and p95 per compile, plus the configuration check for comparison. Exits 1 if the median
misses the target.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from studio.core.tokens import token_count_method
from studio.design.checks import check_config
from studio.design.prompting import compile_prompt
from studio.design.templates import list_templates

TARGET_MS = 5.0


def _time(fn: object, config: object, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn(config)  # type: ignore[operator]
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _p95(samples: list[float]) -> float:
    return sorted(samples)[max(0, round(0.95 * len(samples)) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()

    templates = list_templates()
    start = time.perf_counter()
    compile_prompt(templates[0].config)
    print(
        f"first compile (loads the token vocabulary): {(time.perf_counter() - start) * 1000:.0f} ms"
    )
    print(f"token counting: {token_count_method()}")

    worst = 0.0
    for template in templates:
        config = template.config
        compiled = compile_prompt(config)
        samples = _time(compile_prompt, config, args.runs)
        checks = _time(check_config, config, args.runs)
        median = statistics.median(samples)
        worst = max(worst, median)
        print(
            f"{template.key:<24} {compiled.token_count:>5} tokens {len(compiled.sections):>2} "
            f"sections  compile median {median:.2f} ms  p95 {_p95(samples):.2f} ms  "
            f"| check median {statistics.median(checks):.2f} ms"
        )
    verdict = "OK" if worst <= TARGET_MS else "MISSED"
    print(f"worst median {worst:.2f} ms vs target {TARGET_MS:.0f} ms: {verdict}")
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
