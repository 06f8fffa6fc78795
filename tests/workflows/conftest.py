"""Fixtures of the workflow tests (helpers live in ``shared.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.workflows.runner import LocalServer, Recorded, Runner, local_servers, make_runner
from tests.workflows.shared import BROKEN_WORKFLOW, LintFinding, run_actionlint, workflow_files


@pytest.fixture
def runner(tmp_path: Path) -> Runner:
    """Runs a workflow step's script in a fresh work directory, with a recording ``sleep``."""
    return make_runner(tmp_path)


@pytest.fixture
def local_server() -> Iterator[Callable[[Callable[[Recorded], tuple[int, bytes]]], LocalServer]]:
    """Starts HTTP servers on 127.0.0.1 (``local_server(respond)``); all are stopped afterwards."""
    yield from local_servers()


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
