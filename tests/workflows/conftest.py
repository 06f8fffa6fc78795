"""Fixtures of the workflow tests (helpers live in ``shared.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.workflows.shared import BROKEN_WORKFLOW, LintFinding, run_actionlint, workflow_files


@pytest.fixture(scope="session")
def actionlint_findings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[LintFinding]]:
    """actionlint findings by path, for every shipped workflow plus one deliberately broken sample
    (key ``"broken"``). One run for all files: starting the WebAssembly linter is the slow part."""
    broken: Path = tmp_path_factory.mktemp("actionlint") / "broken.yml"
    broken.write_text(BROKEN_WORKFLOW, encoding="utf-8")
    findings: dict[str, list[LintFinding]] = {str(path): [] for path in workflow_files()}
    findings["broken"] = []
    for finding in run_actionlint([*workflow_files(), broken]):
        findings["broken" if finding.path == str(broken) else finding.path].append(finding)
    return findings
