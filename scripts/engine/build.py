#!/usr/bin/env python3
"""`make engine`: the real Pulumi engine for this project, cached by version outside the repository.

    python3 scripts/engine/build.py [--providers sentry,vercel,...] [--cache DIR] [--no-path]

Installs into the cache (default ~/.cache/webapp-platform/engine):
  - the Pulumi CLI: a `pulumi` on PATH whose version is at least the SDK pin in requirements.txt
    (a real user's install), else v3.274.1 built from source through the Go module proxy (the
    nearest release it serves: see _cli.py);
  - Pulumi's `pulumi-language-python-exec` and `pulumi-resource-pulumi-python` from the sdk/v3
    module at the SDK pin, and the stand-in `pulumi-language-python` (standin/__init__.py says why);
  - the provider plugins at the versions requirements.txt pins (_providers.py).
Every step prints its time and is skipped when its output for that version exists, so a second run
takes seconds. The binaries end up in one folder, printed as the last line: put it first on PATH and
set PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true, and the engine finds every plugin there and
never downloads one. A step that fails names itself and the module; the other steps still run,
and the exit status is 1.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _cli import build_cli, pulumi_on_path  # noqa: E402
from _host import install_host, install_sdk_scripts  # noqa: E402
from _providers import ORDER, PYPI_PACKAGES, build_provider  # noqa: E402
from _steps import Run, StepFailed, fail, install_file  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CACHE = Path.home() / ".cache" / "webapp-platform" / "engine"


def pins(requirements: Path) -> dict[str, str]:
    """`name==version` lines of requirements.txt, names lower-cased."""
    found = re.findall(r"^([A-Za-z0-9._-]+)==([^\s;#]+)", requirements.read_text(encoding="utf-8"), re.M)
    return {name.lower(): version for name, version in found}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--providers", default=",".join(ORDER),
                        help=f"comma-separated plugins to build, of: {', '.join(ORDER)} (default: all; none: no plugin)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help=f"cache folder (default {DEFAULT_CACHE})")
    parser.add_argument("--no-path", action="store_true", help="build the CLI even if a suitable pulumi is on PATH")
    args = parser.parse_args(argv)
    args.providers = [p for p in args.providers.split(",") if p and p != "none"]
    unknown = sorted(set(args.providers) - set(ORDER))
    if unknown:
        parser.error(f"--providers: unknown {', '.join(unknown)} (expected some of {', '.join(ORDER)})")
    return args


def assemble_bin(bin_dir: Path, entries: dict[str, Path], symlinks: set[str]) -> None:
    """The bin folder holds exactly `entries`: hard links to cached files (the CLI looks for its
    bundled plugins beside its resolved path), symlinks for `symlinks` (a user's own pulumi)."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    for stale in bin_dir.iterdir():
        if stale.name not in entries:
            stale.unlink()
    for name, source in entries.items():
        target = bin_dir / name
        if name in symlinks:
            target.unlink(missing_ok=True)
            target.symlink_to(source)
        elif target.is_symlink() or not (target.exists() and os.path.samefile(target, source)):
            target.unlink(missing_ok=True)
            install_file(source, target)


def smoke(run: Run, bin_dir: Path) -> None:
    """The CLI runs, and the language host starts and prints a port."""
    with run.step("check", f"{bin_dir}/pulumi, pulumi-language-python") as _:
        out = subprocess.run([str(bin_dir / "pulumi"), "version"], capture_output=True, text=True, timeout=60,
                             env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"}, check=False)
        if out.returncode != 0:
            raise StepFailed("check", "pulumi", f"`pulumi version` failed: {out.stderr.strip()}")
        host = bin_dir / "pulumi-language-python"
        if host.exists():
            proc = subprocess.Popen([str(host)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                port = proc.stdout.readline().strip() if proc.stdout else ""
            finally:
                proc.terminate()
                proc.wait(10)
            if not port.isdigit():
                raise StepFailed("check", str(host), f"printed {port!r} instead of a port: "
                                 f"{proc.stderr.read().strip() if proc.stderr else ''}")


class Installed:
    """What goes into bin/, and every step that failed (the others still run)."""

    def __init__(self) -> None:
        self.entries: dict[str, Path] = {}
        self.symlinks: set[str] = set()
        self.failures: list[StepFailed] = []

    def attempt(self, fn, *args):
        """fn(*args), or None after recording and printing its StepFailed."""
        try:
            return fn(*args)
        except StepFailed as err:
            self.failures.append(err)
            print(f"    {err}", file=sys.stderr, flush=True)
            return None


def install_cli_and_host(run: Run, sdk: str, got: Installed, use_path: bool, bin_dir: Path) -> None:
    """The CLI (a user's, or built), Pulumi's helper scripts, and the host unless the user's CLI has one."""
    user = pulumi_on_path(sdk, bin_dir) if use_path else None
    if user:
        print(f"==> cli: using {user[0]} ({user[1]}, at least the SDK pin {sdk})", flush=True)
        got.entries["pulumi"] = Path(user[0])
        got.symlinks.add("pulumi")
    elif cli := got.attempt(build_cli, run):
        got.entries["pulumi"] = cli
    sdk_dir = run.cache / "sdk" / f"v{sdk}"
    if got.attempt(install_sdk_scripts, run, sdk, sdk_dir):
        got.entries.update({p.name: p for p in sdk_dir.iterdir() if not p.name.endswith(".part")})
    if user and (Path(user[0]).resolve().parent / "pulumi-language-python").exists():
        return  # a real install brings Pulumi's own language host
    python3 = shutil.which("python3") or sys.executable
    if launcher := got.attempt(install_host, run, sdk, REPO / "requirements.lock", python3):
        got.entries["pulumi-language-python"] = launcher


def install_providers(run: Run, names: list[str], pinned: dict[str, str], got: Installed) -> None:
    for name in names:
        version = pinned.get(PYPI_PACKAGES[name])
        if version is None:
            got.failures.append(StepFailed(f"provider-{name}", PYPI_PACKAGES[name], "not pinned in requirements.txt"))
        elif binary := got.attempt(build_provider, run, name, version):
            got.entries[binary.name] = binary


def write_status(cache: Path, bin_dir: Path, got: Installed) -> None:
    """What this run left in bin/ and why anything is missing (the engine tests quote it)."""
    (cache / "status.json").write_text(json.dumps({
        "bin": str(bin_dir), "installed": sorted(got.entries),
        "failed": {err.step: str(err).splitlines()[0] for err in got.failures},
    }, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    cache = args.cache.expanduser()
    cache.mkdir(parents=True, exist_ok=True)
    run = Run(cache=cache, log=cache / "build.log")
    pinned = pins(REPO / "requirements.txt")
    if not pinned.get("pulumi"):
        return fail("requirements.txt pins no pulumi==X.Y.Z (the SDK pin the engine is built for)")
    started, bin_dir, got = time.monotonic(), cache / "bin", Installed()
    install_cli_and_host(run, pinned["pulumi"], got, not args.no_path, bin_dir)
    install_providers(run, args.providers, pinned, got)
    assemble_bin(bin_dir, got.entries, got.symlinks)
    if "pulumi" in got.entries:
        got.attempt(smoke, run, bin_dir)
    write_status(cache, bin_dir, got)
    print(f"==> engine: {time.monotonic() - started:.1f} s in all; timings in {cache / 'timings.jsonl'}", flush=True)
    if got.failures:
        print(f"partial engine in {bin_dir}", flush=True)
        for err in got.failures:
            fail(str(err).splitlines()[0])
        return 1
    print(bin_dir, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
