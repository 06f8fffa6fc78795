"""ci.yml's lint, test and build jobs, run for real against the example app (``examples/app``).

The commands are read from the workflow (every ``run:`` step of each job, in order, with the job's
and the step's literal ``env``), never copied: a change to ci.yml is what these tests run. Steps
that use an action are the runner's business (checkout: the app is copied in; setup-node: the
machine's Node.js; upload-artifact and Codecov: nothing to upload to). The files the platform
commits to the app repository (``lighthouserc.json``) are put where the GitHub component puts them.
Lighthouse runs in Debian's Chromium (``CHROME_PATH``), as it runs in the GitHub runner's Chrome.

Network: ``npm ci`` fetches the lockfile's packages from the npm registry into a cache under
``~/.cache/webapp-platform/app-ci/npm`` (warm after the first run); Lighthouse CI's static server and
Chromium use 127.0.0.1 only.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.workflows.shared import APP_REPO_FILES, APP_WORKFLOWS, ROOT, load_yaml

APP = ROOT / "examples" / "app"
CI = APP_WORKFLOWS / "ci.yml"
NPM_CACHE = Path.home() / ".cache" / "webapp-platform" / "app-ci" / "npm"
CHROMIUM = Path("/usr/bin/chromium")
COMMITTED_BY_THE_PLATFORM = {"lighthouserc.json": APP_REPO_FILES / "lighthouserc.json"}
STEP_TIMEOUT = 900
BUDGET_STEP = "Check the bundle budget (fail over 512 KB)"


def needs(condition: bool, what: str) -> None:
    """A missing prerequisite fails in CI and skips (saying what is missing) elsewhere."""
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing")
    pytest.skip(f"{what} is missing")


@pytest.fixture
def app(tmp_path: Path) -> Path:
    """A fresh copy of the example app, as a checkout of the app repository would hold it."""
    needs((APP / "package.json").is_file(), f"{APP.relative_to(ROOT)} (the example app of issue 13)")
    needs(shutil.which("npm") is not None, "npm")
    target = tmp_path / "app"
    shutil.copytree(APP, target, ignore=shutil.ignore_patterns("node_modules", "dist", "dist-staging", ".lighthouseci"))
    for name, source in COMMITTED_BY_THE_PLATFORM.items():
        shutil.copyfile(source, target / name)
    return target


def literal_env(env: dict | None) -> dict[str, str]:
    """The env entries that hold no expression (secrets and contexts do not exist here)."""
    return {k: str(v) for k, v in (env or {}).items() if "${{" not in str(v)}


def run_job(job_id: str, app: Path, skip: tuple[str, ...] = ()) -> list[str]:
    """Run every `run:` step of the job in the app; return the names of the steps that ran."""
    job = load_yaml(CI)["jobs"][job_id]
    summary = app.parent / "step_summary"
    base = {
        **os.environ,
        "CI": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
        "npm_config_cache": str(NPM_CACHE),
        "npm_config_prefer_offline": "true",
        "npm_config_audit": "false",
        "npm_config_fund": "false",
        "CHROME_PATH": str(CHROMIUM),
        **literal_env(job.get("env")),
    }
    ran = []
    for step in job["steps"]:
        if "run" not in step or step.get("name") in skip:
            continue
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=app, env={**base, **literal_env(step.get("env"))}, capture_output=True, text=True,
            timeout=STEP_TIMEOUT, check=False,
        )
        assert result.returncode == 0, f"{job_id} / {step['name']} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        ran.append(step["name"])
    return ran


def test_lint_job_passes_on_the_example_app(app: Path) -> None:
    assert run_job("lint", app) == ["Install dependencies from the lockfile", "ESLint", "Prettier check"]


def test_test_job_passes_on_the_example_app(app: Path) -> None:
    assert run_job("test", app) == ["Install dependencies from the lockfile", "Vitest with coverage"]
    assert (app / "coverage" / "lcov.info").is_file(), "the Codecov step uploads this file"


def test_build_job_passes_and_the_budget_bites(app: Path) -> None:
    needs(CHROMIUM.is_file(), f"{CHROMIUM} (Debian's chromium, for Lighthouse CI)")
    ran = run_job("build", app)
    assert ran == [
        "Install dependencies from the lockfile", "Build for staging", "Build for production", BUDGET_STEP,
        "Lighthouse CI on the production build (budgets in lighthouserc.json)",
    ]
    summary = (app.parent / "step_summary").read_text(encoding="utf-8")
    sizes = {m[0]: int(m[1]) for m in re.findall(r"- (dist(?:-staging)?): (\d+) bytes", summary)}
    assert set(sizes) == {"dist", "dist-staging"} and all(0 < s <= 512 * 1024 for s in sizes.values()), summary
    assert list((app / ".lighthouseci").glob("lhr-*.json")), "Lighthouse CI wrote its reports"

    # The same budget step over a bundle that has grown past 512 KB fails the job.
    (app / "dist" / "assets" / "vendor-huge.js").write_bytes(os.urandom(600 * 1024))
    budget = next(s for s in load_yaml(CI)["jobs"]["build"]["steps"] if s.get("name") == BUDGET_STEP)
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", budget["run"]], cwd=app, capture_output=True, text=True,
        env={**os.environ, "GITHUB_STEP_SUMMARY": str(app.parent / "step_summary"),
             **literal_env(load_yaml(CI)["jobs"]["build"]["env"])}, timeout=60, check=False,
    )
    assert result.returncode != 0
    assert "dist is over the bundle budget" in result.stdout
