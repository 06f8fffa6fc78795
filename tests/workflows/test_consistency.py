"""The workflows agree with the platform's contracts.

App templates: the `main` ruleset's required checks are the four parallel jobs of ci.yml; every
``secrets.X``/``vars.X`` a job reads is one the GitHub component declares for the environment the
job runs in (repository level for a job without one); deploy.yml gates production as promised.
This repository's workflows: pull-request checks, previews, gated `pulumi up`, drift detection.

The mutation tests change one thing in a shipped file's text (rename a job, read an undeclared
secret) and show the check fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional

import pytest

from policies.rules.workflows import Reference, Workflow, parse_workflow
from tests.workflows.jobs import job_runs
from tests.workflows.shared import APP_WORKFLOWS, OWN_WORKFLOWS, load_yaml

REQUIRED_CHECKS = ("lint", "test", "build", "security")
"""Status checks the `main` ruleset requires."""

ENVIRONMENT_VARS = {"VERCEL_PROJECT_ID", "SENTRY_PROJECT", "APP_URL", "VITE_SENTRY_DSN", "VITE_API_URL", "VITE_ENVIRONMENT"}
CONTRACT: dict[Optional[str], set[Reference]] = {
    None: {Reference("secrets", "CODECOV_TOKEN"), Reference("vars", "VERCEL_ORG_ID"), Reference("vars", "SENTRY_ORG")},
    "staging": {Reference("secrets", n) for n in ("VERCEL_TOKEN", "SLACK_WEBHOOK_URL", "VERCEL_AUTOMATION_BYPASS_SECRET")}
    | {Reference("vars", n) for n in ENVIRONMENT_VARS},
    "preview": {Reference("secrets", "VERCEL_TOKEN"), Reference("vars", "VERCEL_PROJECT_ID")},
    "production": {Reference("secrets", n) for n in ("VERCEL_TOKEN", "SLACK_WEBHOOK_URL", "SENTRY_AUTH_TOKEN")}
    | {Reference("vars", n) for n in ENVIRONMENT_VARS},
}
"""What the GitHub components declare: repository level (key None) and per environment."""

CI = APP_WORKFLOWS / "ci.yml"
DEPLOY = APP_WORKFLOWS / "deploy.yml"
PREVIEW = APP_WORKFLOWS / "preview.yml"
ROLLBACK = APP_WORKFLOWS / "rollback.yml"


def parse(path: Path, text: Optional[str] = None) -> Workflow:
    return parse_workflow(text if text is not None else path.read_text(encoding="utf-8"), path.name)


def missing_required_checks(workflow: Workflow) -> list[str]:
    """Required checks that no pull-request job of ``workflow`` reports."""
    produced = {job.check_name for job in workflow.jobs} if workflow.runs_on_pull_requests else set()
    return [check for check in REQUIRED_CHECKS if check not in produced]


def undeclared_reads(workflow: Workflow) -> list[str]:
    """What each job reads that the contract does not declare where the job runs."""
    problems = []
    for job in workflow.jobs:
        allowed = CONTRACT[None] | CONTRACT.get(job.environment, set()) if job.environment in CONTRACT else None
        if allowed is None:
            problems.append(f"job {job.job_id} runs in undeclared environment {job.environment!r}")
            continue
        problems += [f"job {job.job_id} reads {ref}" for ref in sorted(job.references - allowed)]
    return problems


def job(path: Path, job_id: str) -> Mapping[str, Any]:
    return load_yaml(path)["jobs"][job_id]


def step_names(path: Path, job_id: str) -> list[str]:
    return [step.get("name", "") for step in job(path, job_id)["steps"]]


def step_named(path: Path, job_id: str, name: str) -> Mapping[str, Any]:
    return next(step for step in job(path, job_id)["steps"] if step.get("name") == name)


def all_run_text(path: Path, job_id: str) -> str:
    return "\n".join(step.get("run", "") for step in job(path, job_id)["steps"])


# --- required checks ---------------------------------------------------------------------------


def test_required_checks_are_parallel_ci_jobs() -> None:
    workflow = parse(CI)
    assert missing_required_checks(workflow) == []
    jobs = load_yaml(CI)["jobs"]
    for check in REQUIRED_CHECKS:
        assert jobs[check]["name"] == check, "job id and name are both the check name"
        assert "needs" not in jobs[check], f"{check} must run in parallel with the others"


def test_ci_runs_on_pull_requests_and_pushes_to_main() -> None:
    on = load_yaml(CI)["on"]
    assert "pull_request" in on
    assert on["push"]["branches"] == ["main"]


@pytest.mark.parametrize(
    ("old", "new", "missing"),
    [
        ("  lint:\n    name: lint\n", "  eslint:\n    name: eslint\n", ["lint"]),
        ("  security:\n    name: security\n", "  security:\n    name: Security scan\n", ["security"]),
        ("on:\n  pull_request:\n  push:", "on:\n  push:", list(REQUIRED_CHECKS)),
    ],
    ids=["rename-job", "rename-check-name", "drop-pull-request-trigger"],
)
def test_required_check_mutation_is_caught(old: str, new: str, missing: list[str]) -> None:
    text = CI.read_text(encoding="utf-8")
    assert old in text
    assert missing_required_checks(parse(CI, text.replace(old, new))) == missing


# --- secrets and variables -----------------------------------------------------------------------


@pytest.mark.parametrize("path", [CI, DEPLOY, PREVIEW, ROLLBACK], ids=lambda p: p.name)
def test_template_jobs_read_only_declared_names(path: Path) -> None:
    assert undeclared_reads(parse(path)) == []


def test_deploy_jobs_read_what_they_need() -> None:
    """The reads are not vacuous: each deploy job reads its environment's credentials."""
    jobs = {j.job_id: j for j in parse(DEPLOY).jobs}
    assert Reference("secrets", "VERCEL_TOKEN") in jobs["staging"].references
    assert Reference("secrets", "SENTRY_AUTH_TOKEN") in jobs["production"].references
    assert Reference("secrets", "SENTRY_AUTH_TOKEN") not in jobs["staging"].references
    assert Reference("secrets", "CODECOV_TOKEN") in {r for j in parse(CI).jobs for r in j.references}


