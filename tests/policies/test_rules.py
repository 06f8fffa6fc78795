"""Each policy of the pack against hand-made plans: a passing and a failing case (at least) per policy.

Every case names the exact set of policies that must fire, so a mutation that trips an unrelated
policy (or none) fails the test as surely as a missed one.
"""

from __future__ import annotations

from typing import Callable, Optional

import pytest

from plan.policy_runner import Violation, reconcile_config, run_policies
from policies.rules import github, github_environments, hosting, monitoring, stack as stack_rules
from tests.policies import planbuilder as pb
from tests.policies.planbuilder import Plan, inputs


POLICIES = github.POLICIES + github_environments.POLICIES + hosting.POLICIES + monitoring.POLICIES + stack_rules.POLICIES
"""The policies of this issue's rule modules (other modules have their own tests)."""


def violations(doc: dict, stack: str) -> list[Violation]:
    settings = reconcile_config(POLICIES, pb.CONFIG[stack], f"test config of {stack}")
    return run_policies(doc, POLICIES, settings).violations


def _set(name: str, *path_and_value) -> Callable[[Plan], None]:
    """A change that sets inputs[path...] = value on resource ``name`` (None deletes the key)."""
    *path, value = path_and_value

    def change(plan: Plan) -> None:
        target = inputs(plan, name)
        for key in path[:-1]:
            target = target.setdefault(key, {})
        if value is None:
            target.pop(path[-1], None)
        else:
            target[path[-1]] = value

    return change


def _protect(name: str, value: bool) -> Callable[[Plan], None]:
    def change(plan: Plan) -> None:
        plan.by_name(name)["protect"] = value

    return change


def _drop(*names: str) -> Callable[[Plan], None]:
    def change(plan: Plan) -> None:
        for name in names:
            plan.drop(name)

    return change


def _all(*changes: Callable[[Plan], None]) -> Callable[[Plan], None]:
    def change(plan: Plan) -> None:
        for c in changes:
            c(plan)

    return change


def _add(type_: str, name: str, inputs_: dict, deps: tuple[str, ...] = (), protect: bool = False) -> Callable[[Plan], None]:
    def change(plan: Plan) -> None:
        plan.add(type_, name, inputs_, deps=deps, protect=protect)

    return change


MAIN = "repository-main-ruleset"
PR = "default-branch-requires-pull-request"
CHECKS = "default-branch-requires-status-checks"
HISTORY = "default-branch-blocks-force-push-and-deletion"
UNCOVERED = {PR, CHECKS, HISTORY}

_BRANCH_PROTECTION = {
    "pattern": "main",
    "repositoryId": "R_1",
    "enforceAdmins": True,
    "requiredPullRequestReviews": [{"requiredApprovingReviewCount": 2, "dismissStaleReviews": True, "requireLastPushApproval": True}],
    "requiredStatusChecks": [{"contexts": ["lint", "test", "build", "security"], "strict": True}],
}

