"""Benchmark: a real `pulumi preview` per stack against the offline `plan show` + `plan check`.

For each shipped stack (and the Kubernetes example) this prepares the engine tier's work folder
(tests/e2e/stacks.py: the real CLI, a file backend, dummy secrets, the 127.0.0.1 service stub, the
policy pack as the workflows pass it; stand-in providers where `make engine` could not build the real
plugin, which the output lists), then measures in the same run the median wall time of
- `pulumi preview --policy-pack ... --policy-pack-config ...` of the stack, and
- `python -m plan show STACK --json` plus `python -m plan check STACK` of the same stack file,
and prints their ratio (goal: the offline path at least 10x faster). Figures, not a test.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e import plugins  # noqa: E402
from tests.e2e.engine import Workdir, locate  # noqa: E402
from tests.e2e.stacks import VARIANTS, offline_plan, policy_flags, prepare, start_stub  # noqa: E402

GOAL = 10.0


def timed(command: list[str], cwd: Path, env: dict | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):  # plan check exits 1 on a mandatory violation: still a timing
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return elapsed


def offline_seconds(stack: str, stack_file: Path, env: dict) -> float:
    python = sys.executable
    show = timed([python, "-m", "plan", "show", stack, "--stack-file", str(stack_file), "--json"], ROOT, env)
    check = timed([python, "-m", "plan", "check", stack, "--stack-file", str(stack_file)], ROOT, env)
    return show + check


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--variant", action="append", choices=sorted(VARIANTS), help="default: all")
    args = parser.parse_args()
    engine = locate()
    names = args.variant or sorted(VARIANTS)
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        base = Path(tmp)
        plans = {name: offline_plan(VARIANTS[name].stack, VARIANTS[name].source) for name in names}
        (base / "stub").mkdir()
        stub = start_stub(base / "stub", plans)
        try:
            probe = Workdir.create(engine, base / "probe", "probe")
            standins = set(plugins.pinned_plugins()) - plugins.real_plugins(engine.pulumi, probe.env)
            plugins.install_standins(base / "standin-bin", standins)
            print(f"engine {engine.version} at {engine.pulumi}; stand-in providers: {', '.join(sorted(standins)) or 'none'}")
            print(f"{'stack':24} {'pulumi preview':>15} {'plan show+check':>16} {'ratio':>8}")
            for name in names:
                variant = VARIANTS[name]
                env = prepare(engine, base / name, secrets.token_urlsafe(16), variant, stub, plans, base / "standin-bin")
                flags, _ = policy_flags(variant.stack)
                preview = [str(engine.pulumi), "--non-interactive", "--color", "never", "preview", "-s", variant.stack, *flags]
                program_env = {**os.environ, "KUBECONFIG": env.workdir.env["KUBECONFIG"]}
                try:
                    timed(preview, env.workdir.project, env.workdir.env)  # warm caches once
                except SystemExit as err:
                    print(f"{name:24} pulumi preview fails, not timed:\n{err}")
                    continue
                real = statistics.median(timed(preview, env.workdir.project, env.workdir.env) for _ in range(args.runs))
                fast = statistics.median(offline_seconds(variant.stack, env.stack_file, program_env) for _ in range(args.runs))
                ratio = real / fast
                mark = "" if ratio >= GOAL else f"  (goal >= {GOAL:.0f}x)"
                print(f"{name:24} {real:>13.2f} s {fast:>14.2f} s {ratio:>7.1f}x{mark}")
        finally:
            stub.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
