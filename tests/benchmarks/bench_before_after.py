"""Run benchmarks on an earlier revision and on this tree, alternately, and print both.

Run:  python tests/benchmarks/bench_before_after.py REV bench_design_pages.py bench_turn_overhead.py
      [--rounds 2] [-- extra arguments for every benchmark]

REV (a commit, tag or branch) is checked out into a temporary git worktree; each benchmark runs
there ("before") and here ("after"), alternating for `--rounds` rounds so both see the same
machine load, and each run's output is printed under its label. A benchmark that does not exist
in REV is run only here. The worktree is removed at the end.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def _run(tree: Path, bench: str, extra: list[str]) -> tuple[int, str]:
    script = tree / "tests" / "benchmarks" / bench
    if not script.exists():
        return 0, f"({bench} does not exist in this revision)\n"
    done = subprocess.run(
        [sys.executable, str(script), *extra],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout + (done.stderr[-2000:] if done.returncode else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="the earlier revision, e.g. main~3 or a commit")
    parser.add_argument("benchmarks", nargs="+", help="file names under tests/benchmarks/")
    parser.add_argument("--rounds", type=int, default=2)
    args, extra = parser.parse_known_args()
    extra = [a for a in extra if a != "--"]
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-before-") as tmp:
        before = Path(tmp) / "tree"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(before), args.rev],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        try:
            for bench in args.benchmarks:
                for round_no in range(1, args.rounds + 1):
                    for label, tree in (("BEFORE", before), ("AFTER", ROOT)):
                        code, output = _run(tree, bench, extra)
                        failed |= code != 0 and label == "AFTER"
                        where = args.rev if tree is before else "this tree"
                        print(f"===== {bench} · {label} ({where}) · round {round_no} · exit {code}")
                        print(output.rstrip(), flush=True)
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(before)], cwd=ROOT, check=False
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
