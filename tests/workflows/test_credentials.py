"""The credential rule and the pack-config rule, read from every workflow of this repository.

Credential rule (README "Delivery"): every Pulumi credential lives in a GitHub environment of this
repository, never at repository level; each stack's write credentials live only in its deploy
environment (production's in `production`, the one that requires approval); previews and drift
detection use read-only credentials of environments of their own; pull requests read no
credential at all (they get the credential-free offline plan diff).

Pack-config rule: every run of the policy pack (`pulumi preview|up --policy-pack`, pulumi/actions'
`policyPacks`, the offline `python -m plan check`) passes the stack's `policies/config/<stack>.json`.

Each rule is a function over the jobs of a workflow; each is run on the shipped files (no problem)
and on mutated copies (the problem is named), so a rule that cannot fail does not pass.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from policies.rules.workflow_files import _WorkflowLoader
from tests.workflows.jobs import JobRun, job_runs
from tests.workflows.shared import OWN_WORKFLOWS, ROOT

STACKS = ("staging", "production")
WRITE_ENVIRONMENT = {"staging": "pulumi-staging", "production": "production"}
"""The one environment holding each stack's write credentials (production's requires approval)."""
READ_ENVIRONMENT = {"staging": "drift-staging", "production": "drift-production"}
"""Environments holding each stack's read-only credentials (previews, drift detection)."""
PULUMI_CREDENTIALS = frozenset({"PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE"})
PULL_REQUEST_TRIGGERS = frozenset({"pull_request", "pull_request_target"})
WRITES = frozenset({"up", "destroy", "refresh", "import"})
"""Pulumi commands that change state (a plain `pulumi refresh` writes it)."""
POLICY_CONFIG = "policies/config/{stack}.json"


def runs_of(path: Path, text: str | None = None) -> list[JobRun]:
    text = text if text is not None else path.read_text(encoding="utf-8")
    return job_runs(path.name, yaml.load(text, Loader=_WorkflowLoader))  # noqa: S506


# --- the credential rule -------------------------------------------------------------------------


def credentials_live_in_environments(runs: list[JobRun]) -> list[str]:
    """A job that reads a secret is bound to one of this repository's environments."""
    known = set(WRITE_ENVIRONMENT.values()) | set(READ_ENVIRONMENT.values())
    return [
        f"{r.workflow} job {r.job_id} reads {sorted(r.secrets)} "
        + (f"in unknown environment {r.environment!r}" if r.environment else "outside any environment")
        for r in runs
        if r.secrets and r.environment not in known
    ]


def pull_requests_read_no_credential(runs: list[JobRun]) -> list[str]:
    """Pull-request runs (branch code, forks included) read no secret and use no environment."""
    return [
        f"{r.workflow} job {r.job_id} runs on pull requests but reads {sorted(r.secrets)} / environment {r.environment!r}"
        for r in runs
        if r.triggers & PULL_REQUEST_TRIGGERS and (r.secrets or r.environment)
    ]


def writes_only_in_the_stacks_write_environment(runs: list[JobRun]) -> list[str]:
    """`pulumi up` (and every state-changing command) of a stack runs only in that stack's write
    environment, from reviewed code (push to main or a manual run), never on a schedule."""
    problems = []
    for r in runs:
        for command in r.commands:
            if command.verb not in WRITES:
                continue
            expected = WRITE_ENVIRONMENT.get(command.stack or "")
            if r.environment != expected:
                problems.append(f"{r.workflow} job {r.job_id}: `pulumi {command.verb} --stack {command.stack}` runs in {r.environment!r}, expected {expected!r}")
            if not r.triggers <= {"push", "workflow_dispatch"}:
                problems.append(f"{r.workflow} job {r.job_id}: `pulumi {command.verb}` triggered by {sorted(r.triggers)}")
    return problems


