"""OpenSSF Scorecard's workflow checks, as tests over both workflow sets (and a little stricter):

- Token-Permissions: top-level ``permissions`` is ``{}`` or read-only; every job states its own;
  write scopes appear only on the jobs listed in ``WRITE_SCOPES``.
- Pinned-Dependencies: every ``uses:`` is pinned to a 40-hex commit SHA with a ``# vX.Y.Z``
  comment, one SHA per action across all files; ``npm ci`` (never ``npm install``), ``npx``
  only with ``--no-install``; ``pip install`` only ``--require-hashes -r requirements.lock``;
  no ``curl | sh``.
- Secrets reach single steps, never a job or a package install.
- Dangerous-Workflow: no ``pull_request_target``; a ``workflow_run`` workflow checks out only
  the default branch (no ``ref``/``repository`` from the event); no ``${{ }}`` expression inside
  any ``run:`` script (values arrive through ``env:``).
- Caches: a job that deploys or holds a deploy token (deploy, preview, rollback) restores no
  package cache (another workflow may have written it); CI jobs cache npm.

Every check is a function returning problems; each is run on the shipped files (no problem) and
on a small bad sample (a problem), so a check that cannot fail does not count as passing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from policies.rules.workflow_files import _WorkflowLoader
from tests.workflows.shared import OWN_WORKFLOWS, load_yaml, rel, workflow_files

SHA_PIN = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_./-]+)?@(?P<sha>[0-9a-f]{40})")
VERSION_COMMENT = re.compile(r"#\s*(?P<version>v\d+\.\d+\.\d+)\s*$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<rest>.*)$")

WRITE_SCOPES: dict[tuple[str, str], set[str]] = {
    (".github/workflows/pr-comment.yml", "comment"): {"pull-requests"},
    (".github/workflows/drift.yml", "drift"): {"issues"},
    ("templates/app-workflows/deploy.yml", "production"): {"contents"},
    ("templates/app-workflows/preview.yml", "preview"): {"pull-requests"},
}
"""The only jobs that may write, and what: PR comments, the drift issue, the GitHub release."""

NODE_LTS = "24"
"""Current Node.js LTS major."""
PYTHON = "3.11"
"""The Python that requirements.lock is resolved for."""
MAX_TIMEOUT_MINUTES = 60


@dataclass(frozen=True)
class Workflow:
    """A workflow file as text and as GitHub reads it."""

    label: str
    text: str
    doc: Mapping[str, Any]

    @property
    def jobs(self) -> Mapping[str, Mapping[str, Any]]:
        return self.doc.get("jobs", {})

    def steps(self) -> Iterator[tuple[str, Mapping[str, Any]]]:
        for job_id, job in self.jobs.items():
            for step in job.get("steps", []) or []:
                yield job_id, step

    def run_scripts(self) -> Iterator[tuple[str, str]]:
        for job_id, step in self.steps():
            if isinstance(step.get("run"), str):
                yield job_id, step["run"]


def from_path(path: Path) -> Workflow:
    return Workflow(rel(path), path.read_text(encoding="utf-8"), load_yaml(path))


def from_text(text: str) -> Workflow:
    return Workflow("sample.yml", text, yaml.load(text, Loader=_WorkflowLoader))  # noqa: S506


# --- the checks ------------------------------------------------------------------------------------


def top_level_permissions(wf: Workflow) -> list[str]:
    permissions = wf.doc.get("permissions", "missing")
    if permissions == "missing":
        return ["no top-level `permissions`"]
    if permissions in ({}, "read-all"):
        return []
    if isinstance(permissions, Mapping) and all(v in ("read", "none") for v in permissions.values()):
        return []
    return [f"top-level permissions grant more than read: {permissions!r}"]


def job_permissions(wf: Workflow) -> list[str]:
    problems = []
    for job_id, job in wf.jobs.items():
        permissions = job.get("permissions")
        if not isinstance(permissions, Mapping):
            problems.append(f"job {job_id} does not state its permissions as a mapping")
            continue
        writes = {scope for scope, level in permissions.items() if level == "write"}
        allowed = WRITE_SCOPES.get((wf.label, job_id), set())
        if writes != allowed:
            problems.append(f"job {job_id} writes {sorted(writes)}, expected {sorted(allowed)}")
    return problems


def actions_pinned(wf: Workflow) -> list[str]:
    problems = []
    lines = [m for m in map(USES_LINE.match, wf.text.splitlines()) if m]
    parsed = [step["uses"] for _, step in wf.steps() if "uses" in step]
    parsed += [job["uses"] for job in wf.jobs.values() if "uses" in job]
    if len(lines) != len(parsed):
        problems.append(f"{len(parsed)} `uses:` parsed but {len(lines)} written one per line")
    for match in lines:
        ref, rest = match["ref"], match["rest"]
        if ref.startswith("./"):
            continue  # a local action is part of this commit
        if not SHA_PIN.fullmatch(ref):
            problems.append(f"{ref} is not pinned to a full commit SHA")
        elif not VERSION_COMMENT.search(rest):
            problems.append(f"{ref} has no `# vX.Y.Z` version comment")
    return problems


def no_dangerous_triggers(wf: Workflow) -> list[str]:
    triggers = wf.doc.get("on", {})
    triggers = [triggers] if isinstance(triggers, str) else list(triggers)
    problems = ["pull_request_target runs with secrets next to untrusted code"] if "pull_request_target" in triggers else []
    if "workflow_run" in triggers:
        problems += [
            f"job {job_id} checks out the triggering run's code in a workflow_run workflow"
            for job_id, step in wf.steps()
            if str(step.get("uses", "")).startswith("actions/checkout@")
            and {"ref", "repository"} & set(step.get("with") or {})
        ]
    return problems


def no_expressions_in_scripts(wf: Workflow) -> list[str]:
    return [f"job {job_id}: `${{{{` inside run: {script.splitlines()[0]!r}..." for job_id, script in wf.run_scripts() if "${{" in script]


def _commands(script: str) -> list[str]:
    """Shell commands of a script, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", script)
    return [line.split(" #", 1)[0].strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


def package_managers_pinned(wf: Workflow) -> list[str]:
    problems = []
    for job_id, script in wf.run_scripts():
        for command in _commands(script):
            if re.search(r"\bnpm\s+(?:install|i|update|add|install-test)\b", command):
                problems.append(f"job {job_id}: `{command}` (use `npm ci`)")
            if re.search(r"\bnpx\s+(?!--no-install\b)", command):
                problems.append(f"job {job_id}: `{command}` may download a package (use `npx --no-install`)")
            if re.search(r"\bpip3?\s+install\b", command) and not (
                "--require-hashes" in command and re.search(r"-r\s+requirements\.lock\b", command)
            ):
                problems.append(f"job {job_id}: `{command}` (use `pip install --require-hashes -r requirements.lock`)")
            if re.search(r"\b(?:curl|wget)\b.*\|\s*(?:sudo\s+)?(?:ba|z)?sh\b", command):
                problems.append(f"job {job_id}: `{command}` runs a downloaded script")
    return problems


def jobs_bounded_and_checkout_clean(wf: Workflow) -> list[str]:
    problems = []
    for job_id, job in wf.jobs.items():
        timeout = job.get("timeout-minutes")
        if not isinstance(timeout, int) or not 0 < timeout <= MAX_TIMEOUT_MINUTES:
            problems.append(f"job {job_id}: timeout-minutes must be 1..{MAX_TIMEOUT_MINUTES}, got {timeout!r}")
    for job_id, step in wf.steps():
        if str(step.get("uses", "")).startswith("actions/checkout@"):
            if (step.get("with") or {}).get("persist-credentials") is not False:
                problems.append(f"job {job_id}: checkout keeps the token in .git/config (persist-credentials: false)")
    return problems


UNCACHED_WORKFLOWS = ("deploy.yml", "preview.yml", "rollback.yml")
"""Workflows that deploy (or hold a deploy token): no package cache may reach them."""


def toolchains_current(wf: Workflow) -> list[str]:
    problems = []
    uncached = wf.label.endswith(UNCACHED_WORKFLOWS)
    for job_id, step in wf.steps():
        uses, with_ = str(step.get("uses", "")), step.get("with") or {}
        if uses.startswith("actions/setup-node@"):
            if str(with_.get("node-version")) != NODE_LTS:
                problems.append(f"job {job_id}: setup-node must use node-version {NODE_LTS}")
            if uncached and ("cache" in with_ or with_.get("package-manager-cache") is not False):
                problems.append(f"job {job_id}: a deploy job restores no npm cache (no cache, package-manager-cache: false)")
            if not uncached and with_.get("cache") != "npm":
                problems.append(f"job {job_id}: setup-node must cache npm")
        if uses.startswith("actions/setup-python@") and str(with_.get("python-version")) != PYTHON:
            problems.append(f"job {job_id}: setup-python must use {PYTHON} (the Python of requirements.lock)")
    return problems


def scanner_version_matches_pin(wf: Workflow) -> list[str]:
    """TruffleHog's `uses:` SHA pins only the wrapper; its `version` input picks the scanner."""
    problems = []
    for line in wf.text.splitlines():
        match = USES_LINE.match(line)
        if not match or not match["ref"].startswith("trufflesecurity/trufflehog@"):
            continue
        comment = VERSION_COMMENT.search(match["rest"])
        steps = [step for _, step in wf.steps() if step.get("uses") == match["ref"]]
        for step in steps:
            version = str((step.get("with") or {}).get("version", "latest"))
            if comment is None or version != comment["version"].lstrip("v"):
                problems.append(f"trufflehog scanner version {version!r} differs from the pinned release")
    return problems


def secrets_scoped_to_steps(wf: Workflow) -> list[str]:
    """Secrets go to the steps that use them, never to a whole job (its `npm ci` or `pip install`
    would hand them to every dependency's install script)."""
    problems = ["workflow-level env reads a secret"] if "secrets." in str(wf.doc.get("env", "")) else []
    problems += [f"job {job_id}: job-level env reads a secret" for job_id, job in wf.jobs.items() if "secrets." in str(job.get("env", ""))]
    for job_id, step in wf.steps():
        run = str(step.get("run", ""))
        if "secrets." in str(step.get("env", "")) and re.search(r"\b(?:npm ci|pip3? install|python -m pip install)\b", run):
            problems.append(f"job {job_id}: a step that installs packages gets a secret")
    return problems


CHECKS: dict[str, Callable[[Workflow], list[str]]] = {
    "secrets-scoped-to-steps": secrets_scoped_to_steps,
    "top-level-permissions": top_level_permissions,
    "job-permissions": job_permissions,
    "actions-pinned": actions_pinned,
    "no-dangerous-triggers": no_dangerous_triggers,
    "no-expressions-in-scripts": no_expressions_in_scripts,
    "package-managers-pinned": package_managers_pinned,
    "jobs-bounded-checkout-clean": jobs_bounded_and_checkout_clean,
    "toolchains-current": toolchains_current,
    "scanner-version-matches-pin": scanner_version_matches_pin,
}

_SHA = "0123456789abcdef0123456789abcdef01234567"  # a well-formed SHA for samples only
def _job(steps: str, on: str = "push") -> str:
    """A one-job sample workflow around ``steps`` (YAML lines indented for a step list)."""
    return f"on: {on}\njobs:\n  build:\n    steps:\n{steps}"


BAD_SAMPLES: list[tuple[str, str]] = [
    ("secrets-scoped-to-steps", "on: push\nenv:\n  T: ${{ secrets.T }}\njobs: {}\n"),
    ("secrets-scoped-to-steps", "on: push\njobs:\n  b:\n    env:\n      T: ${{ secrets.T }}\n    steps: []\n"),
    ("secrets-scoped-to-steps", _job("      - run: npm ci\n        env:\n          T: ${{ secrets.T }}\n")),
    ("top-level-permissions", "on: push\njobs: {}\n"),
    ("top-level-permissions", "on: push\npermissions: write-all\njobs: {}\n"),
    ("top-level-permissions", "on: push\npermissions:\n  contents: write\njobs: {}\n"),
    ("job-permissions", "on: push\njobs:\n  build:\n    steps: []\n"),
    ("job-permissions", "on: push\njobs:\n  build:\n    permissions:\n      contents: write\n    steps: []\n"),
    ("actions-pinned", _job("      - uses: actions/checkout@v4\n")),
    ("actions-pinned", _job(f"      - uses: actions/checkout@{_SHA[:12]} # v1.0.0\n")),
    ("actions-pinned", _job(f"      - uses: actions/checkout@{_SHA}\n")),
    ("no-dangerous-triggers", "on: pull_request_target\njobs: {}\n"),
    ("no-dangerous-triggers", _job(f"      - uses: actions/checkout@{_SHA} # v1.0.0\n        with:\n"
                                   "          ref: ${{ github.event.workflow_run.head_sha }}\n", on="workflow_run")),
    ("no-expressions-in-scripts", _job('      - run: echo "${{ github.event.head_commit.message }}"\n')),
    ("no-expressions-in-scripts", _job("      - run: deploy --token ${{ secrets.TOKEN }}\n")),
    ("package-managers-pinned", _job("      - run: npm install\n")),
    ("package-managers-pinned", _job("      - run: npm i -g vercel@latest\n")),
    ("package-managers-pinned", _job("      - run: npx vercel deploy\n")),
    ("package-managers-pinned", _job("      - run: pip install -r requirements.txt\n")),
    ("package-managers-pinned", _job("      - run: python -m pip install --require-hashes -r other.txt\n")),
    ("package-managers-pinned", _job("      - run: curl -fsSL https://example.com/install.sh | sh\n")),
    ("jobs-bounded-checkout-clean", _job("      - run: 'true'\n")),
    ("jobs-bounded-checkout-clean", "on: push\njobs:\n  b:\n    timeout-minutes: 5\n    steps:\n"
     f"      - uses: actions/checkout@{_SHA} # v1.0.0\n"),
    ("toolchains-current", _job(f"      - uses: actions/setup-node@{_SHA} # v1.0.0\n        with:\n          node-version: 18\n")),
    ("toolchains-current", _job(f"      - uses: actions/setup-python@{_SHA} # v1.0.0\n        with:\n          python-version: '3.13'\n")),
    ("scanner-version-matches-pin", _job(f"      - uses: trufflesecurity/trufflehog@{_SHA} # v3.1.0\n        with:\n          path: ./\n")),
    ("scanner-version-matches-pin", _job(f"      - uses: trufflesecurity/trufflehog@{_SHA} # v3.1.0\n        with:\n          version: 3.0.0\n")),
]


@pytest.mark.parametrize("check", sorted(CHECKS))
@pytest.mark.parametrize("path", workflow_files(), ids=rel)
def test_shipped_workflow_passes(path: Path, check: str) -> None:
    problems = CHECKS[check](from_path(path))
    assert not problems, f"{rel(path)}: " + "; ".join(problems)


@pytest.mark.parametrize(("check", "sample"), BAD_SAMPLES, ids=[f"{c}-{i}" for i, (c, _) in enumerate(BAD_SAMPLES)])
def test_check_catches_a_bad_sample(check: str, sample: str) -> None:
    assert CHECKS[check](from_text(sample))


@pytest.mark.parametrize("setting", ["          cache: npm\n", ""], ids=["cache-npm", "implicit-cache"])
def test_deploy_workflows_restore_no_cache(setting: str) -> None:
    text = _job(f"      - uses: actions/setup-node@{_SHA} # v1.0.0\n        with:\n          node-version: 24\n{setting}")
    sample = Workflow("templates/app-workflows/deploy.yml", text, yaml.load(text, Loader=_WorkflowLoader))  # noqa: S506
    assert any("restores no npm cache" in problem for problem in toolchains_current(sample))


def test_every_check_has_a_bad_sample() -> None:
    assert set(CHECKS) == {check for check, _ in BAD_SAMPLES}


def test_each_action_has_one_pin_across_both_sets() -> None:
    pins: dict[str, set[str]] = {}
    for path in workflow_files():
        for match in map(USES_LINE.match, path.read_text(encoding="utf-8").splitlines()):
            if match and "@" in match["ref"]:
                action, ref = match["ref"].split("@", 1)
                comment = VERSION_COMMENT.search(match["rest"])
                pins.setdefault(action, set()).add(f"{ref} {comment['version'] if comment else '?'}")
    assert pins, "no actions found"
    split = {action: sorted(refs) for action, refs in pins.items() if len(refs) > 1}
    assert not split, f"actions pinned to more than one commit or version: {split}"


def test_untrusted_pull_request_fields_only_reach_scripts_through_env() -> None:
    """The PR workflow passes PR data to its script through env (a positive control for the rule)."""
    wf = from_path(OWN_WORKFLOWS / "pr.yml")
    plan_steps = [step for job_id, step in wf.steps() if job_id == "plan" and "env" in step]
    assert any("github.event.pull_request.base.sha" in str(step["env"]) for step in plan_steps)