# (case id, stack, change, policies that must fire)
CASES: list[tuple[str, str, Optional[Callable[[Plan], None]], set[str]]] = [
    ("production compliant", "production", None, set()),
    ("staging compliant", "staging", None, set()),
    # default branch: pull request
    ("approvals below config", "production", _set(MAIN, "rules", "pullRequest", "requiredApprovingReviewCount", 1), {PR}),
    ("approvals 0", "production", _set(MAIN, "rules", "pullRequest", "requiredApprovingReviewCount", 0), {PR}),
    ("stale reviews kept", "production", _set(MAIN, "rules", "pullRequest", "dismissStaleReviewsOnPush", False), {PR}),
    ("last push unapproved", "production", _set(MAIN, "rules", "pullRequest", "requireLastPushApproval", None), {PR}),
    ("no pull request rule", "production", _set(MAIN, "rules", "pullRequest", None), {PR}),
    ("ruleset only evaluates", "production", _set(MAIN, "enforcement", "evaluate"), UNCOVERED),
    ("default branch excluded", "production", _set(MAIN, "conditions", "refName", "excludes", ["refs/heads/main"]), UNCOVERED),
    ("ruleset of another repository", "production", _all(_set(MAIN, "repository", "other"), lambda p: p.by_name(MAIN).update(dependencies=[])), UNCOVERED),
    (
        "approvals from a second ruleset on refs/heads/main count",
        "production",
        _all(
            _set(MAIN, "rules", "pullRequest", "requiredApprovingReviewCount", 1),
            _add(pb.RULESET, "extra-ruleset", {"repository": "my-app", "target": "branch", "enforcement": "active",
                 "conditions": {"refName": {"includes": ["refs/heads/main"], "excludes": []}},
                 "rules": {"pullRequest": {"requiredApprovingReviewCount": 2}}}),
        ),
        set(),
    ),
    (
        "branch protection instead of a ruleset",
        "production",
        _all(_drop(MAIN), _add(pb.BRANCH_PROTECTION, "main-protection", _BRANCH_PROTECTION, deps=("repository-repository",))),
        set(),
    ),
    (
        "branch protection allowing force pushes",
        "production",
        _all(_drop(MAIN), _add(pb.BRANCH_PROTECTION, "main-protection", {**_BRANCH_PROTECTION, "allowsForcePushes": True}, deps=("repository-repository",))),
        {HISTORY},
    ),
    # default branch: checks and history
    ("security check removed", "production", _set(MAIN, "rules", "requiredStatusChecks", "requiredChecks", [{"context": c} for c in ("lint", "test", "build")]), {CHECKS}),
    ("checks not strict", "production", _set(MAIN, "rules", "requiredStatusChecks", "strictRequiredStatusChecksPolicy", False), {CHECKS}),
    ("force push allowed", "production", _set(MAIN, "rules", "nonFastForward", False), {HISTORY}),
    ("deletion allowed", "production", _set(MAIN, "rules", "deletion", None), {HISTORY}),
    ("bypass actor (advisory)", "production", _set(MAIN, "bypassActors", [{"actorType": "RepositoryRole", "actorId": 5, "bypassMode": "always"}]), {"default-branch-no-bypass-actors"}),
    # hotfix branches
    ("hotfix without pull request", "production", _set("repository-hotfix-ruleset", "rules", "pullRequest", None), {"hotfix-branches-require-pull-request"}),
    ("hotfix pattern does not reach hotfix/*", "production", _set("repository-hotfix-ruleset", "conditions", "refName", "includes", ["refs/heads/*"]), {"hotfix-branches-require-pull-request"}),
    ("hotfix covered by refs/heads/**/*", "production", _set("repository-hotfix-ruleset", "conditions", "refName", "includes", ["refs/heads/**/*"]), set()),
    # release tags
    ("release tags movable", "production", _set("repository-release-tags-ruleset", "rules", "update", False), {"release-tags-protected"}),
    ("release tags deletable", "production", _set("repository-release-tags-ruleset", "rules", "deletion", None), {"release-tags-protected"}),
    ("tag ruleset targets branches", "production", _set("repository-release-tags-ruleset", "target", "branch"), {"release-tags-protected"}),
    ("tags covered by ~ALL", "production", _set("repository-release-tags-ruleset", "conditions", "refName", "includes", ["~ALL"]), set()),
    # repository settings
    ("secret scanning off", "production", _set("repository-repository", "securityAndAnalysis", "secretScanning", "status", "disabled"), {"repository-secret-scanning"}),
    ("push protection unset", "production", _set("repository-repository", "securityAndAnalysis", "secretScanningPushProtection", None), {"repository-secret-scanning"}),
    ("vulnerability alerts not declared", "production", _drop("repository-vulnerability-alerts"), {"repository-vulnerability-alerts"}),
    ("vulnerability alerts disabled", "production", _set("repository-vulnerability-alerts", "enabled", False), {"repository-vulnerability-alerts"}),
    ("vulnerability alerts via the repository input", "production", _all(_drop("repository-vulnerability-alerts"), _set("repository-repository", "vulnerabilityAlerts", True)), set()),
    ("repository deletable", "production", _all(_set("repository-repository", "archiveOnDestroy", False), _protect("repository-repository", False)), {"repository-deletion-guarded"}),
    ("repository protected only", "production", _set("repository-repository", "archiveOnDestroy", None), set()),
    ("repository archived only", "production", _protect("repository-repository", False), set()),
    # production environment
    ("production reviewers removed", "production", _set("environment-environment", "reviewers", None), {"production-environment-approval"}),
    ("production self-review allowed", "production", _set("environment-environment", "preventSelfReview", False), {"production-environment-approval"}),
    ("production admins bypass (default)", "production", _set("environment-environment", "canAdminsBypass", None), {"production-environment-approval"}),
    ("deploy branch widened", "production", _set("environment-deploy-branch-main", "branchPattern", "*"), {"production-environment-deploy-refs"}),
    ("deploy tags widened", "production", _set("environment-deploy-tag-v", "tagPattern", "*"), {"production-environment-deploy-refs"}),
    ("any branch may deploy", "production", _set("environment-environment", "deploymentBranchPolicy", None), {"production-environment-deploy-refs"}),
    ("protected branches may deploy", "production", _set("environment-environment", "deploymentBranchPolicy", {"protectedBranches": True, "customBranchPolicies": False}), {"production-environment-deploy-refs"}),
    ("no deployment policy", "production", _drop("environment-deploy-branch-main", "environment-deploy-tag-v"), {"production-environment-deploy-refs"}),
    # hosting
    ("DSN variable removed", "production", _drop("site-env-vite-sentry-dsn"), {"vercel-project-sentry-dsn"}),
    ("DSN variable preview only", "staging", _set("site-env-vite-sentry-dsn", "targets", ["preview"]), {"vercel-project-sentry-dsn"}),
    (
        "DSN in a ProjectEnvironmentVariables group",
        "staging",
        _all(
            _drop("site-env-vite-sentry-dsn"),
            _add("vercel:index/projectEnvironmentVariables:ProjectEnvironmentVariables", "site-env",
                 {"projectId": "prj_1", "variables": [{"key": "VITE_SENTRY_DSN", "value": "[secret]", "targets": ["production"]}]},
                 deps=("site-project", "monitoring-key")),
        ),
        set(),
    ),
    ("production project unprotected", "production", _protect("site-project", False), {"production-vercel-project-protected"}),
    ("staging standard protection with production domain", "staging", _set("site-project", "vercelAuthentication", "deploymentType", "standard_protection_new"), {"staging-deployment-protection"}),
    (
        "staging standard protection, branch domain only",
        "staging",
        _all(_set("site-project", "vercelAuthentication", "deploymentType", "standard_protection"), _set("site-domain", "gitBranch", "staging")),
        set(),
    ),
    ("staging protection none", "staging", _set("site-project", "vercelAuthentication", "deploymentType", "none"), {"staging-deployment-protection"}),
    ("staging without any protection", "staging", _set("site-project", "vercelAuthentication", None), {"staging-deployment-protection"}),
    ("staging behind password protection", "staging", _all(_set("site-project", "vercelAuthentication", None), _set("site-project", "passwordProtection", {"deploymentType": "all_deployments", "password": "[secret]"})), set()),
    # monitoring
    ("sentry project unprotected", "staging", _protect("monitoring-project", False), {"sentry-project-protected"}),
    # stack-wide
    ("no GitHub environment", "production", _drop("environment-environment"), {"stack-declares-environment"}),
    ("no Vercel project", "staging", _drop("site-project"), {"stack-declares-environment"}),
    ("no Sentry project", "staging", _drop("monitoring-project"), {"stack-declares-environment", "environment-isolation"}),
    ("owner without repository", "production", _drop("repository-repository"), {"owner-stack-declares-repository"}),
    ("staging declares a ruleset", "staging", _add(pb.RULESET, "stray-ruleset", {"repository": "my-app", "target": "branch", "enforcement": "active", "rules": {}}), {"owner-stack-declares-repository"}),
    ("staging declares the Sentry team", "staging", _add(pb.SENTRY_TEAM, "stray-team", {"name": "web", "organization": "example-org"}), {"owner-stack-declares-repository"}),
    ("staging points at the production domain", "staging", _set("environment-variable-app-url", "value", "https://example.com/login"), {"environment-isolation"}),
    ("staging variable in the production environment", "staging", _set("environment-variable-app-url", "environment", "production"), {"environment-isolation"}),
    ("staging names the production Sentry project", "staging", _set("environment-variable-app-url", "value", "my-app-production"), {"environment-isolation"}),
    ("staging key of the production Sentry project", "staging", _all(_set("monitoring-key", "project", "my-app-production"), lambda p: p.by_name("monitoring-key").update(dependencies=[])), {"environment-isolation"}),
    ("DSN not wired from a Sentry key", "production", lambda p: p.by_name("site-env-vite-sentry-dsn").update(dependencies=[p.by_name("site-project")["urn"]]), {"environment-isolation"}),
    ("production points at the staging domain", "production", _set("site-domain", "domain", "staging.example.com"), {"environment-isolation"}),
    (
        "a workflow file may mention every environment",
        "production",
        _add("github:index/repositoryFile:RepositoryFile", "deploy-yml",
             {"repository": "my-app", "file": ".github/workflows/deploy.yml",
              "content": "jobs:\n  staging:\n    environment: {name: staging, url: https://staging.example.com}\n"}),
        set(),
    ),
]


