"""Small hand-made plan documents (the `plan show --json` shape) for policy unit tests.

``production()`` and ``staging()`` build a compliant stack each; a test mutates one detail and
checks that exactly the policy guarding it fires.
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Optional

PROJECT = "webapp-platform"

REPOSITORY = "github:index/repository:Repository"
RULESET = "github:index/repositoryRuleset:RepositoryRuleset"
BRANCH_PROTECTION = "github:index/branchProtection:BranchProtection"
VULN_ALERTS = "github:index/repositoryVulnerabilityAlerts:RepositoryVulnerabilityAlerts"
ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment"
DEPLOY_POLICY = "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy"
ENV_VARIABLE = "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable"
PROJECT_TYPE = "vercel:index/project:Project"
DOMAIN = "vercel:index/projectDomain:ProjectDomain"
ENV_VAR = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"
SENTRY_TEAM = "sentry:index/sentryTeam:SentryTeam"
SENTRY_PROJECT = "sentry:index/sentryProject:SentryProject"
SENTRY_KEY = "sentry:index/sentryKey:SentryKey"


class Plan:
    """A plan document under construction; resources are addressed by name."""

    def __init__(self, stack: str) -> None:
        self.stack = stack
        self.doc: dict[str, Any] = {"project": PROJECT, "stack": stack, "resources": [], "outputs": {}}
        self.add("pulumi:pulumi:Stack", f"{PROJECT}-{stack}", {})

    def urn(self, type_: str, name: str) -> str:
        return f"urn:pulumi:{self.stack}::{PROJECT}::{type_}::{name}"

    def add(self, type_: str, name: str, inputs: dict, deps: tuple[str, ...] = (), protect: bool = False) -> "Plan":
        self.doc["resources"].append(
            {
                "urn": self.urn(type_, name),
                "type": type_,
                "name": name,
                "parent": None if type_ == "pulumi:pulumi:Stack" else self.doc["resources"][0]["urn"],
                "dependencies": [self.by_name(d)["urn"] for d in deps],
                "protect": protect,
                "retainOnDelete": False,
                "provider": None,
                "inputs": inputs,
            }
        )
        return self

    def by_name(self, name: str) -> dict:
        return next(r for r in self.doc["resources"] if r["name"] == name)

    def drop(self, name: str) -> None:
        self.doc["resources"].remove(self.by_name(name))


def _main_ruleset(approvals: int = 2) -> dict:
    return {
        "name": "main",
        "repository": "my-app",
        "target": "branch",
        "enforcement": "active",
        "bypassActors": [],
        "conditions": {"refName": {"includes": ["~DEFAULT_BRANCH"], "excludes": []}},
        "rules": {
            "deletion": True,
            "nonFastForward": True,
            "pullRequest": {
                "requiredApprovingReviewCount": approvals,
                "dismissStaleReviewsOnPush": True,
                "requireLastPushApproval": True,
            },
            "requiredStatusChecks": {
                "requiredChecks": [{"context": c} for c in ("lint", "test", "build", "security")],
                "strictRequiredStatusChecksPolicy": True,
            },
        },
    }


def _site_and_monitoring(plan: Plan, env: str, protect_project: bool, deployment_type: str) -> None:
    plan.add(SENTRY_PROJECT, "monitoring-project", {"name": f"my-app-{env}", "slug": f"my-app-{env}", "organization": "example-org"}, protect=True)
    plan.add(SENTRY_KEY, "monitoring-key", {"organization": "example-org", "project": f"my-app-{env}"}, deps=("monitoring-project",))
    plan.add(
        PROJECT_TYPE,
        "site-project",
        {"name": f"my-app-{env}", "framework": "vite", "vercelAuthentication": {"deploymentType": deployment_type}},
        protect=protect_project,
    )
    domain = "example.com" if env == "production" else "staging.example.com"
    plan.add(DOMAIN, "site-domain", {"domain": domain, "projectId": "prj_1"}, deps=("site-project",))
    plan.add(
        ENV_VAR,
        "site-env-vite-sentry-dsn",
        {"key": "VITE_SENTRY_DSN", "projectId": "prj_1", "targets": ["production", "preview"], "value": "[secret]", "sensitive": False},
        deps=("site-project", "monitoring-key"),
    )
    plan.add(
        ENV_VARIABLE,
        "environment-variable-vite-sentry-dsn",
        {"environment": env, "repository": "my-app", "variableName": "VITE_SENTRY_DSN", "value": "https://k@o1.ingest.sentry.io/2"},
        deps=("environment-environment", "monitoring-key"),
    )
    plan.add(
        ENV_VARIABLE,
        "environment-variable-app-url",
        {"environment": env, "repository": "my-app", "variableName": "APP_URL", "value": f"https://{domain}"},
        deps=("environment-environment",),
    )


def production() -> Plan:
    """A compliant owner stack."""
    plan = Plan("production")
    plan.add(
        REPOSITORY,
        "repository-repository",
        {
            "name": "my-app",
            "archiveOnDestroy": True,
            "securityAndAnalysis": {"secretScanning": {"status": "enabled"}, "secretScanningPushProtection": {"status": "enabled"}},
        },
        protect=True,
    )
    plan.add(VULN_ALERTS, "repository-vulnerability-alerts", {"repository": "my-app", "enabled": True}, deps=("repository-repository",))
    plan.add(RULESET, "repository-main-ruleset", _main_ruleset(), deps=("repository-repository",))
    plan.add(
        RULESET,
        "repository-hotfix-ruleset",
        {
            "name": "hotfix", "repository": "my-app", "target": "branch", "enforcement": "active",
            "conditions": {"refName": {"includes": ["refs/heads/hotfix/*"], "excludes": []}},
            "rules": {"pullRequest": {"requiredApprovingReviewCount": 1}},
        },
        deps=("repository-repository",),
    )
    plan.add(
        RULESET,
        "repository-release-tags-ruleset",
        {
            "name": "release-tags", "repository": "my-app", "target": "tag", "enforcement": "active",
            "conditions": {"refName": {"includes": ["refs/tags/v*"], "excludes": []}},
            "rules": {"update": True, "deletion": True},
        },
        deps=("repository-repository",),
    )
    plan.add(
        ENVIRONMENT,
        "environment-environment",
        {
            "repository": "my-app", "environment": "production", "preventSelfReview": True, "canAdminsBypass": False,
            "reviewers": [{"users": [1000001], "teams": []}],
            "deploymentBranchPolicy": {"customBranchPolicies": True, "protectedBranches": False},
        },
        deps=("repository-repository",),
    )
    plan.add(DEPLOY_POLICY, "environment-deploy-branch-main", {"repository": "my-app", "environment": "production", "branchPattern": "main"}, deps=("environment-environment",))
    plan.add(DEPLOY_POLICY, "environment-deploy-tag-v", {"repository": "my-app", "environment": "production", "tagPattern": "v*"}, deps=("environment-environment",))
    plan.add(SENTRY_TEAM, "monitoring-team", {"name": "web", "slug": "web", "organization": "example-org"})
    _site_and_monitoring(plan, "production", protect_project=True, deployment_type="standard_protection_new")
    return plan


def staging() -> Plan:
    """A compliant non-owner stack."""
    plan = Plan("staging")
    plan.add(
        ENVIRONMENT,
        "environment-environment",
        {"repository": "my-app", "environment": "staging", "deploymentBranchPolicy": {"customBranchPolicies": True, "protectedBranches": False}},
    )
    plan.add(DEPLOY_POLICY, "environment-deploy-branch-main", {"repository": "my-app", "environment": "staging", "branchPattern": "main"}, deps=("environment-environment",))
    _site_and_monitoring(plan, "staging", protect_project=False, deployment_type="all_deployments")
    return plan


CONFIG: dict[str, dict] = {
    "production": {
        "default-branch-requires-pull-request": {"minApprovals": 2},
        "stack-declares-environment": {"environment": "production"},
        "owner-stack-declares-repository": {"ownsRepository": True},
        "environment-isolation": {
            "environment": "production", "foreignEnvironments": ["staging"],
            "foreignDomains": ["staging.example.com"], "foreignNames": ["my-app-staging"],
        },
        "staging-deployment-protection": {"environment": "production"},
        "production-vercel-project-protected": {"environment": "production"},
    },
    "staging": {
        "stack-declares-environment": {"environment": "staging"},
        "owner-stack-declares-repository": {"ownsRepository": False},
        "environment-isolation": {
            "environment": "staging", "foreignEnvironments": ["production"],
            "foreignDomains": ["example.com"], "foreignNames": ["my-app-production"],
        },
        "staging-deployment-protection": {"environment": "staging"},
        "production-vercel-project-protected": {"environment": "staging"},
    },
}
"""Policy config of the hand-made stacks (like policies/config/*.json)."""


def inputs(plan: Plan, name: str) -> dict:
    """The inputs of resource ``name`` (to mutate in place)."""
    return plan.by_name(name)["inputs"]


def mutated(base: Callable[[], Plan], change: Optional[Callable[[Plan], None]]) -> dict:
    """The plan document of ``base()`` after ``change``."""
    plan = base()
    if change is not None:
        change(plan)
    return copy.deepcopy(plan.doc)
