"""Benchmark: the two hostile inputs of issue 10 that cost CPU/memory, before and after.

Run: python tests/benchmarks/bench_hostile_inputs.py
1. A tool parameter with ``"pattern": "^(a+)+$"`` and an argument of n "a"s plus "!": the old
   path (jsonschema with Python's backtracking ``re``) doubles its time with every character, so
   it is measured at small n and extrapolated to 32; the studio's check (RE2) is measured at 32
   and at 100,000 characters.
2. A billion-laughs YAML import (10 aliases per level): the old loader (yaml.safe_load) reads it
   at once, but counting what it expands to — what validation then walks — grows tenfold per
   level; the studio's loader refuses it before construction.
Exits 1 if the studio's check of the 32-character argument takes over 10 ms or the refusal over
100 ms. Figures vary on a shared machine; the baseline is measured in the same run.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import yaml
from jsonschema import Draft202012Validator

from studio.core import safe_yaml
from studio.design import tools
from studio.design.schemas import ToolSpec

SCHEMA = {"type": "object", "properties": {"code": {"type": "string", "pattern": "^(a+)+$"}}}


def _seconds(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _laughs(levels: int) -> str:
    lines = ['a0: &a0 "lol"']
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def _expanded(value: Any) -> int:
    count, stack = 0, [value]
    while stack:
        item = stack.pop()
        count += 1
        if count > 10_000_000:
            break
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return count


def main() -> int:
    tool = ToolSpec(name="get_code", parameters=SCHEMA, mock_response="{}")
    print("1. pattern ^(a+)+$ against 'a' * n + '!'")
    old = Draft202012Validator(SCHEMA)
    times = {n: _seconds(lambda n=n: list(old.iter_errors({"code": "a" * n + "!"})))
             for n in (18, 20, 22)}  # fmt: skip
    for n, seconds in times.items():
        print(f"   baseline jsonschema + re, n={n}: {seconds * 1000:9.1f} ms")
    per_char = (times[22] / times[18]) ** (1 / 4)
    print(f"   baseline extrapolated to n=32: {times[22] * per_char**10:9.0f} s "
          f"(×{per_char:.2f} per character)")  # fmt: skip
    tools.check_arguments(tool, {"code": "a"})  # warm-up: compiles the schema check once
    new_32 = _seconds(lambda: tools.check_arguments(tool, {"code": "a" * 32 + "!"}))
    new_big = _seconds(lambda: tools.check_arguments(tool, {"code": "a" * 100_000 + "!"}))
    print(f"   studio (RE2), n=32: {new_32 * 1000:9.3f} ms; n=100,000: {new_big * 1000:9.3f} ms")

    print("2. billion-laughs YAML (10 aliases per level)")
    for levels in (5, 6, 7):
        text = _laughs(levels)
        started = time.perf_counter()
        value = yaml.safe_load(text)
        load = time.perf_counter() - started
        started = time.perf_counter()
        values = _expanded(value)
        walk = time.perf_counter() - started
        print(f"   baseline {len(text):5d} bytes, {levels} levels: load {load * 1000:7.1f} ms, "
              f"walking {values:>10,} values {walk * 1000:9.1f} ms")  # fmt: skip
    text = _laughs(9)

    def refuse() -> None:
        try:
            safe_yaml.load_yaml(text)
        except safe_yaml.UnsafeDocument:
            return
        raise AssertionError("the bomb was accepted")

    refused = _seconds(refuse)
    print(
        f"   studio: {len(text)} bytes, 9 levels (10^8 values) refused in {refused * 1000:.2f} ms"
    )
    ok = new_32 < 0.010 and refused < 0.100
    print("target met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
