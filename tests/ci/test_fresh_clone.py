"""A fresh clone needs nothing beside it: `.ci/run` proves it with the README's commands, and a quick
clone here checks the plan and the provider schemas from the committed files alone."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from plan.harness import ROOT


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## The two commands", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].strip() for line in block.strip().splitlines()]


def test_ci_runs_the_readme_commands_again_in_a_fresh_clone_in_an_empty_folder():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "set -euo pipefail" in script and "export CI=true" in script
    clone = re.search(r'^git clone [^\n]*\. "\$fresh/[^"]+"', script, re.MULTILINE)
    assert clone, "the script clones the repository into a new folder of a fresh mktemp -d"
    assert 'fresh="$(mktemp -d)"' in script[: clone.start()]
    after = script[clone.end():].splitlines()
    commands = [line.strip() for line in after if line.strip().startswith("make ")]
    assert _readme_commands() == ["make plan STACK=staging", "make test"]
    assert commands[:3] == [*_readme_commands(), "make check"]
    # then the real-tool tiers, all inside the same clean clone (nothing skipped under CI=true)
    tiers = {c.split()[1] for c in commands[3:]}
    assert {"engine-test", "e2e", "container"} <= tiers, commands


def test_a_clone_of_the_committed_files_checks_every_provider_resource(tmp_path):
    """Nothing beside the clone (an empty tmp folder around it): the vendored schemas suffice."""
    clone = tmp_path / "webapp-platform"
    subprocess.run(["git", "clone", "--quiet", "--no-local", str(ROOT), str(clone)], check=True, timeout=120)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["webapp-platform"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-m", "plan", "check", "production"], cwd=clone, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "provider schemas (provider-schemas: docker-build@0.0.22, github@6.15.0, kubernetes@4.34.2, sentry@0.0.9, vercel@5.21.1)" in proc.stdout
