"""Which provider plugins the engine tier runs for real, and stand-ins for the ones that are missing.

A real plugin is `pulumi-resource-<name>` in the engine's bin folder or on PATH, or a plugin the CLI
has installed (`pulumi plugin ls`). Only a provider with none of those gets the stand-in of
tests/e2e/standin_provider.py; `test_engine_plugins.py` checks that rule.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from plan.harness import ROOT

HERE = Path(__file__).resolve().parent
# PyPI SDK of each provider -> plugin name (requirements.txt holds the pins).
SDKS = {
    "pulumi-github": "github",
    "pulumiverse-vercel": "vercel",
    "pulumiverse-sentry": "sentry",
    "pulumi-docker-build": "docker-build",
    "pulumi-kubernetes": "kubernetes",
}


def pinned_plugins(requirements: Path = ROOT / "requirements.txt") -> dict[str, str]:
    """Plugin name -> version, from the SDK pins."""
    pins = {}
    for line in requirements.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;#]+)", line.strip())
        if match and match.group(1).lower() in SDKS:
            pins[SDKS[match.group(1).lower()]] = match.group(2)
    return pins


def installed_plugins(pulumi: Path, env: dict[str, str]) -> set[str]:
    """Resource plugins `pulumi plugin ls` knows (in PULUMI_HOME)."""
    done = subprocess.run([str(pulumi), "plugin", "ls", "--json"], capture_output=True, text=True, env=env,
                          timeout=120)
    if done.returncode != 0 or not done.stdout.strip():
        return set()
    return {p["name"] for p in json.loads(done.stdout) if p.get("kind") == "resource"}


def real_plugins(pulumi: Path, env: dict[str, str]) -> set[str]:
    """Plugin names with a real binary: next to the CLI, on PATH, or installed."""
    found = installed_plugins(pulumi, env)
    for name in pinned_plugins():
        binary = f"pulumi-resource-{name}"
        if (pulumi.parent / binary).is_file() or shutil.which(binary, path=os.environ.get("PATH")):
            found.add(name)
    return found & set(pinned_plugins())


def install_standins(bin_dir: Path, names: set[str]) -> None:
    """`pulumi-resource-<name>` scripts that run the stand-in with this interpreter."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    pins = pinned_plugins()
    for name in sorted(names):
        script = bin_dir / f"pulumi-resource-{name}"
        script.write_text(
            f"#!/bin/sh\nexec '{sys.executable}' '{HERE / 'standin_provider.py'}' {name} {pins[name]} \"$@\"\n",
            encoding="utf-8",
        )
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
