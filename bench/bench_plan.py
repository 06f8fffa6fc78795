"""Benchmark: the offline plan against the bare cost of importing the same SDKs.

Prints medians of `python -m plan show production --json` and of a bare Python that only imports
the SDK modules the production stack uses, their ratio (target: at most 1.3x), and the wall time of
the whole test suite (target: under 90 s on a 2-core machine). Figures, not a test.

Runs of the two commands alternate, so a change in the machine's load hits both alike; each run is
measured in wall time and in CPU time (user + system of the child), and the CPU ratio is the one to
trust on a shared machine, where waiting for a core inflates wall times. Two baselines: the bare
imports as first measured (``import pydantic``, which is lazy), and the same with pydantic's
``BaseModel``/``SecretStr`` imported, which is what the config model actually loads of that SDK.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The SDKs the production stack imports (Kubernetes and Docker Build only where enabled).
BARE = "import pulumi, pulumi_github, pulumiverse_vercel, pulumiverse_sentry, pydantic, yaml"
# `import pydantic` alone is lazy: it loads neither BaseModel nor the validators a model needs, so
# BARE under-counts that SDK. This one imports from it what the config model uses.
BARE_MODEL = "import pulumi, pulumi_github, pulumiverse_vercel, pulumiverse_sentry, yaml; from pydantic import BaseModel, SecretStr"
TARGET = 1.30


# As on a user's machine, Python caches the project's bytecode (the installed SDKs have theirs):
# an environment that turns the cache off would have every plan recompile the project's modules.
ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def compare(commands: list[list[str]], runs: int) -> list[list[tuple[float, float]]]:
    """Runs of the commands in turn, after one warm-up run of each (file and bytecode caches)."""
    for command in commands:
        timed(command)
    results: list[list[tuple[float, float]]] = [[] for _ in commands]
    for _ in range(runs):
        for command, result in zip(commands, results):
            result.append(timed(command))
    return results


def _median(runs: list[tuple[float, float]], what: int) -> float:
    return statistics.median(run[what] for run in runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--skip-tests", action="store_true", help="do not time the test suite")
    args = parser.parse_args()
    python = sys.executable
    plan, bare, bare_model = compare(
        [[python, "-m", "plan", "show", "production", "--json"], [python, "-c", BARE], [python, "-c", BARE_MODEL]], args.runs
    )
    for label, what in (("wall", 0), ("CPU", 1)):
        p, b, m = _median(plan, what), _median(bare, what), _median(bare_model, what)
        print(f"plan show production --json          : {label:4} median {p:.3f} s over {args.runs} runs")
        print(f"bare SDK imports                     : {label:4} median {b:.3f} s   ratio {p / b:.2f}x (target <= {TARGET:.2f}x)")
        print(f"bare SDK imports + pydantic.BaseModel: {label:4} median {m:.3f} s   ratio {p / m:.2f}x (target <= {TARGET:.2f}x)")
    if not args.skip_tests:
        suite, _ = timed([python, "-m", "pytest", "-q", "-p", "no:cacheprovider"])
        print(f"test suite wall time        : {suite:.1f} s (target < 90 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
