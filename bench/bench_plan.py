"""Benchmark: the offline plan against the bare cost of importing the same SDKs.

Prints medians of several runs of `python -m plan show production --json` and of a bare Python that
only imports the SDK modules the production stack uses, their ratio (target: at most 1.3x), and the
wall time of the whole test suite (target: under 90 s on a 2-core machine). Figures, not a test.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The SDKs the production stack imports (Kubernetes and Docker Build only where enabled).
BARE = "import pulumi, pulumi_github, pulumiverse_vercel, pulumiverse_sentry, pydantic, yaml"


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def median_of(command: list[str], runs: int) -> float:
    timed(command)  # warm the file cache
    return statistics.median(timed(command) for _ in range(runs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--skip-tests", action="store_true", help="do not time the test suite")
    args = parser.parse_args()
    python = sys.executable
    plan = median_of([python, "-m", "plan", "show", "production", "--json"], args.runs)
    bare = median_of([python, "-c", BARE], args.runs)
    print(f"plan show production --json : median {plan:.3f} s over {args.runs} runs")
    print(f"bare SDK imports            : median {bare:.3f} s over {args.runs} runs")
    print(f"ratio                       : {plan / bare:.2f}x (target <= 1.30x)")
    if not args.skip_tests:
        suite = timed([python, "-m", "pytest", "-q", "-p", "no:cacheprovider"])
        print(f"test suite wall time        : {suite:.1f} s (target < 90 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
