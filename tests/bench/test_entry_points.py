"""Every benchmark runs the way `make bench` runs it: `python -m bench.<name>` from the repository root."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from plan.harness import ROOT

MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def _listed() -> list[str]:
    match = re.search(r"^BENCHMARKS\s*:=\s*(.+)$", MAKEFILE, re.MULTILINE)
    assert match, "the Makefile lists its benchmarks in BENCHMARKS := ..."
    return match.group(1).split()


def test_the_makefile_lists_every_benchmark_and_runs_each_as_a_module():
    scripts = sorted(f"bench.{p.stem}" for p in (ROOT / "bench").glob("bench_*.py"))
    assert sorted(_listed()) == scripts
    recipe = MAKEFILE.split("\nbench:", 1)[1].split("\n\n", 1)[0]
    assert "$(PY) -m $$module" in recipe and "bench/" not in recipe


@pytest.mark.parametrize("module", _listed())
def test_each_benchmark_entry_point_starts(module):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # as make runs it: no test path tricks
    proc = subprocess.run([sys.executable, "-m", module, "--help"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: ")