@pytest.mark.parametrize(
    ("path", "old", "new", "expected"),
    [
        (DEPLOY, "secrets.SLACK_WEBHOOK_URL }}", "secrets.SLACK_WEBHOOK }}", "reads secrets.SLACK_WEBHOOK"),
        (DEPLOY, "          TARGET: staging\n", "          TARGET: staging\n          X: ${{ secrets.SENTRY_AUTH_TOKEN }}\n",
         "job staging reads secrets.SENTRY_AUTH_TOKEN"),
        (CI, "          token: ${{ secrets.CODECOV_TOKEN }}\n",
         "          token: ${{ secrets.CODECOV_TOKEN }}\n          extra: ${{ secrets.VERCEL_TOKEN }}\n",
         "job test reads secrets.VERCEL_TOKEN"),
        (DEPLOY, "      name: staging\n", "      name: qa\n", "undeclared environment 'qa'"),
    ],
    ids=["typo", "production-only-secret-in-staging", "environment-secret-without-environment", "unknown-environment"],
)
def test_secret_mutation_is_caught(path: Path, old: str, new: str, expected: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    problems = undeclared_reads(parse(path, text.replace(old, new, 1)))
    assert any(expected in problem for problem in problems), problems


# --- the app's deploy workflow -------------------------------------------------------------------


def test_deploy_triggers() -> None:
    on = load_yaml(DEPLOY)["on"]
    assert on["push"] == {"branches": ["main"], "tags": ["v*"]}
    assert "workflow_dispatch" in on


@pytest.mark.parametrize(
    ("job_id", "environment", "condition_parts", "group"),
    [
        ("staging", "staging", ["github.event_name == 'push'", "refs/heads/main"], "deploy-staging"),
        ("production", "production", ["workflow_dispatch", "refs/tags/v"], "deploy-production"),
    ],
)
def test_deploy_job_gating(job_id: str, environment: str, condition_parts: list[str], group: str) -> None:
    spec = job(DEPLOY, job_id)
    assert spec["environment"]["name"] == environment
    assert all(part in spec["if"] for part in condition_parts)
    assert spec["concurrency"] == {"group": group, "cancel-in-progress": False}
    commands = all_run_text(DEPLOY, job_id)
    for command in (
        "vercel pull --yes --environment=production --token=",
        "vercel build --prod --token=",
        "vercel deploy --prebuilt --prod --token=",
    ):
        assert command in commands


def test_production_steps_run_in_the_promised_order() -> None:
    names = step_names(DEPLOY, "production")
    order = [
        "Build for production",
        "Upload source maps to Sentry, then remove them from the deploy",
        "Deploy to Vercel",
        "Create the GitHub release",
        "Smoke test",
        "Watch the Sentry error rate for 5 minutes",
        "Notify Slack",
    ]
    assert [n for n in names if n in order] == order
    assert step_named(DEPLOY, "production", "Notify Slack")["if"] == "always()"
    assert step_named(DEPLOY, "production", "Create the GitHub release")["if"] == "github.ref_type == 'tag'"


def test_staging_has_no_production_only_steps() -> None:
    names = step_names(DEPLOY, "staging")
    assert "Smoke test" in names and "Notify Slack" in names
    assert not any("Sentry" in n or "release" in n.lower() for n in names)


# --- this repository's workflows -----------------------------------------------------------------


def test_pull_request_workflow_runs_tests_checks_and_diffs_both_stacks() -> None:
    pr = OWN_WORKFLOWS / "pr.yml"
    assert "make test" in all_run_text(pr, "test")
    plan = all_run_text(pr, "plan")
    assert ".venv/bin/python -m plan check staging" in plan
    assert ".venv/bin/python -m plan check production" in plan
    assert '-m plan diff "$stack" --base "$BASE_SHA"' in plan
    upload = step_named(pr, "plan", "Keep the diff for the comment workflow")
    assert upload["with"]["name"] == "plan-diff" and upload["if"] == "always()"


def test_pull_requests_get_only_the_offline_plan() -> None:
    """No pulumi command runs on pull requests: the diff and the policy check are offline."""
    pr = OWN_WORKFLOWS / "pr.yml"
    runs = job_runs(pr.name, load_yaml(pr))
    assert {c.verb for r in runs for c in r.commands} == {"plan-check"}
    assert not any("pulumi/actions@" in str(step.get("uses")) for r in runs for step in r.actions)


def test_comment_workflow_never_runs_pull_request_code() -> None:
    path = OWN_WORKFLOWS / "pr-comment.yml"
    doc = load_yaml(path)
    assert doc["on"]["workflow_run"]["workflows"] == [load_yaml(OWN_WORKFLOWS / "pr.yml")["name"]]
    steps = doc["jobs"]["comment"]["steps"]
    assert not any("uses" in step for step in steps), "no action, so no checkout"
    text = path.read_text(encoding="utf-8")
    assert text.count("<!-- webapp-platform:plan-diff -->") == 2, "one marker to write, one to find"
    assert 'select(.user.login == "github-actions[bot]")' in text
    # One writer per pull-request branch at a time, so two runs never post two comments.
    assert doc["concurrency"]["group"].startswith("plan-diff-comment-") and "head_branch" in doc["concurrency"]["group"]


@pytest.mark.parametrize(
    ("job_id", "stack", "needs", "environment"),
    [("staging", "staging", None, "pulumi-staging"), ("production", "production", "staging", "production")],
)
def test_platform_updates_are_serialized_and_gated(job_id: str, stack: str, needs: Optional[str], environment: str) -> None:
    path = OWN_WORKFLOWS / "deploy.yml"
    spec = job(path, job_id)
    assert spec["concurrency"] == {"group": f"pulumi-{stack}", "cancel-in-progress": False}
    assert spec.get("needs") == needs
    assert spec["environment"] == environment
    (run,) = [r for r in job_runs(path.name, load_yaml(path)) if r.job_id == job_id]
    ups = [c for c in run.commands if c.verb == "up"]
    assert [c.stack for c in ups] == [stack]
    assert "--yes" in ups[0].argv and "--non-interactive" in ups[0].argv


def test_staging_builds_the_released_version_once() -> None:
    """Staging checks the app out at the version, sets image.version, sets up Buildx, checks the tag
    rule, and only then runs `pulumi up` (with --skip-preview: the update is the one build)."""
    path = OWN_WORKFLOWS / "deploy.yml"
    names = step_names(path, "staging")
    order = [
        "Resolve the release (version, app repository, image)",
        "Check out the app at the version being released",
        "Set image.version",
        "Set up Docker Buildx",
        "Refuse to push an existing version tag",
        "A re-run pushes nothing (the image must be unchanged)",
        "pulumi up (staging) with the policy pack",
    ]
    assert [n for n in names if n in order] == order
    app = step_named(path, "staging", "Check out the app at the version being released")["with"]
    assert app["ref"] == "refs/tags/${{ steps.release.outputs.version }}" and app["path"] == "app"
    assert "--skip-preview" in step_named(path, "staging", "pulumi up (staging) with the policy pack")["run"]
    assert step_named(path, "staging", "A re-run pushes nothing (the image must be unchanged)")["if"] == "steps.tag.outputs.state == 'deployed'"
    assert "image.version" in step_named(path, "staging", "Set image.version")["run"]
    assert "Build" not in " ".join(step_names(path, "production")), "production promotes, never builds"


def test_drift_detection_previews_every_stack_nightly() -> None:
    path = OWN_WORKFLOWS / "drift.yml"
    doc = load_yaml(path)
    assert doc["on"]["schedule"][0]["cron"]
    spec = doc["jobs"]["drift"]
    assert spec["strategy"]["matrix"]["stack"] == ["staging", "production"]
    script = all_run_text(path, "drift")
    assert '--stack "$STACK" --refresh --expect-no-changes' in script
    assert "gh issue create" in script and "gh issue comment" in script


@pytest.mark.parametrize("path", sorted(OWN_WORKFLOWS.glob("*.yml")), ids=lambda p: p.name)
def test_credentials_come_only_from_secrets(path: Path) -> None:
    """Every credential-looking env value is a secret (or the run's own token), never a literal."""
    def envs(node: Any) -> list[tuple[str, Any]]:
        if isinstance(node, Mapping):
            found = [(k, v) for k, v in (node.get("env") or {}).items()] if isinstance(node.get("env"), Mapping) else []
            return found + [pair for value in node.values() for pair in envs(value)]
        if isinstance(node, list):
            return [pair for value in node for pair in envs(value)]
        return []

    credentials = [(k, v) for k, v in envs(load_yaml(path)) if any(w in k for w in ("TOKEN", "PASSPHRASE", "PASSWORD", "KEY"))]
    for key, value in credentials:
        assert str(value).startswith("${{ secrets.") or value == "${{ github.token }}", f"{key}={value!r}"