@pytest.mark.parametrize(("stack", "change", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_policy_case(stack: str, change, expected: set[str]) -> None:
    base = pb.production if stack == "production" else pb.staging
    found = violations(pb.mutated(base, change), stack)
    assert {v.policy for v in found} == expected, [f"{v.policy}: {v.message}" for v in found]
    for v in found:
        assert v.urn.startswith(f"urn:pulumi:{stack}::"), v
        assert v.message


def test_every_policy_has_a_failing_case() -> None:
    fired = set().union(*(c[3] for c in CASES))
    assert fired >= {p.name for p in POLICIES}


def test_advisory_policy_is_reported_advisory() -> None:
    change = _set(MAIN, "bypassActors", [{"actorType": "OrganizationAdmin", "bypassMode": "always"}])
    (violation,) = violations(pb.mutated(pb.production, change), "production")
    assert violation.enforcement_level == "advisory"


@pytest.mark.parametrize(
    ("change", "expected_fragment"),
    [
        (_set(MAIN, "rules", "pullRequest", "requiredApprovingReviewCount", 0), "0 approving review(s) required, policy needs at least 2"),
        (_set(MAIN, "rules", "requiredStatusChecks", "requiredChecks", [{"context": "lint"}]), "required status checks missing: test, build, security"),
        (_set("environment-deploy-branch-main", "branchPattern", "release/*"), "deploys from branches 'release/*' (allowed: main)"),
    ],
)
def test_messages_name_the_values(change, expected_fragment: str) -> None:
    (violation,) = violations(pb.mutated(pb.production, change), "production")
    assert expected_fragment in violation.message