def previews_use_their_stacks_credentials(runs: list[JobRun]) -> list[str]:
    """A preview reads the credentials of an environment of its own stack: the read-only one, or
    the write one inside a deploy job; a scheduled run only the read-only one."""
    problems = []
    for r in runs:
        for command in r.commands:
            if command.verb != "preview":
                continue
            stack = command.stack or ""
            allowed = {READ_ENVIRONMENT.get(stack)}
            if "schedule" not in r.triggers:
                allowed.add(WRITE_ENVIRONMENT.get(stack))
            if r.environment not in allowed - {None}:
                problems.append(f"{r.workflow} job {r.job_id}: `pulumi preview --stack {stack}` runs in {r.environment!r}, expected one of {sorted(a for a in allowed if a)}")
    return problems


def write_environments_only_deploy(runs: list[JobRun]) -> list[str]:
    """Write credentials are read only by jobs that deploy that stack (no other job, no other workflow)."""
    problems = []
    for r in runs:
        stacks = [s for s, env in WRITE_ENVIRONMENT.items() if env == r.environment]
        if stacks and not any(c.verb == "up" and c.stack == stacks[0] for c in r.commands):
            problems.append(f"{r.workflow} job {r.job_id} uses {r.environment!r} but deploys no {stacks[0]}")
    return problems


def pulumi_reads_credentials_of_an_environment(runs: list[JobRun]) -> list[str]:
    """A job running Pulumi against a stack reads the Pulumi credentials, and only in an environment."""
    return [
        f"{r.workflow} job {r.job_id} runs pulumi without the Pulumi credentials of an environment"
        for r in runs
        if any(c.verb != "plan-check" for c in r.commands) and not (r.environment and PULUMI_CREDENTIALS <= r.secrets)
    ]


CREDENTIAL_RULES: dict[str, Callable[[list[JobRun]], list[str]]] = {
    "credentials-live-in-environments": credentials_live_in_environments,
    "pull-requests-read-no-credential": pull_requests_read_no_credential,
    "writes-only-in-write-environment": writes_only_in_the_stacks_write_environment,
    "previews-use-their-stacks-credentials": previews_use_their_stacks_credentials,
    "write-environments-only-deploy": write_environments_only_deploy,
    "pulumi-reads-environment-credentials": pulumi_reads_credentials_of_an_environment,
}


# --- the pack-config rule ------------------------------------------------------------------------


def policy_pack_runs_pass_their_config(runs: list[JobRun]) -> list[str]:
    """Every preview/up runs the pack with its stack's config; every plan check names that config."""
    problems = []
    for r in runs:
        for command in r.commands:
            if command.verb not in ("preview", "up", "plan-check"):
                continue
            label = f"{r.workflow} job {r.job_id} step {command.step!r}"
            expected = POLICY_CONFIG.format(stack=command.stack)
            if command.stack not in STACKS:
                problems.append(f"{label}: cannot tell the stack ({command.stack!r})")
                continue
            if command.verb != "plan-check" and command.option("--policy-pack") != "policies":
                problems.append(f"{label}: `pulumi {command.verb}` without --policy-pack policies")
            given = command.option("--policy-config") if command.verb == "plan-check" else command.option("--policy-pack-config")
            if given != expected:
                problems.append(f"{label}: policy config {given!r}, expected {expected!r}")
        for step in r.actions:
            inputs = step.get("with") or {}
            if str(step.get("uses", "")).startswith("pulumi/actions@") and inputs.get("command"):
                expected = POLICY_CONFIG.format(stack=inputs.get("stack-name"))
                if inputs.get("policyPacks") != "policies" or inputs.get("policyPackConfigs") != expected:
                    problems.append(f"{r.workflow} job {r.job_id}: pulumi/actions {inputs.get('command')} needs policyPacks: policies and policyPackConfigs: {expected}")
    return problems


RULES = {**CREDENTIAL_RULES, "policy-pack-runs-pass-their-config": policy_pack_runs_pass_their_config}
OWN = sorted(OWN_WORKFLOWS.glob("*.yml"))


@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("path", OWN, ids=lambda p: p.name)
def test_shipped_workflows_follow_the_rule(path: Path, rule: str) -> None:
    assert RULES[rule](runs_of(path)) == []


