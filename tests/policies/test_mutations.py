"""Mutation tests on the real plans of the shipped stacks: break one guardrail at a time and
`python -m plan check STACK --plan-file F` must exit 1 naming exactly the policy that guards it;
the unmodified stacks pass clean.

Resources are found by what they are (type and inputs), not by their logical names, so the tests
follow the program's structure rather than its naming.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import pytest

from plan.__main__ import main as plan_cli

Mutation = Callable[[dict], None]


def find(plan: dict, type_suffix: str, **match) -> dict:
    """The one resource of that type whose inputs contain ``match`` (keys in camelCase)."""
    found = [
        r
        for r in plan["resources"]
        if r["type"].endswith(type_suffix) and all(r["inputs"].get(k) == v for k, v in match.items())
    ]
    assert len(found) == 1, f"expected one {type_suffix} with {match}, found {len(found)}"
    return found[0]


def ruleset(plan: dict, include: str) -> dict:
    """The ruleset whose ref includes contain ``include``."""
    found = [
        r
        for r in plan["resources"]
        if r["type"].endswith(":RepositoryRuleset") and include in r["inputs"]["conditions"]["refName"]["includes"]
    ]
    assert len(found) == 1, f"expected one ruleset including {include}"
    return found[0]


def drop(plan: dict, resource: dict) -> None:
    plan["resources"].remove(resource)


def main_rules(plan: dict) -> dict:
    return ruleset(plan, "~DEFAULT_BRANCH")["inputs"]["rules"]


def production_env(plan: dict) -> dict:
    return find(plan, ":RepositoryEnvironment", environment="production")["inputs"]


def dsn_variable(plan: dict) -> dict:
    return find(plan, ":ProjectEnvironmentVariable", key="VITE_SENTRY_DSN")


def _add_stray_ruleset(plan: dict) -> None:
    stray = json.loads(json.dumps(plan["resources"][-1]))
    stray.update(
        urn=plan["resources"][0]["urn"].replace("pulumi:pulumi:Stack", "github:index/repositoryRuleset:RepositoryRuleset") + "-stray",
        type="github:index/repositoryRuleset:RepositoryRuleset",
        name="stray-ruleset",
        dependencies=[],
        inputs={"repository": "my-app", "target": "branch", "enforcement": "active", "rules": {"deletion": True}},
    )
    plan["resources"].append(stray)


def _set_variable(plan: dict, name: str, value: str) -> None:
    find(plan, ":ActionsEnvironmentVariable", variableName=name)["inputs"]["value"] = value


PRODUCTION: list[tuple[str, Mutation, str]] = [
    ("required check removed", lambda p: main_rules(p)["requiredStatusChecks"]["requiredChecks"].pop(), "default-branch-requires-status-checks"),
    ("status checks not strict", lambda p: main_rules(p)["requiredStatusChecks"].update(strictRequiredStatusChecksPolicy=False), "default-branch-requires-status-checks"),
    ("approvals 0", lambda p: main_rules(p)["pullRequest"].update(requiredApprovingReviewCount=0), "default-branch-requires-pull-request"),
    ("approvals below the production floor", lambda p: main_rules(p)["pullRequest"].update(requiredApprovingReviewCount=1), "default-branch-requires-pull-request"),
    ("stale reviews kept", lambda p: main_rules(p)["pullRequest"].update(dismissStaleReviewsOnPush=False), "default-branch-requires-pull-request"),
    ("last push approval off", lambda p: main_rules(p)["pullRequest"].pop("requireLastPushApproval"), "default-branch-requires-pull-request"),
    ("force push allowed", lambda p: main_rules(p).update(nonFastForward=False), "default-branch-blocks-force-push-and-deletion"),
    ("deletion allowed", lambda p: main_rules(p).pop("deletion"), "default-branch-blocks-force-push-and-deletion"),
    ("hotfix pull request removed", lambda p: ruleset(p, "refs/heads/hotfix/*")["inputs"]["rules"].pop("pullRequest"), "hotfix-branches-require-pull-request"),
    ("release tags movable", lambda p: ruleset(p, "refs/tags/v*")["inputs"]["rules"].pop("update"), "release-tags-protected"),
    ("release tag ruleset disabled", lambda p: ruleset(p, "refs/tags/v*")["inputs"].update(enforcement="disabled"), "release-tags-protected"),
    ("secret scanning off", lambda p: find(p, ":Repository")["inputs"]["securityAndAnalysis"]["secretScanning"].update(status="disabled"), "repository-secret-scanning"),
    ("push protection off", lambda p: find(p, ":Repository")["inputs"]["securityAndAnalysis"].pop("secretScanningPushProtection"), "repository-secret-scanning"),
    ("vulnerability alerts removed", lambda p: drop(p, find(p, ":RepositoryVulnerabilityAlerts")), "repository-vulnerability-alerts"),
    ("vulnerability alerts disabled", lambda p: find(p, ":RepositoryVulnerabilityAlerts")["inputs"].update(enabled=False), "repository-vulnerability-alerts"),
    ("repository protection removed", lambda p: (find(p, ":Repository").update(protect=False), find(p, ":Repository")["inputs"].update(archiveOnDestroy=False)), "repository-deletion-guarded"),
    ("production reviewers removed", lambda p: production_env(p).pop("reviewers"), "production-environment-approval"),
    ("production self-review allowed", lambda p: production_env(p).update(preventSelfReview=False), "production-environment-approval"),
    ("production admins bypass", lambda p: production_env(p).update(canAdminsBypass=True), "production-environment-approval"),
    ("deployment branch policy widened", lambda p: find(p, ":RepositoryEnvironmentDeploymentPolicy", branchPattern="main")["inputs"].update(branchPattern="*"), "production-environment-deploy-refs"),
    ("deployment tag policy widened", lambda p: find(p, ":RepositoryEnvironmentDeploymentPolicy", tagPattern="v*")["inputs"].update(tagPattern="*"), "production-environment-deploy-refs"),
    ("any branch may deploy", lambda p: production_env(p).update(deploymentBranchPolicy={"protectedBranches": True, "customBranchPolicies": False}), "production-environment-deploy-refs"),
    ("DSN variable removed", lambda p: drop(p, dsn_variable(p)), "vercel-project-sentry-dsn"),
    ("production project protection removed", lambda p: find(p, ":Project").update(protect=False), "production-vercel-project-protected"),
    ("Sentry project protection removed", lambda p: find(p, ":SentryProject").update(protect=False), "sentry-project-protected"),
    ("production points at the staging domain", lambda p: _set_variable(p, "APP_URL", "https://staging.example.com"), "environment-isolation"),
    ("production names the staging Sentry project", lambda p: _set_variable(p, "SENTRY_PROJECT", "my-app-staging"), "environment-isolation"),
    ("repository dropped from the owner stack", lambda p: drop(p, find(p, ":Repository")), "owner-stack-declares-repository"),
]

STAGING: list[tuple[str, Mutation, str]] = [
    ("deployment protection lowered", lambda p: find(p, ":Project")["inputs"]["vercelAuthentication"].update(deploymentType="standard_protection_new"), "staging-deployment-protection"),
    ("deployment protection removed", lambda p: find(p, ":Project")["inputs"].pop("vercelAuthentication"), "staging-deployment-protection"),
    ("DSN variable removed", lambda p: drop(p, dsn_variable(p)), "vercel-project-sentry-dsn"),
    ("DSN variable preview only", lambda p: dsn_variable(p)["inputs"].update(targets=["preview"]), "vercel-project-sentry-dsn"),
    ("Sentry project protection removed", lambda p: find(p, ":SentryProject").update(protect=False), "sentry-project-protected"),
    ("staging declares a ruleset", _add_stray_ruleset, "owner-stack-declares-repository"),
    ("staging points at the production API", lambda p: _set_variable(p, "VITE_API_URL", "https://api.example.com"), "environment-isolation"),
    ("staging variable in the production environment", lambda p: find(p, ":ActionsEnvironmentVariable", variableName="APP_URL")["inputs"].update(environment="production"), "environment-isolation"),
    ("staging GitHub environment removed", lambda p: drop(p, find(p, ":RepositoryEnvironment", environment="staging")), "stack-declares-environment"),
]

CASES = [("production", *case) for case in PRODUCTION] + [("staging", *case) for case in STAGING]


def check_plan(plan: dict, tmp_path: Path, capsys) -> tuple[int, dict]:
    """Run `plan check STACK --plan-file F --json` in-process; (exit code, report)."""
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    capsys.readouterr()
    code = plan_cli(["check", plan["stack"], "--plan-file", str(path), "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("stack", ["staging", "production"])
def test_shipped_stack_passes_clean(stack: str, plan_of, tmp_path, capsys) -> None:
    code, report = check_plan(plan_of(stack), tmp_path, capsys)
    assert report["violations"] == []
    assert code == 0
    assert report["policiesRun"] >= 18


@pytest.mark.parametrize(("stack", "mutation", "policy"), [c[:1] + c[2:] for c in CASES], ids=[f"{c[0]}: {c[1]}" for c in CASES])
def test_broken_guardrail_is_caught(stack: str, mutation: Mutation, policy: str, plan_of, tmp_path, capsys) -> None:
    plan = plan_of(stack)
    mutation(plan)
    code, report = check_plan(plan, tmp_path, capsys)
    fired = {v["policy"] for v in report["violations"]}
    assert code == 1
    assert fired == {policy}, report["violations"]
    assert all(v["enforcementLevel"] == "mandatory" for v in report["violations"])


def test_lowered_approvals_in_the_stack_file_fail_the_check(stack_file, capsys) -> None:
    """The guardrail holds against the stack's own config: the full CLI path, harness included."""
    variant = stack_file("production", set={"webapp-platform:requiredApprovals": 1})
    code = plan_cli(["check", "production", "--stack-file", str(variant)])
    out = capsys.readouterr().out
    assert code == 1
    assert "[mandatory] default-branch-requires-pull-request" in out
    assert "1 approving review(s) required, policy needs at least 2" in out
