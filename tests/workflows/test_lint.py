"""Both workflow sets pass actionlint and the GitHub workflow JSON schema; the Dependabot
configs pass theirs. Each tool is also shown a broken file, so a tool that silently checks
nothing fails here instead of passing everything."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.workflows.shared import (
    APP_REPO_FILES,
    CHECK_JSONSCHEMA,
    ROOT,
    LintFinding,
    rel,
    workflow_files,
)


def check_jsonschema(schema: str, paths: list[Path]) -> subprocess.CompletedProcess[str]:
    assert CHECK_JSONSCHEMA.is_file(), f"{CHECK_JSONSCHEMA} is missing: install requirements.lock"
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", schema, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )


@pytest.mark.parametrize("path", workflow_files(), ids=rel)
def test_actionlint_reports_nothing(path: Path, actionlint_findings: dict[str, list[LintFinding]]) -> None:
    findings = actionlint_findings[str(path)]
    assert not findings, "\n".join(map(str, findings))


def test_actionlint_catches_a_broken_workflow(actionlint_findings: dict[str, list[LintFinding]]) -> None:
    messages = " ".join(f.message for f in actionlint_findings["broken"])
    assert "potentially untrusted" in messages
    assert "undefined variable" in messages


def test_workflows_match_the_github_workflow_schema() -> None:
    result = check_jsonschema("vendor.github-workflows", workflow_files())
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_schema_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  build:\n    steps: not-a-list\n", encoding="utf-8")
    result = check_jsonschema("vendor.github-workflows", [broken])
    assert result.returncode != 0


def test_dependabot_configs_match_their_schema() -> None:
    result = check_jsonschema("vendor.dependabot", [ROOT / ".github" / "dependabot.yml", APP_REPO_FILES / "dependabot.yml"])
    assert result.returncode == 0, result.stdout + result.stderr