def test_the_rules_are_not_vacuous() -> None:
    """The shipped workflows do read credentials, run both stacks' updates, previews and checks."""
    runs = [r for path in OWN for r in runs_of(path)]
    commands = {(c.verb, c.stack) for r in runs for c in r.commands}
    assert {("up", "staging"), ("up", "production"), ("preview", "staging"), ("preview", "production")} <= commands
    assert {("plan-check", "staging"), ("plan-check", "production")} <= commands
    assert {r.environment for r in runs if r.secrets} == set(WRITE_ENVIRONMENT.values()) | set(READ_ENVIRONMENT.values())
    for stack in STACKS:
        assert (ROOT / POLICY_CONFIG.format(stack=stack)).is_file()


DEPLOY = OWN_WORKFLOWS / "deploy.yml"
DRIFT = OWN_WORKFLOWS / "drift.yml"
PR = OWN_WORKFLOWS / "pr.yml"


@pytest.mark.parametrize(
    ("path", "old", "new", "rule", "expected"),
    [
        (PR, "      contents: read\n    steps:\n      - name: Check out (full history",
         "      contents: read\n    env:\n      T: ${{ secrets.PULUMI_ACCESS_TOKEN }}\n    steps:\n      - name: Check out (full history",
         "pull-requests-read-no-credential", "runs on pull requests but reads ['PULUMI_ACCESS_TOKEN']"),
        (PR, "      contents: read\n    steps:\n      - name: Check out (full history",
         "      contents: read\n    environment: production\n    steps:\n      - name: Check out (full history",
         "pull-requests-read-no-credential", "environment 'production'"),
        (DEPLOY, "    environment: production\n", "", "credentials-live-in-environments", "job production reads"),
        (DEPLOY, "    environment: production\n", "    environment: pulumi-staging\n", "writes-only-in-write-environment",
         "`pulumi up --stack production` runs in 'pulumi-staging'"),
        (DRIFT, "environment: drift-${{ matrix.stack }}", "environment: production", "previews-use-their-stacks-credentials",
         "`pulumi preview --stack staging` runs in 'production'"),
        (DRIFT, "environment: drift-${{ matrix.stack }}", "environment: pulumi-${{ matrix.stack }}", "write-environments-only-deploy",
         "uses 'pulumi-staging' but deploys no staging"),
        (DRIFT, "          status=0\n", "          status=0\n          pulumi refresh --yes --stack \"$STACK\"\n",
         "writes-only-in-write-environment", "`pulumi refresh --stack staging` runs in 'drift-staging'"),
        (DEPLOY, "--policy-pack-config policies/config/production.json", "", "policy-pack-runs-pass-their-config",
         "policy config None, expected 'policies/config/production.json'"),
        (DEPLOY, "--policy-pack-config policies/config/staging.json > ", "--policy-pack-config policies/config/production.json > ",
         "policy-pack-runs-pass-their-config", "expected 'policies/config/staging.json'"),
        (DRIFT, "--policy-pack policies --policy-pack-config", "--policy-pack-config", "policy-pack-runs-pass-their-config",
         "without --policy-pack policies"),
        (PR, "check staging --policy-config policies/config/staging.json", "check staging", "policy-pack-runs-pass-their-config",
         "policy config None"),
        (DEPLOY, "      - name: pulumi up (production) with the policy pack\n",
         "      - uses: pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d # v7.0.0\n        with:\n          command: up\n"
         "          stack-name: production\n          policyPacks: policies\n      - name: pulumi up (production) with the policy pack\n",
         "policy-pack-runs-pass-their-config", "policyPackConfigs: policies/config/production.json"),
    ],
    ids=[
        "secret-in-pull-request-job", "environment-in-pull-request-job", "production-outside-environment",
        "production-credentials-in-staging-environment", "drift-with-write-credentials", "drift-in-deploy-environment",
        "refresh-in-read-environment", "up-without-pack-config", "preview-with-other-stacks-config",
        "preview-without-pack", "plan-check-without-config", "pulumi-actions-without-pack-config",
    ],
)
def test_rule_catches_the_mutation(path: Path, old: str, new: str, rule: str, expected: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path.name} no longer contains the text this mutation changes"
    problems = RULES[rule](runs_of(path, text.replace(old, new, 1)))
    assert any(expected in problem for problem in problems), problems
